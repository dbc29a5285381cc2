"""Automatic checks of a declared chunk: rules, duplicates, shared cards; then wait for people to decide."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.review import store
from services.review.domain import Finding, Program, check_item, item_status, weigh
from services.review.usecases import Ctx
from shared.events.envelope import Envelope
from shared.events.oversight import TownshipRegistered
from shared.events.payloads import BatchSubmitted, CardsRegistered, Item, ProgramPublished
from shared.messaging.chunks import arrive
from shared.messaging.consumer import RetryLater
from shared.periods import period_start


async def on_program_published(ctx: Ctx, env: Envelope[ProgramPublished]) -> None:
    """Keep each program version: a chunk is checked against the version in force for its period."""
    p = env.payload
    await store.keep_program_version(ctx.session, {
        "code": p.program_code, "version": p.version, "effective_from": p.effective_from,
        "standard_fen": p.standard_fen, "cap_quantity": p.cap_quantity, "min_age": p.min_age,
        "means_tested": p.means_tested, "rules": p.rules, "excludes": list(p.excludes), "area_basis": p.area_basis})


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
    latest = await store.latest_imports(ctx.session, c.township_code[:6])
    refs = await store.references(ctx.session, [i.id_number for i in c.items], [i.card_number for i in c.items],
                                  latest)
    refs.suspended = await store.suspended(ctx.session, c.program_code, [i.id_number for i in c.items])
    findings = {i.item_id: check_item(i, program, refs, start) for i in c.items}
    await _cross_item_rules(ctx, c, program, findings)
    await store.add_items(ctx.session, list(c.items), c.batch_id,
                          [[f.as_dict() for f in findings[i.item_id]] for i in c.items],
                          [item_status(findings[i.item_id]) for i in c.items])
    complete = await arrive(ctx.session, store.B, c.head() | {"chunk_count": c.chunk_count,
                                                              "declared_by": c.declared_by})
    if complete:
        await store.mark_checked(ctx.session, c.batch_id, latest)


async def _cross_item_rules(ctx: Ctx, c: BatchSubmitted, program: Program,
                            findings: dict[str, list[Finding]]) -> None:
    """Same person twice in a program and period (across villages and batches), the same person in a program
    this one excludes, one card for several people. A duplicate or an exclusion is a flag on both claims (a
    reviewer decides which stands), unless the program makes it a hard rule for the later one."""
    open_items = [i for i in c.items if not any(f.hard for f in findings[i.item_id])]
    if not open_items:
        return
    if program.excludes:  # another instance may be checking the same people in an excluded program right now
        await store.take_turns(ctx.session, c.period, [i.id_number for i in open_items])
    claimed = await store.claim(ctx.session, c.program_code, c.period,
                                [(i.id_number, i.item_id) for i in open_items])
    losers = [i for i in open_items if i.item_id not in claimed]
    if losers:
        first = await store.first_claims(ctx.session, [c.program_code], c.period, [i.id_number for i in losers])
        await _both(ctx, c, program, findings, "DUPLICATE_IN_PERIOD", [(i, first.get(i.id_number)) for i in losers],
                    lambda place: f"{c.period}期另有一条申报：{place}")
    if program.excludes:
        others = await store.first_claims(ctx.session, list(program.excludes), c.period,
                                          [i.id_number for i in open_items])
        pairs = [(i, others[i.id_number]) for i in open_items if i.id_number in others]
        await _both(ctx, c, program, findings, "EXCLUSIVE_PROGRAM", pairs,
                    lambda place: f"{c.period}期已申报互斥项目：{place}")
    holders = await store.card_holders(ctx.session, c.period, [(i.card_number, i.id_number) for i in open_items])
    for i in open_items:
        if holders.get(i.card_number, i.id_number) != i.id_number:
            findings[i.item_id] += weigh([Finding("CARD_SHARED", "该社保卡本期已为他人领取补贴")], program.rules)


async def _both(ctx: Ctx, c: BatchSubmitted, program: Program, findings: dict[str, list[Finding]], code: str,
                pairs: Sequence[tuple[Item, str | None]], say: Callable[[str], str]) -> None:
    """Flag each item and the other claim it meets: each names the other (township, village, batch, row)."""
    places = await store.item_places(ctx.session, [o for _, o in pairs if o])
    places |= {i.item_id: (c.batch_id, c.township_code, i.village, c.program_code) for i in c.items}
    names = await store.township_names(ctx.session)
    later: dict[str, list[dict[str, Any]]] = {}
    for item, other in pairs:
        if other is None or other == item.item_id:
            continue
        mine = weigh([Finding(code, say(_place(places, other, names)))], program.rules)
        findings[item.item_id] += mine
        if not mine or mine[0].hard:
            continue  # off, or the later claim is refused by rule: the first one stands untouched
        theirs = Finding(code, say(_place(places, item.item_id, names)), hard=False)
        if other in findings:  # both in this chunk
            findings[other].append(theirs)
        else:
            later.setdefault(other, []).append(theirs.as_dict())
    await store.flag_open_items(ctx.session, later)


def _place(places: dict[str, tuple[str, str, str, str]], item_id: str, names: dict[str, str]) -> str:
    batch, town, village, program = places.get(item_id, ("", "", "", ""))
    head, _, row = item_id.rpartition("-")
    where = f"第{int(row)}行" if head == batch and row.isdigit() else f"条目 {item_id}"
    return f"{names.get(town, town)}{village}，批次 {batch} {where}，项目 {program}"


async def on_township_registered(ctx: Ctx, env: Envelope[TownshipRegistered]) -> None:
    """Township names: a finding about another claim names its township."""
    await store.keep_township(ctx.session, env.payload.township_code, env.payload.name)
