"""Domain rules of declaration, review, banking and the bank simulator (no I/O)."""

import datetime as dt
from decimal import Decimal

from services.bank_simulator.domain import answer, notice
from services.banking.domain import CARD_NOT_ACTIVE, CARD_NOT_REGISTERED, NO_VALID_CONTRACT, NOT_OWN_CARD, route
from services.declaration.domain import Context, GoodRow, RowError, check_row
from services.declaration.uploads import read_upload
from shared import registers
from shared.events.payloads import PayeeLine
from shared.files import UploadError
from shared.registers import Lookup
from tests.factories import item, person

BANKS = Lookup((b.code, b.name, b.aliases) for b in registers.BANKS)
BINS = {p: b.code for b in registers.BANKS for p in b.bins}
CTX = Context("GDDLBH-2026", "耕地地力保护补贴", 10550, "632523200", frozenset({"河东乡"}),
              frozenset({"王屯村", "周屯村"}), BANKS, BINS)


def _row(**over: str) -> dict[str, str]:
    id_number, card = person()
    return {"name": "李四", "id_number": id_number, "card_number": card, "bank_code": "ABC", "village": "王屯村",
            "quantity": "12.5"} | over


def test_good_row_gets_standard_times_quantity() -> None:
    got = check_row(3, _row(), CTX)
    assert isinstance(got, GoodRow)
    assert got.amount_fen == 131875 and got.row == 3


def test_bad_row_lists_every_problem_with_row_and_column() -> None:
    got = check_row(7, _row(id_number="110105194912310021", card_number="123", quantity="-1", village=""), CTX)
    assert isinstance(got, list)
    fields = {e.field for e in got}
    assert fields == {"id_number", "card_number", "quantity", "village"}
    assert all(isinstance(e, RowError) and e.row == 7 for e in got)
    assert got[0].as_dict()["column"] == "公民身份号码"


def test_csv_with_official_headers_in_gbk() -> None:
    r = _row()
    text = "姓名,公民身份号码,社保卡号,开户银行,村,数量\n" + ",".join(r[k] for k in (
        "name", "id_number", "card_number", "bank_code", "village", "quantity")) + "\n"
    rows = read_upload("rows.csv", text.encode("gbk"))
    assert rows == [r]


def test_scope_formulas_and_huge_cells_are_row_errors() -> None:
    other_village = check_row(1, _row(village="尕让村"), CTX)
    assert isinstance(other_village, list) and "not a village of this township" in other_village[0].message
    other_town = check_row(2, _row(township="河阴镇"), CTX)
    assert isinstance(other_town, list) and other_town[0].field == "township"
    assert isinstance(check_row(3, _row(township="河东乡", program="耕地地力保护补贴"), CTX), GoodRow)
    formula = check_row(4, _row(name='=HYPERLINK("http://x","点击")'), CTX)
    assert isinstance(formula, list) and "formula" in formula[0].message
    huge = check_row(5, _row(village="村" * 5000), CTX)
    assert isinstance(huge, list) and "characters" in huge[0].message
    declared = check_row(6, _row(amount="1,000.50"), CTX)
    assert isinstance(declared, GoodRow) and declared.amount_fen == 100050


def test_csv_missing_column_is_refused_with_the_column_named() -> None:
    try:
        read_upload("rows.csv", "姓名,村\n张三,王屯村\n".encode())
    except UploadError as exc:
        assert "公民身份号码" in str(exc)
    else:
        raise AssertionError("a file without the ID column was accepted")


def test_payee_must_be_own_active_card_at_a_contracted_bank() -> None:
    it = item()
    today = dt.date(2026, 11, 26)
    contracts = {"ABC": (dt.date(2026, 1, 1), dt.date(2028, 12, 31))}
    card = {"id_number": it.id_number, "status": "active", "bank_code": "ABC"}
    assert route(it, card, contracts, today).bank_code == "ABC"
    assert route(it, None, contracts, today).reason_code == CARD_NOT_REGISTERED
    assert route(it, card | {"id_number": person()[0]}, contracts, today).reason_code == NOT_OWN_CARD
    assert route(it, card | {"status": "frozen"}, contracts, today).reason_code == CARD_NOT_ACTIVE
    assert route(it, card, contracts, dt.date(2029, 1, 1)).reason_code == NO_VALID_CONTRACT
    assert route(it, card | {"bank_code": "QHRCB"}, contracts, today).reason_code == NO_VALID_CONTRACT


def test_bank_answers_by_account_state_and_is_repeatable() -> None:
    line = PayeeLine(item_id="I1", name="王五", card_number="6228480000000000018", amount_fen=12345)
    acct = {"bank_code": "ABC", "status": "active", "name": "王五"}
    assert answer(line, "ABC", acct, 0.0, "s") is None
    assert answer(line, "ABC", None, 0.0, "s") == "ACCOUNT_NOT_FOUND"
    assert answer(line, "ABC", acct | {"status": "inactive"}, 0.0, "s") == "NOT_ACTIVATED"
    assert answer(line, "ABC", acct | {"name": "王六"}, 0.0, "s") == "NAME_MISMATCH"
    assert answer(line, "ABC", acct, 1.0, "s") is not None
    failures = sum(answer(line.model_copy(update={"item_id": f"I{n}"}), "ABC", acct, 0.1, "s") is not None
                   for n in range(2000))
    assert 120 < failures < 280  # about 10%
    assert [answer(line, "ABC", acct, 0.5, "s") for _ in range(3)].count(answer(line, "ABC", acct, 0.5, "s")) == 3
    text = notice(line, "ABC")
    assert "0018" in text and "6228480000000000018" not in text and "123.45" in text


def test_quantity_with_three_decimals_is_refused() -> None:
    got = check_row(1, _row(quantity="1.005"), CTX)
    assert isinstance(got, list) and got[0].field == "quantity"
    assert Decimal("1.5")  # quantities are decimals, never floats


def test_quota_drawn_central_first_and_given_back_county_first() -> None:
    from services.treasury.domain import allocate, give_back

    assert allocate(700, {"central": 500, "county": 300}) == {"central": 500, "county": 200}
    assert allocate(900, {"central": 500, "county": 300}) is None
    assert give_back(250, {"central": 500, "county": 200}) == {"county": 200, "central": 50}


def test_xlsx_upload_values_formulas_and_broken_files() -> None:
    import io

    from openpyxl import Workbook

    from services.declaration.uploads import read_upload

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "公民身份号码", "社保卡号", "开户银行", "乡镇", "村", "补贴项目", "数量", "金额"])
    sheet.append(["李四", "632523194001010016", "6228480000000000018", "ABC", "河东乡", "王屯村", "", 12, "=1+1"])
    out = io.BytesIO()
    book.save(out)
    [row] = read_upload("a.xlsx", out.getvalue())
    assert str(row["quantity"]) == "12" and row["amount"] == "=1+1"  # the formula arrives as text, never evaluated
    got = check_row(1, row, CTX)
    assert isinstance(got, list) and got[0].field == "amount" and "formula" in got[0].message
    for broken, why in ((b"PK\x03\x04 not really a zip", "not a readable XLSX"), (b"", "empty"),
                        (b"\xff\xfe\x00garbage\x81", "neither UTF-8 nor GBK")):
        try:
            read_upload("x.xlsx" if broken.startswith(b"PK") else "x.csv", broken)
        except UploadError as exc:
            assert why in str(exc)
        else:
            raise AssertionError(f"{broken!r} was accepted")
    with_header_only = "姓名,公民身份号码,社保卡号,开户银行,村\n".encode()
    try:
        read_upload("x.csv", with_header_only)
    except UploadError as exc:
        assert "no data rows" in str(exc)
    else:
        raise AssertionError("a header-only file was accepted")


def test_a_row_with_an_amount_beyond_reason_or_a_formula_is_refused_with_its_column() -> None:
    from decimal import Decimal

    from services.declaration.uploads import errors_csv

    base = _row()
    ctx = CTX
    for amount in (1e30, "9E+999999", "100000000.01"):
        got = check_row(1, base | {"amount": amount}, ctx)
        assert isinstance(got, list) and "amount" in {e.field for e in got}, amount
    got = check_row(2, base | {"quantity": Decimal("1e9999")}, ctx)
    assert isinstance(got, list) and {e.field for e in got} == {"quantity"}
    for formula in ("=HYPERLINK(\"http://x\")", " +1+1", "@SUM(A1)", "-2+3", "\tcmd"):
        got = check_row(3, base | {"name": formula, "village": ""}, ctx)
        assert isinstance(got, list) and got[0].field == "name" and "formula" in got[0].message, formula
        assert {e.field for e in got} == {"name", "village"}  # the other cells are still checked
    text = errors_csv([{"row": 3, "field": "name", "column": "姓名", "message": "formula",
                        "values": {"name": "=HYPERLINK(1)"}}])
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text  # never echoed runnable
