"""The card registry (社保卡): one active subsidy card per person, changes only by approved request."""

from __future__ import annotations

import uuid
from typing import Any

from services.banking import store, tables
from services.banking.domain import CHANGE_FLOW, CardStatus, ChangeStatus
from services.banking.usecases import Ctx
from shared.access import Viewer
from shared.audit import record
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events.payloads import AlertRaised, CardEntry, CardsRegistered
from shared.ids import card_problem, id_problem
from shared.masking import mask_card, mask_id, mask_name

REGISTRY = "card-registry"  # the correlation id of registry changes
ENTRIES_PER_EVENT = 2000


async def register(ctx: Ctx, who: Principal, cards: list[dict[str, Any]]) -> dict[str, Any]:
    """Register cards in bulk; invalid rows are listed by index, a person's second card is kept inactive
    and reported (一人多卡), never made active."""
    ctx.correlate(REGISTRY)
    errors, good = [], []
    for n, c in enumerate(cards):
        if problem := card_problem(c["card_number"]) or id_problem(c["id_number"]):
            errors.append({"index": n, "card": mask_card(c["card_number"]), "message": problem})
        else:
            good.append(dict(c))
    active = await store.active_cards_of(ctx.session, list({c["id_number"] for c in good}))
    alerts = []
    for c in good:
        if c["status"] != CardStatus.ACTIVE:
            continue
        holder = active.get(c["id_number"])
        if holder is None:
            active[c["id_number"]] = c["card_number"]
        elif holder != c["card_number"]:
            c["status"] = CardStatus.INACTIVE.value
            alerts.append(AlertRaised(
                alert_id=f"multi-card:{c['card_number']}", kind="MULTIPLE_CARDS", subject=mask_id(c["id_number"]),
                detail=f"一人多卡: card {mask_card(c['card_number'])} registered as inactive; the person already "
                       f"has active card {mask_card(holder)}"))
    new = await store.add_cards(ctx.session, good)
    await ctx.emit(*alerts)
    # what the registry now holds for these cards, not what was sent: a known card keeps its holder and
    # state (the insert left it alone), and review must see the registry as it is
    held = await store.cards_by_number(ctx.session, [c["card_number"] for c in good])
    await _publish(ctx, list(held.values()))
    await record(ctx.session, tables.audit, who, "cards.register", f"{new} cards",
                 detail={"second_cards": len(alerts)})
    return {"registered": new, "already_known": len(good) - new, "second_cards_inactive": len(alerts),
            "errors": errors}


async def _publish(ctx: Ctx, cards: list[dict[str, Any]]) -> None:
    """Tell review (and anyone) what the registry now holds, in chunks."""
    entries = [CardEntry(**{k: c[k] for k in CardEntry.model_fields}) for c in cards]
    await ctx.emit(*[CardsRegistered(cards=tuple(entries[i:i + ENTRIES_PER_EVENT]))
                     for i in range(0, len(entries), ENTRIES_PER_EVENT)])


async def multiple_cards(ctx: Ctx, who: Principal) -> list[dict[str, Any]]:
    """People with more than one registered card (一人多卡 / 多头制卡), masked."""
    return [{"person": mask_id(r[0]), "cards": [
        {"card": mask_card(card), "bank_code": bank, "status": st} for card, bank, st in zip(r[1], r[2], r[3],
                                                                                           strict=True)]}
        for r in await store.people_with_several_cards(ctx.session)]


async def get_card(ctx: Ctx, who: Viewer, card_number: str) -> dict[str, Any]:
    """One card, masked; a bank sees only its own cards."""
    card = who.check(await store.card(ctx.session, card_number), "card")
    return {"card": mask_card(card["card_number"]), "holder": mask_name(card["name"]),
            "id": mask_id(card["id_number"]), "bank_code": card["bank_code"], "status": card["status"]}


async def request_change(ctx: Ctx, who: Principal, id_number: str, new_card: str, bank_code: str,
                         reason: str) -> dict[str, Any]:
    """The holder asks to change their subsidy card; nothing changes until another person approves."""
    if problem := card_problem(new_card) or id_problem(id_number):
        raise Invalid(problem)
    taken = await store.holder_of(ctx.session, new_card)
    if taken is not None and taken != id_number:
        raise Conflict("the new card is registered to another person; a card must be the holder's own")
    old = (await store.active_cards_of(ctx.session, [id_number])).get(id_number)
    request_id = "CC" + uuid.uuid4().hex[:14].upper()
    await store.add_change_request(ctx.session, {
        "request_id": request_id, "id_number": id_number, "old_card": old, "new_card": new_card,
        "bank_code": bank_code, "reason": reason, "requested_by": who.sub})
    await record(ctx.session, tables.audit, who, "card.change.request", request_id, reason)
    return {"request_id": request_id, "status": ChangeStatus.PENDING.value,
            "old_card": mask_card(old) if old else None, "new_card": mask_card(new_card)}


async def decide_change(ctx: Ctx, who: Principal, request_id: str, approve: bool,
                        reason: str | None) -> dict[str, Any]:
    """Approve (by someone other than the requester) or reject a card change; audited either way."""
    req = await store.change_request(ctx.session, request_id)
    if req is None:
        raise NotFound(f"no card change request {request_id}")
    status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    CHANGE_FLOW.check(req["status"], status, f"request {request_id}")
    if req["requested_by"] == who.sub:
        raise Forbidden("the person who recorded a card change may not approve it (maker-checker)")
    await store.decide_change_request(ctx.session, request_id, status, who.sub, reason)
    if approve:
        ctx.correlate(REGISTRY)
        await store.switch_active_card(ctx.session, req["id_number"], req["new_card"], req["bank_code"])
        await _publish(ctx, await store.cards_of(ctx.session, req["id_number"]))
    await record(ctx.session, tables.audit, who, f"card.change.{status.value}", request_id, reason)
    return {"request_id": request_id, "status": status.value}


async def summary(ctx: Ctx, who: Viewer) -> list[dict[str, Any]]:
    """Per bank: cards registered and by state, people with several cards, card changes (a bank: its own)."""
    rows = await store.cards_summary(ctx.session, who.narrowed().get("bank_code"))
    return [r | {"active_rate": round(r["active"] / r["registered"], 4) if r["registered"] else 0.0} for r in rows]
