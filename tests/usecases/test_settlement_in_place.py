"""Settlements that update in place: an item is credited at most once (a key of its own, not a partial index),
an instruction counts its payments still at the bank (asked again only when its bank is quiet), and a re-issued
roster line moves from unpaid to paid."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from services.banking import store as banking_store
from services.banking.usecases import cards, contracts, payments
from services.treasury import usecases as treasury
from shared.auth import Role
from shared.events import topics
from shared.events.payloads import BankFeedbackReported, ItemsCleared, PaymentOrdered, PaymentResult, PaymentSettled
from shared.messaging.chunks import item_chunks
from tests.factories import abc_contract, item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

treasury_svc = service_fixture("treasury")
banking_svc = service_fixture("banking")
FINANCE = who(Role.FINANCE, "fin-1")
HEAD = {"department_code": "MZ", "period": "2026-11", "township_code": "632523200"}


def _feedback(instruction_id: str, order_id: str, *results: PaymentResult) -> BankFeedbackReported:
    ok = [r.amount_fen for r in results if r.outcome == "credited"]
    bad = [r.amount_fen for r in results if r.outcome != "credited"]
    return BankFeedbackReported(instruction_id=instruction_id, order_id=order_id, bank_code="ABC", results=results,
                                credited_count=len(ok), credited_fen=sum(ok), failed_count=len(bad),
                                failed_fen=sum(bad))


async def test_banking_counts_what_is_at_the_bank_asks_again_only_when_its_bank_is_quiet_and_credits_once(
        banking_svc: ServiceUnderTest) -> None:
    await banking_svc.run(contracts.put_contract, FINANCE, abc_contract())
    a, b, c = item(), item(), item()
    await banking_svc.run(cards.register, FINANCE, [
        {"card_number": i.card_number, "id_number": i.id_number, "name": i.name, "bank_code": "ABC",
         "status": "active"} for i in (a, b, c)])
    batch = uid()
    order_id = f"{batch}-ABC"
    await banking_svc.published()
    await banking_svc.deliver(payments.on_payment_ordered, PaymentOrdered.model_validate(HEAD | {
        "batch_id": batch, "program_code": "P1", "chunk_index": 0, "chunk_count": 1, "order_id": order_id,
        "bank_code": "ABC", "order_item_count": 3, "order_amount_fen": 30000, "items": (a, b, c),
        "item_count": 3, "amount_fen": 30000}))
    [ins] = [p for p in await banking_svc.published() if p.topic == topics.INSTRUCTION_ISSUED]
    instruction_id = ins.payload["instruction_id"]
    pending = "SELECT pending FROM instructions WHERE instruction_id = :i"
    assert await banking_svc.scalar(pending, i=instruction_id) == 3

    # the bank answers two of three: both settled, one still at the bank
    await banking_svc.deliver(payments.on_bank_feedback, _feedback(
        instruction_id, order_id, PaymentResult(item_id=a.item_id, outcome="credited", amount_fen=10000),
        PaymentResult(item_id=b.item_id, outcome="failed", reason_code="FROZEN", amount_fen=10000)))
    [settled] = await banking_svc.published()
    assert {r["item_id"]: r["outcome"] for r in settled.payload["results"]} == {a.item_id: "credited",
                                                                                  b.item_id: "failed"}
    assert await banking_svc.scalar(pending, i=instruction_id) == 1

    # the resend job: not while the instruction is fresh, nor while its bank is still answering others

    async def due() -> list[str]:
        async with banking_svc.db.transaction() as s:
            return [r.instruction_id for r in await banking_store.unanswered_instructions(s, 1)]

    async def age(column: str, seconds: float) -> None:
        await banking_svc.scalar(f"UPDATE instructions SET {column} = now() - make_interval(secs => :s) "
                                 f"WHERE instruction_id = :i RETURNING instruction_id", s=seconds, i=instruction_id)

    assert instruction_id not in await due()
    await age("last_sent_at", 5)
    assert instruction_id not in await due(), "its bank answered a second ago: still working through its queue"
    await age("answered_at", 5)
    assert await due() == [instruction_id]
    async with banking_svc.runtime.unit_of_work() as ctx:
        await payments._resend(ctx, instruction_id, order_id, "ABC")
    [again] = await banking_svc.published()
    assert [x["item_id"] for x in again.payload["lines"]] == [c.item_id], "only what is still at the bank"
    await age("last_sent_at", 1.5)
    assert instruction_id not in await due(), "sent twice: asked again after twice as long"
    await age("last_sent_at", 2.5)
    assert await due() == [instruction_id]
    await age("answered_at", 0)
    await age("last_sent_at", 11)
    assert await due() == [instruction_id], "past ten times the wait, whatever its bank is doing"

    # the last answer, then the same answer again: settled once, nothing left to ask for
    last = _feedback(instruction_id, order_id, PaymentResult(item_id=c.item_id, outcome="credited", amount_fen=10000))
    await banking_svc.deliver(payments.on_bank_feedback, last)
    await banking_svc.deliver(payments.on_bank_feedback, last)
    [settled_c] = await banking_svc.published()
    assert [r["item_id"] for r in settled_c.payload["results"]] == [c.item_id]
    assert await banking_svc.scalar(pending, i=instruction_id) == 0
    await age("last_sent_at", 100)
    await age("answered_at", 100)
    assert await due() == [], "nothing left at the bank"

    # a second payment of a credited item (another attempt, pending at the bank) can never be credited too
    await banking_svc.scalar(
        "INSERT INTO payments (item_id, attempt, order_id, instruction_id, bank_code, name, card_number, amount_fen) "
        "VALUES (:i, 2, :o, :n, 'ABC', '张三', :c, 10000) RETURNING item_id",
        i=a.item_id, o=order_id, n=instruction_id, c=a.card_number)
    with pytest.raises(DBAPIError, match="credited_payments"):
        await banking_svc.deliver(payments.on_bank_feedback, _feedback(
            instruction_id, order_id, PaymentResult(item_id=a.item_id, attempt=2, outcome="credited",
                                                    amount_fen=10000)))
    assert await banking_svc.scalar("SELECT outcome FROM payments WHERE item_id = :i AND attempt = 2",
                                    i=a.item_id) is None
    assert await banking_svc.scalar("SELECT count(*) FROM credited_payments WHERE item_id = :i", i=a.item_id) == 1


async def test_treasury_keeps_an_items_credit_once_and_refuses_a_second(treasury_svc: ServiceUnderTest) -> None:
    program = uid("P")
    await treasury_svc.run(treasury.set_quota, FINANCE, treasury.QuotaIn(program_code=program, year=2026,
                                                                         level="county", total_fen=100000))
    x = item(10000)
    batch = uid()
    for chunk in item_chunks(ItemsCleared, [x], 2, batch_id=batch, program_code=program, **HEAD):
        await treasury_svc.deliver(treasury.on_items_cleared, chunk, batch)
    order_id = f"{batch}-ABC"

    def credit(order: str) -> PaymentSettled:
        return PaymentSettled(settlement_id=uid("S"), order_id=order, batch_id=batch, program_code=program,
                              bank_code="ABC", results=(PaymentResult(item_id=x.item_id, outcome="credited",
                                                                      amount_fen=10000),),
                              credited_count=1, credited_fen=10000, failed_count=0, failed_fen=0, **HEAD)

    await treasury_svc.deliver(treasury.on_payment_settled, credit(order_id))
    await treasury_svc.deliver(treasury.on_payment_settled, credit(order_id))  # redelivered: settled once
    [order] = await treasury_svc.run(treasury.list_orders, FINANCE, batch)
    assert (order["credited_count"], order["credited_fen"], order["status"]) == (1, 10000, "completed")
    async with treasury_svc.db.transaction() as s:
        from services.treasury import store
        assert await store.credited_order(s, x.item_id) == order_id
    # the same item pending in another order (as a mistaken re-issue would be): its credit is refused
    await treasury_svc.scalar("INSERT INTO order_items (order_id, item_id, attempt, amount_fen) "
                              "VALUES (:o, :i, 2, 10000) RETURNING item_id", o=f"{order_id}-X", i=x.item_id)
    with pytest.raises(DBAPIError, match="credited_items"):
        await treasury_svc.deliver(treasury.on_payment_settled, credit(f"{order_id}-X"))
    assert await treasury_svc.scalar("SELECT outcome FROM order_items WHERE order_id = :o",
                                     o=f"{order_id}-X") is None
