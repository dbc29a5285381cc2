"""Automatic checks of a declared chunk: rules, duplicates, shared cards; then wait for people to decide."""

from __future__ import annotations

from services.review import store
from services.review.domain import Finding, check_item, item_status
from services.review.usecases import Ctx
from shared.events.envelope import Envelope
from shared.events.payloads import BatchSubmitted, CardsRegistered, ProgramPublished
from shared.messaging.chunks import arrive
from shared.messaging.consumer import RetryLater
from shared.periods import period_start


async def on_program_published(ctx: Ctx, env: Envelope[ProgramPublished]) -> None:
    """Keep each program version: a chunk is checked against the version in force for its period."""
    p = env.payload
    await store.keep_program_version(ctx.session, {
        "code": p.program_code, "version": p.version, "effective_from": p.effective_from,
        "standard_fen": p.standard_fen, "cap_quantity": p.cap_quantity, "min_age": p.min_age,
        "means_tested": p.means_tested})


async def on_cards_registered(ctx: Ctx, env: Envelope[CardsRegistered]) -> None:
    """Keep banking's card registry: card holders are checked against it."""
    await store.keep_cards(ctx.session, [c.model_dump(exclude={"bank_code"}) for c in env.payload.cards])


async def on_batch_submitted(ctx: Ctx, env: Envelope[BatchSubmitted]) -> None:
    """Run every rule on one chunk; keep the findings; when the batch is complete, hand it to the township."""
    c = env.payload
    start = period_start(c.period)
    program = await store.program_for(ctx.session, c.program_code, start)
    if program is None:
        raise RetryLater(f"no version of program {c.program_code} for {c.period} yet")
    latest = await store.latest_imports(ctx.session)
    refs = await store.references(ctx.session, [i.id_number for i in c.items], [i.card_number for i in c.items],
                                  latest)
    refs.suspended = await store.suspended(ctx.session, c.program_code, [i.id_number for i in c.items])
    findings = {i.item_id: check_item(i, program, refs, start) for i in c.items}
    await _cross_item_rules(ctx, c, findings)
    await store.add_items(ctx.session, [{
        "item_id": i.item_id, "batch_id": c.batch_id, "body": i.model_dump(mode="json"),
        "findings": [f.as_dict() for f in findings[i.item_id]], "status": item_status(findings[i.item_id]),
    } for i in c.items])
    complete = await arrive(ctx.session, store.B, c.head() | {"chunk_count": c.chunk_count,
                                                              "declared_by": c.declared_by})
    if complete:
        await store.mark_checked(ctx.session, c.batch_id, latest)


async def _cross_item_rules(ctx: Ctx, c: BatchSubmitted, findings: dict[str, list[Finding]]) -> None:
    """Same person twice in a program and period (across villages and batches); one card for several people."""
    open_items = [i for i in c.items if not any(f.hard for f in findings[i.item_id])]
    if not open_items:
        return
    claimed = await store.claim(ctx.session, c.program_code, c.period,
                                [(i.id_number, i.item_id) for i in open_items])
    losers = [i for i in open_items if i.item_id not in claimed]
    if losers:  # say where the first claim is, so people can decide which one is right
        first = await store.first_claims(ctx.session, c.program_code, c.period, [i.id_number for i in losers])
        places = await store.item_places(ctx.session, list(first.values()))
        places |= {i.item_id: (c.batch_id, i.village) for i in c.items if i.item_id in first.values()}
        for i in losers:
            other = first.get(i.id_number, "")
            batch, village = places.get(other, ("", ""))
            findings[i.item_id].append(Finding(
                "DUPLICATE_IN_PERIOD", f"{c.period}期已在{village or '其他村'}申报（批次 {batch}，条目 {other}）"))
    holders = await store.card_holders(ctx.session, c.period, [(i.card_number, i.id_number) for i in open_items])
    for i in open_items:
        if holders.get(i.card_number, i.id_number) != i.id_number:
            findings[i.item_id].append(Finding("CARD_SHARED", "该社保卡本期已为他人领取补贴"))
