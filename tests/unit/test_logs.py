"""No full ID or card number in any log line: the project's, uvicorn's or SQLAlchemy's, in text or JSON."""

import io
import logging
import re

import pytest

from shared.logs import scrub, setup_logging

ID = "632523195001011234"
CARD = "6228480000000000001"
FULL = re.compile(r"(?<![0-9])[0-9]{15,}[0-9Xx]?(?![0-9])")


def test_numbers_are_masked_also_next_to_chinese_text_and_with_a_lowercase_x() -> None:
    assert scrub(f"身份证{ID}号") == "身份证6325****1234号"
    assert scrub(f"卡号{CARD}，") == "卡号6228****0001，"
    assert scrub(f"id={ID[:17]}x.") == "id=6325****123x."
    assert scrub("batch B0C2496247F444EA, 35 batches, 2026-11-26") == "batch B0C2496247F444EA, 35 batches, 2026-11-26"


@pytest.mark.parametrize("as_json", [False, True])
def test_every_logger_goes_through_the_scrubber(as_json: bool, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("test", "INFO", as_json)
    for name in ("services.review", "uvicorn.error", "sqlalchemy.engine", "aiokafka"):
        logging.getLogger(name).error("failed for 身份证%s号 card %s", ID, CARD)
    try:
        raise ValueError(f"(asyncpg) value too long [parameters: ('{ID}', '{CARD}')]")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    err = capsys.readouterr().err
    assert err.count("6325****1234") >= 5 and "Exception in ASGI application" in err
    assert not FULL.findall(err), FULL.findall(err)
    logging.getLogger().handlers[:] = [logging.StreamHandler(io.StringIO())]
