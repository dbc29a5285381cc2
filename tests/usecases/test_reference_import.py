"""Review's reference-data import from JSON rows: each row checked as it is taken, a bad row listed and left out,
an import of nothing but bad rows refused (a new version replaces the last one)."""

from __future__ import annotations

import pytest

from services.review.api import RefRow
from services.review.usecases import references
from shared.auth import Role
from shared.errors import Invalid
from shared.inputs import checked_rows, json_list
from tests.factories import person
from tests.usecases.conftest import ServiceUnderTest, service_fixture, who

review_svc = service_fixture("review")
FINANCE = who(Role.FINANCE, "finance-1")


async def test_bad_rows_are_listed_and_left_out_and_the_parsed_rows_are_let_go(review_svc: ServiceUnderTest) -> None:
    first, second = person()[0], person()[0]
    rows = json_list(f'[{{"id_number": "{first}", "on_date": "2026-10-02"}}, '
                     f'{{"id_number": "{second}", "on_date": "31/01/2026"}}, 7, '
                     f'{{"id_number": "{second}", "on_date": "2026-10-03", "gender": "x"}}, '
                     f'{{"id_number": "{second}", "on_date": "2026-10-04"}}]'.encode(), 10)
    got = await review_svc.run(references.import_reference, FINANCE, "deaths", checked_rows(RefRow, rows), "test")
    assert rows == []  # taken out as they were checked
    assert (got["rows"], got["rejected_rows"]) == (2, 3)
    assert [(e["row"], e["column"]) for e in got["errors"]] == [(2, "死亡日期"), (3, "row"), (4, "gender")]
    assert await review_svc.scalar("SELECT on_date::text FROM ref_rows WHERE import_id = :v AND id_number = :i",
                                   v=got["version"], i=second) == "2026-10-04"


async def test_an_import_of_nothing_but_bad_rows_changes_nothing(review_svc: ServiceUnderTest) -> None:
    before = await review_svc.scalar("SELECT count(*) FROM ref_imports")
    with pytest.raises(Invalid) as refused:
        await review_svc.run(references.import_reference, FINANCE, "deaths", checked_rows(
            RefRow, [{"id_number": person()[0], "on_date": "31/01/2026"}]), "test")
    detail = refused.value.detail
    assert isinstance(detail, dict)  # a structure with the row errors, not only a message
    assert {k: detail["errors"][0][k] for k in ("row", "column", "field")} == {"row": 1, "column": "死亡日期",
                                                                              "field": "on_date"}
    assert await review_svc.scalar("SELECT count(*) FROM ref_imports") == before


def test_a_body_that_is_not_a_list_of_rows_is_refused_by_name() -> None:
    for body, says in ((b"{", "not JSON"), (b'{"id_number": "1"}', "not dict"), (b"[1, 2, 3]", "at most 2")):
        with pytest.raises(Invalid, match=says):
            json_list(body, 2)
