"""Treasury, banking and the bank simulator on their own databases: orders, routing, feedback, settlement."""

from __future__ import annotations

import pytest

from services.bank_simulator import usecases as bank
from services.banking.usecases import cards, contracts, payments
from services.treasury import usecases as treasury
from shared.auth import Role
from shared.errors import Conflict
from shared.events import topics
from shared.events.oversight import MoneyRecovered
from shared.events.payloads import (
    InstructionIssued,
    Item,
    ItemsCleared,
    OrderAccepted,
    PayeeLine,
    PaymentOrdered,
    PaymentResult,
    PaymentSettled,
)
from shared.messaging.chunks import item_chunks
from tests.factories import abc_contract, item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

treasury_svc = service_fixture("treasury", chunk_size=2)
banking_svc = service_fixture("banking")
bank_svc = service_fixture("bank_simulator")
FINANCE = who(Role.FINANCE, "fin-1")
HEAD = {"department_code": "MZ", "period": "2026-11", "township_code": "632523200"}


async def _clear(svc: ServiceUnderTest, program: str, items: list[Item]) -> str:
    batch = uid()
    for chunk in item_chunks(ItemsCleared, items, 2, batch_id=batch, program_code=program, **HEAD):
        await svc.deliver(treasury.on_items_cleared, chunk, batch)
    return batch


async def test_a_cleared_batch_is_ordered_per_bank_within_the_quota(treasury_svc: ServiceUnderTest) -> None:
    program = uid("P")
    await treasury_svc.run(treasury.set_quota, FINANCE, treasury.QuotaIn(program_code=program, year=2026,
                                                                         level="county", total_fen=40000))
    [told] = await treasury_svc.published()  # supervision is told the quota (unspent = quota - net paid)
    assert (told.topic, told.key, told.payload["total_fen"]) == (topics.QUOTA_SET, program, 40000)
    items = [item(10000), item(10000, bank_code="QHRCB"), item(10000)]
    batch = await _clear(treasury_svc, program, items)
    out = await treasury_svc.published()
    assert sorted((p.topic, p.key, p.payload["order_amount_fen"]) for p in out) == [
        (topics.PAYMENT_ORDERED, f"{batch}-ABC", 20000), (topics.PAYMENT_ORDERED, f"{batch}-QHRCB", 10000)]
    [quota] = await treasury_svc.run(treasury.list_quotas, FINANCE)
    assert (quota["reserved_fen"], quota["available_fen"]) == (30000, 10000)
    # a second batch the quota cannot cover is held, and nothing is published for it
    held = await _clear(treasury_svc, program, [item(20000)])
    assert await treasury_svc.published() == []
    [order] = await treasury_svc.run(treasury.list_orders, FINANCE, held)
    assert order["status"] == "held" and "cannot cover 200.00 yuan" in order["hold_reason"]


async def test_returns_give_quota_back_complete_the_order_and_are_reissued_once(
        treasury_svc: ServiceUnderTest) -> None:
    program = uid("P")
    await treasury_svc.run(treasury.set_quota, FINANCE, treasury.QuotaIn(program_code=program, year=2026,
                                                                         level="county", total_fen=100000))
    items = [item(10000), item(10000)]
    batch = await _clear(treasury_svc, program, items)
    await treasury_svc.published()
    order_id = f"{batch}-ABC"
    await treasury_svc.deliver(treasury.on_order_accepted, OrderAccepted(order_id=order_id))
    with pytest.raises(Conflict, match="only returned items can be re-issued"):
        await treasury_svc.run(treasury.reissue, FINANCE, order_id)
    await treasury_svc.deliver(treasury.on_payment_settled, PaymentSettled(
        settlement_id="S1", order_id=order_id, batch_id=batch, program_code=program, bank_code="ABC", results=(
            PaymentResult(item_id=items[0].item_id, outcome="credited", amount_fen=10000),
            PaymentResult(item_id=items[1].item_id, outcome="failed", reason_code="FROZEN", amount_fen=10000)),
        credited_count=1, credited_fen=10000, failed_count=1, failed_fen=10000, **HEAD))
    [done] = await treasury_svc.published()
    assert done.topic == topics.PAYMENT_COMPLETED and done.payload["status"] == "partly_returned"
    [quota] = [q for q in await treasury_svc.run(treasury.list_quotas, FINANCE) if q["program_code"] == program]
    assert quota["reserved_fen"] == 10000  # the returned 100 yuan went back
    status, again = await treasury_svc.run(treasury.reissue_once, FINANCE, order_id, "key-1")
    assert (status, again["item_count"], again["amount_fen"]) == (201, 1, 10000)
    assert (await treasury_svc.run(treasury.reissue_once, FINANCE, order_id, "key-1"))[1] == again
    [reordered] = await treasury_svc.published()
    assert (reordered.payload["attempt"], reordered.key) == (2, f"{order_id}-R")
    with pytest.raises(Conflict, match="no returned item left"):
        await treasury_svc.run(treasury.reissue, FINANCE, order_id)
    # 追缴: the credited 100 yuan is recovered in two payments; each gives its amount back to the quota, once
    for seq, amount in ((1, 4000), (2, 6000), (2, 6000)):
        await treasury_svc.deliver(treasury.on_money_recovered, MoneyRecovered(
            recovery_id="R1", seq=seq, item_id=items[0].item_id, batch_id=batch, program_code=program,
            period="2026-11", amount_fen=amount, means="cash"))
    [quota] = [q for q in await treasury_svc.run(treasury.list_quotas, FINANCE) if q["program_code"] == program]
    assert quota["reserved_fen"] == 10000  # the re-issued 100 yuan stays reserved; the recovered 100 came back
    [order] = [o for o in await treasury_svc.run(treasury.list_orders, FINANCE, batch) if o["order_id"] == order_id]
    assert order["recovered_fen"] == 10000


async def test_only_the_beneficiarys_own_active_card_at_a_contracted_bank_is_paid(
        banking_svc: ServiceUnderTest) -> None:
    await banking_svc.run(contracts.put_contract, FINANCE, abc_contract())
    own, stranger, unknown = item(), item(), item()
    second = item(id_number=own.id_number)
    got = await banking_svc.run(cards.register, FINANCE, [
        {"card_number": i.card_number, "id_number": i.id_number, "name": i.name, "bank_code": "ABC",
         "status": "active"} for i in (own, stranger, second)])
    assert (got["registered"], got["second_cards_inactive"]) == (3, 1)
    registered = await banking_svc.published()
    assert {p.topic for p in registered} == {topics.ALERT_RAISED, topics.CARDS_REGISTERED}
    # the same card sent again under another name changes nothing, and review is told what the registry holds
    again = await banking_svc.run(cards.register, FINANCE, [{"card_number": own.card_number, "id_number": own.id_number,
                                                             "name": "别人", "bank_code": "ABC", "status": "active"}])
    assert again["registered"] == 0
    [told] = await banking_svc.published()
    assert [c["name"] for c in told.payload["cards"]] == [own.name]
    not_own = item(card_number=stranger.card_number)  # someone else's card
    batch = uid()
    lines = [own, not_own, unknown]
    await banking_svc.deliver(payments.on_payment_ordered, PaymentOrdered.model_validate(HEAD | {
        "batch_id": batch, "program_code": "P1", "chunk_index": 0, "chunk_count": 1, "order_id": f"{batch}-ABC",
        "bank_code": "ABC", "order_item_count": 3, "order_amount_fen": 30000, "items": tuple(lines),
        "item_count": 3, "amount_fen": 30000}))
    out = {p.topic: p for p in await banking_svc.published()}
    assert set(out) == {topics.ORDER_ACCEPTED, topics.INSTRUCTION_ISSUED, topics.PAYMENT_SETTLED}
    assert [x["item_id"] for x in out[topics.INSTRUCTION_ISSUED].payload["lines"]] == [own.item_id]
    refused = {r["item_id"]: r["reason_code"] for r in out[topics.PAYMENT_SETTLED].payload["results"]}
    assert refused == {not_own.item_id: "NOT_OWN_CARD", unknown.item_id: "CARD_NOT_REGISTERED"}


async def test_the_bank_credits_a_line_once_and_repeats_its_first_answer(bank_svc: ServiceUnderTest) -> None:
    paid, frozen = item(), item()
    await bank_svc.run(bank.open_accounts, who(Role.BANK, bank="ABC"), [
        {"card_number": paid.card_number, "bank_code": "ABC", "name": paid.name, "status": "active"},
        {"card_number": frozen.card_number, "bank_code": "ABC", "name": frozen.name, "status": "frozen"}])
    lines = tuple(PayeeLine(item_id=i.item_id, name=i.name, card_number=i.card_number, amount_fen=i.amount_fen)
                  for i in (paid, frozen))
    instruction = InstructionIssued(instruction_id="I1", order_id="O1", bank_code="ABC", chunk_index=0, chunk_count=1,
                                    lines=lines, item_count=2, amount_fen=20000)
    await bank_svc.deliver(bank.on_instruction, instruction)
    await bank_svc.deliver(bank.on_instruction, instruction)  # asked again with the same key
    first, second = await bank_svc.published()
    assert first.payload["results"] == second.payload["results"]
    assert {r["item_id"]: r["reason_code"] for r in first.payload["results"]} == {paid.item_id: None,
                                                                                   frozen.item_id: "FROZEN"}
    # a re-issue (attempt 2) of both: the credited item is refused as paid, the frozen one answered afresh
    again = tuple(x.model_copy(update={"attempt": 2}) for x in lines)
    await bank_svc.deliver(bank.on_instruction, instruction.model_copy(update={"instruction_id": "I2", "lines": again}))
    [reissued] = await bank_svc.published()
    assert {(r["item_id"], r["attempt"]): r["reason_code"] for r in reissued.payload["results"]} == {
        (paid.item_id, 2): "DUPLICATE_PAYMENT", (frozen.item_id, 2): "FROZEN"}
    totals = await bank_svc.run(bank.integrity, FINANCE)
    assert (totals["credited_items"], totals["duplicated_items"], totals["balances_match"]) == (1, 0, True)


async def test_a_failure_rate_set_on_one_instance_holds_for_every_instance(bank_svc: ServiceUnderTest) -> None:
    """Two simulator processes on one database (a scaled-out bank): the rate set through one is the other's."""
    other = ServiceUnderTest("bank_simulator", str(bank_svc.db.engine.url.render_as_string(hide_password=False)))
    people = [item() for _ in range(20)]
    await bank_svc.run(bank.open_accounts, who(Role.BANK, bank="ABC"), [
        {"card_number": p.card_number, "bank_code": "ABC", "name": p.name, "status": "active"} for p in people])

    async def answers(svc: ServiceUnderTest, tag: str) -> set[str | None]:
        lines = tuple(PayeeLine(item_id=f"{p.item_id}{tag}", name=p.name, card_number=p.card_number,
                                amount_fen=p.amount_fen) for p in people)
        await svc.deliver(bank.on_instruction, InstructionIssued(
            instruction_id=f"I-{tag}", order_id="O1", bank_code="ABC", chunk_index=0, chunk_count=1, lines=lines,
            item_count=len(lines), amount_fen=sum(x.amount_fen for x in lines)))
        [fed] = [p for p in await svc.published() if p.payload.get("instruction_id") == f"I-{tag}"]
        return {r["reason_code"] for r in fed.payload["results"]}

    try:
        assert await answers(other, "a") == {None}  # the instance's own setting: no random failures
        await bank_svc.run(bank.set_failure_rate, who(Role.BANK, bank="ABC"), 1.0)
        assert None not in await answers(other, "b")  # every credit fails at the other instance too
        await other.run(bank.set_failure_rate, who(Role.BANK, bank="ABC"), 0.0)
        assert await answers(bank_svc, "c") == {None}
    finally:
        await other.db.dispose()


async def test_a_registry_read_of_more_numbers_than_a_statement_may_carry(banking_svc: ServiceUnderTest) -> None:
    """asyncpg refuses more than 32,767 parameters: a county's whole card list is one array parameter."""
    from services.banking import store

    numbers = [f"{n:019d}" for n in range(40_000)]
    async with banking_svc.db.transaction() as s:
        assert await store.cards_by_number(s, numbers) == {}
        assert await store.active_cards_of(s, numbers) == {}
