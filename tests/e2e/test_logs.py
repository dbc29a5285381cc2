"""No full ID or card number in any log line, after driving failures that carry them on purpose."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

from deploy.demo.client import CountyClient
from deploy.stack import ServiceProcesses
from shared.auth import Role
from shared.events.envelope import wrap
from shared.events.payloads import BatchSubmitted
from shared.messaging.chunks import item_chunks
from tests.factories import item
from tests.infra import log_dir
from tests.integration.harness import produce

FULL = re.compile(r"(?<![0-9])[0-9]{15,}[0-9Xx]?(?![0-9])")


def test_failures_carrying_full_numbers_leave_none_in_any_log(stack: ServiceProcesses, client: CountyClient,
                                                              infra: tuple[dict[str, str], str]) -> None:
    # a declared chunk whose batch id does not fit review's and supervision's columns: their handlers fail
    # (five tries, then the dead-letter topic) with the item's full ID and card number in the statement
    letters = uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))  # no digit runs to mask
    marker = "LOGTEST" + letters * 2  # 71 characters: longer than any batch id column
    person = item(name="张三")
    chunk = item_chunks(BatchSubmitted, [person], 1000, batch_id=marker, program_code="P1", department_code="MZ",
                        period="2026-11", township_code="992523100")[0]
    envelope = wrap(chunk, producer="test", correlation_id=marker)
    asyncio.run(produce(infra[0]["YKT_KAFKA_BOOTSTRAP"], BatchSubmitted.topic, [envelope.model_dump_json().encode()]))
    # and requests whose paths and bodies carry full numbers next to Chinese text
    client.call("GET", "banking", f"/cards/{person.card_number}", Role.FINANCE, ok=(404,))
    client.call("POST", "complaint", "/public/complaints", json={
        "category": "fake_claim", "content": f"身份证{person.id_number}号冒领，卡号{person.card_number}"})

    def dead_lettered() -> bool:
        return any(marker in line and "dead-lettering" in line
                   for f in log_dir().glob("*.log") for line in f.read_text(errors="replace").splitlines())

    deadline = time.monotonic() + 90
    while not dead_lettered():
        assert time.monotonic() < deadline, "the failing chunk was never dead-lettered"
        time.sleep(1)
    files = sorted(log_dir().glob("*.log"))
    assert len(files) >= 9
    found = {f.name: FULL.findall(f.read_text(errors="replace")) for f in files}
    driven = sum(line.count(marker) for f in files for line in f.read_text(errors="replace").splitlines()
                 if "handler failed" in line or "dead-lettering" in line)
    print(f"log scan: {len(files)} files, {driven} failure lines driven, "
          f"{sum(len(v) for v in found.values())} full numbers")
    assert driven >= 2
    assert {name: hits[:3] for name, hits in found.items() if hits} == {}
