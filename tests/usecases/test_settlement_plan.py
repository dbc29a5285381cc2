"""A bank's answer settles each payment found by its key, whatever the statistics say of the order.

The planner's statistics know nothing of an order inserted after they were taken: compared with a constant,
it expected one row in the order and could start from the order's rows, then read the answer's every row
again for each of them. In a 1M payroll one bank answer (2,000 payments) took 28.5 s so (auto_explain), and
payment crawled for ~100 s. Here that set-up is made small and the planner is kept from the hash and merge
joins that hid the hazard on a lucky day (with them off, the statements as they were chose exactly that plan:
banking 8.9 s, treasury 7.3 s an answer at 1.3 M payments; a first mend, the order as a joined column,
still let treasury's planner scan all 60,000 rows here, as the outer side, for the same reason).
Each answer must find its row by key, and the update take it at that address. A township's decisions on a
new batch had the same hazard (the batch's items by the batch's index, each against every decision)."""

from __future__ import annotations

from typing import Any

from services.banking import store as banking_store
from services.review import store as review_store
from services.treasury import store as treasury_store
from shared.events.payloads import PaymentResult
from shared.packing import array_params, repeated
from shared.rawsql import fetch
from tests.usecases.conftest import ServiceUnderTest, service_fixture

banking_svc = service_fixture("banking")
treasury_svc = service_fixture("treasury")
review_svc = service_fixture("review")

ORDERS, PER = 30, 2000
NO_LUCK = ("SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off")
PAYMENTS = f"""
INSERT INTO payments (item_id, attempt, order_id, instruction_id, bank_code, name, card_number, amount_fen,
                      outcome)
SELECT 'PLAN' || o || '-' || lpad(n::text, 6, '0'), 1, 'PLAN' || o || '-ABC', 'PLAN' || o || '-ABC-1', 'ABC',
       '卓玛', '6231000000000012345', 12000, CASE WHEN o < {ORDERS} THEN 'credited' END
FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS o, generate_series(1, {PER}) AS n
"""
ORDER_ITEMS = f"""
INSERT INTO order_items (order_id, item_id, amount_fen, outcome)
SELECT 'PLAN' || o || '-ABC', 'PLAN' || o || '-' || lpad(n::text, 6, '0'), 12000,
       CASE WHEN o < {ORDERS} THEN 'credited' END
FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS o, generate_series(1, {PER}) AS n
"""
ITEMS = f"""
INSERT INTO items (item_id, batch_id, body, findings, status)
SELECT 'PLAN' || o || '-' || lpad(n::text, 6, '0'), 'PLAN' || o || '-ABC', '{{}}', '[]',
       CASE WHEN o < {ORDERS} THEN 'approved' ELSE 'flagged' END
FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS o, generate_series(1, {PER}) AS n
"""
NEW = f"PLAN{ORDERS}-ABC"
ANSWERED = [f"PLAN{ORDERS}-{n:06d}" for n in range(1, PER + 1)]


async def _stale(session: Any, fill: str, table: str) -> None:
    """Settled orders, analysed; then a new order whose every row is pending, unknown to the statistics."""
    await fetch(session, fill, {"first": 1, "last": ORDERS - 1})
    await fetch(session, f"ANALYZE {table}")
    await fetch(session, fill, {"first": ORDERS, "last": ORDERS})
    for setting in NO_LUCK:
        await fetch(session, setting)


async def _plan(session: Any, statement: str, bind: dict[str, Any]) -> str:
    return "\n".join(r[0] for r in await fetch(session, "EXPLAIN " + statement, bind | {"order": NEW}))


async def test_a_bank_answer_settles_by_key_in_an_order_the_statistics_do_not_know(
        banking_svc: ServiceUnderTest) -> None:
    async with banking_svc.db.transaction() as session:
        await _stale(session, PAYMENTS, "payments")
        sql, bind = array_params(
            {"ids": "text", "attempts": "int", "outcomes": "text", "reasons": "text", "amounts": "bigint"},
            {"ids": ANSWERED, "attempts": [1] * PER, "outcomes": ["credited"] * PER, "reasons": [None] * PER,
             "amounts": [12000] * PER})
        plan = await _plan(session, banking_store._APPLY.format(**sql), bind)
        assert "Join Filter" not in plan and "ix_payments_order_id" not in plan and "Seq Scan" not in plan, plan
        assert "Index Scan using pk_payments" in plan and "= v.item_id" in plan, plan  # one look-up per answer
        assert "TID Cond" in plan, plan  # and the update at its address
        settled = await banking_store.apply_feedback(session, NEW, [
            PaymentResult(item_id=i, outcome="credited", amount_fen=12000) for i in [*ANSWERED, "PLAN29-000001"]])
        assert len(settled) == PER  # another order's (settled) payment is not touched
        assert await fetch(session, "SELECT count(*) FROM credited_payments") == [(PER,)]
        assert await fetch(session, "SELECT count(*) FROM payments WHERE outcome IS NULL") == [(0,)]


async def test_an_order_settles_by_key_in_treasury_when_the_statistics_do_not_know_it(
        treasury_svc: ServiceUnderTest) -> None:
    async with treasury_svc.db.transaction() as session:
        await _stale(session, ORDER_ITEMS, "order_items")
        sql, bind = array_params({"ids": "text", "outcomes": "text", "reasons": "text"},
                                 {"ids": ANSWERED, "outcomes": ["credited"] * PER, "reasons": [None] * PER})
        plan = await _plan(session, treasury_store._APPLY.format(**sql), bind)
        assert "Join Filter" not in plan and "Seq Scan" not in plan, plan
        assert "= v.item_id" in plan and "TID Cond" in plan, plan  # each item by the whole key, then its address
        settled = await treasury_store.apply_results(session, NEW, [*ANSWERED[:-1], "PLAN29-000001"],
                                                     ["credited"] * PER, [None] * PER)
        assert len(settled) == PER - 1 and sum(r["amount_fen"] for r in settled) == (PER - 1) * 12000
        assert await fetch(session, "SELECT count(*) FROM order_items WHERE outcome IS NULL") == [(1,)]


async def test_a_townships_decisions_go_by_key_in_a_batch_the_statistics_do_not_know(
        review_svc: ServiceUnderTest) -> None:
    async with review_svc.db.transaction() as session:
        await _stale(session, ITEMS, "items")
        sql, bind = array_params({"ids": "text", "statuses": "text", "reasons": "text"},
                                 {"ids": ANSWERED, "statuses": ["rejected"] * PER, "reasons": ["户籍不符"] * PER})
        statement = review_store._DECIDE.format(**sql, batches=repeated("batch", "text", sql["ids"]))
        plan = "\n".join(r[0] for r in await fetch(session, "EXPLAIN " + statement,
                                                    bind | {"batch": NEW, "who": "township-1"}))
        assert "Join Filter" not in plan and "ix_items_batch_id" not in plan, plan
        assert "= v.item_id" in plan, plan  # each decision by its item's key
        await review_store.decide_items(session, NEW, "township-1", {"PLAN29-000001": (False, "not this batch"),
                                                                    **{i: (False, "户籍不符") for i in ANSWERED}})
        assert await fetch(session, "SELECT status, count(*) FROM items WHERE batch_id = :b GROUP BY 1",
                           {"b": NEW}) == [("rejected", PER)]
        assert await fetch(session, "SELECT status FROM items WHERE item_id = 'PLAN29-000001'") == [("approved",)]
