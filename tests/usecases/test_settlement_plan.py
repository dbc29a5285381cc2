"""A bank's answer is settled by each payment's key, whatever the statistics say: with statistics taken when
every payment was settled, finding the answered payments through the order's index once cost 28.5 s for one
answer of 2,000 payments at a million people (each of the order's ~19,000 rows compared with every answer)."""

from __future__ import annotations

from services.banking import store
from shared.events.payloads import PaymentResult
from shared.packing import array_params
from shared.rawsql import fetch
from tests.usecases.conftest import ServiceUnderTest, service_fixture

banking_svc = service_fixture("banking")

PAYMENTS = """
INSERT INTO payments (item_id, attempt, order_id, bank_code, name, card_number, amount_fen, outcome)
SELECT 'PLAN' || o || '-' || lpad(n::text, 6, '0'), 1, 'PLAN' || o || '-ABC', 'ABC', '卓玛', '6231000000000012345',
       12000, 'credited'
FROM generate_series(1, 30) AS o, generate_series(1, 2000) AS n
"""


async def test_a_bank_answer_finds_its_payments_by_key_when_the_statistics_say_none_is_pending(
        banking_svc: ServiceUnderTest) -> None:
    async with banking_svc.db.transaction() as session:
        await fetch(session, PAYMENTS)
        await fetch(session, "ANALYZE payments")  # every payment settled when the statistics were taken
        await fetch(session, "UPDATE payments SET outcome = NULL WHERE order_id = 'PLAN30-ABC'")  # now at the bank
        answers = [f"PLAN30-{n:06d}" for n in range(1, 2001)]  # a bank answers a whole instruction
        sql, bind = array_params(
            {"ids": "text", "attempts": "int", "outcomes": "text", "reasons": "text", "amounts": "bigint"},
            {"ids": answers, "attempts": [1] * 2000, "outcomes": ["credited"] * 2000,
             "reasons": [None] * 2000, "amounts": [12000] * 2000})
        plan = "\n".join(r[0] for r in await fetch(session, "EXPLAIN " + store._APPLY.format(**sql),
                                                   bind | {"order": "PLAN30-ABC"}))
        assert "ix_payments_order_id" not in plan, plan  # never the order's rows, each compared with every answer
        assert "Index Scan using pk_payments" in plan and "TID Cond" in plan, plan  # by key, then by address
        settled = await store.apply_feedback(session, "PLAN30-ABC", [
            PaymentResult(item_id=i, outcome="credited", amount_fen=12000) for i in [*answers, "PLAN29-000001"]])
        assert len(settled) == 2000  # another order's payment (and a settled one) is not touched
        assert await fetch(session, "SELECT outcome FROM payments WHERE item_id = 'PLAN29-000001'") == [
            ("credited",)]

