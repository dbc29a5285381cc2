"""The card registry (社保卡): one active subsidy card per person, changes only by approved request."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import HTTPException
from sqlalchemy import ARRAY, String, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.banking import tables
from shared.audit import record
from shared.auth import Principal
from shared.events import topics
from shared.events.payloads import AlertRaised, CardEntry, CardsRegistered
from shared.masking import mask_card, mask_id
from shared.service import Runtime

C = tables.cards


async def register(rt: Runtime, session: AsyncSession, who: Principal, cards: list[dict[str, Any]]) -> dict[str, int]:
    """Register cards; a person's second card is kept inactive and reported (一人多卡), never made active."""
    ids = list({c["id_number"] for c in cards})
    wanted = bindparam("ids", ids, type_=ARRAY(String))  # one array parameter, however many people
    active = {r.id_number: r.card_number for r in (await session.execute(
        select(C.c.id_number, C.c.card_number).where(C.c.id_number == any_(wanted), C.c.status == "active")))}
    alerts = []
    for c in cards:
        if c["status"] != "active":
            continue
        holder = active.get(c["id_number"])
        if holder is None:
            active[c["id_number"]] = c["card_number"]
        elif holder != c["card_number"]:
            c["status"] = "inactive"
            alerts.append(AlertRaised(
                alert_id=f"multi-card:{c['card_number']}", kind="MULTIPLE_CARDS", subject=mask_id(c["id_number"]),
                detail=f"一人多卡: card {mask_card(c['card_number'])} registered as inactive; the person already "
                       f"has active card {mask_card(holder)}"))
    new = 0
    for start in range(0, len(cards), 5000):
        res = await session.execute(pg_insert(C).on_conflict_do_nothing().returning(C.c.card_number),
                                    cards[start:start + 5000])
        new += len(res.all())
    if alerts:
        await rt.emit(session, topics.ALERT_RAISED, "cards", alerts, "card-registry")
    await publish_cards(rt, session, cards)
    await record(session, tables.audit, who, "cards.register", f"{new} cards",
                 detail={"second_cards": len(alerts)})
    return {"registered": new, "already_known": len(cards) - new, "second_cards_inactive": len(alerts)}


async def publish_cards(rt: Runtime, session: AsyncSession, cards: list[dict[str, Any]]) -> None:
    """Tell review (and anyone) what the registry now holds, in chunks."""
    entries = [CardEntry(**{k: c[k] for k in CardEntry.model_fields}) for c in cards]
    await rt.emit(session, topics.CARDS_REGISTERED, "cards", [
        CardsRegistered(cards=tuple(entries[i:i + 2000])) for i in range(0, len(entries), 2000)], "card-registry")


async def multiple_cards(session: AsyncSession) -> list[dict[str, Any]]:
    """People with more than one registered card (一人多卡 / 多头制卡), masked."""
    rows = (await session.execute(
        select(C.c.id_number, func.array_agg(C.c.card_number), func.array_agg(C.c.bank_code),
               func.array_agg(C.c.status)).group_by(C.c.id_number).having(func.count() > 1))).all()
    return [{"person": mask_id(r[0]), "cards": [
        {"card": mask_card(card), "bank_code": bank, "status": st} for card, bank, st in zip(r[1], r[2], r[3],
                                                                                           strict=True)]}
        for r in rows]


async def request_change(session: AsyncSession, who: Principal, id_number: str, new_card: str, bank_code: str,
                         reason: str) -> dict[str, Any]:
    """The holder asks to change their subsidy card; nothing changes until another person approves."""
    taken = (await session.execute(select(C.c.id_number).where(C.c.card_number == new_card))).scalar()
    if taken is not None and taken != id_number:
        raise HTTPException(409, "the new card is registered to another person; a card must be the holder's own")
    old = (await session.execute(select(C.c.card_number).where(C.c.id_number == id_number,
                                                               C.c.status == "active"))).scalar()
    request_id = "CC" + uuid.uuid4().hex[:14].upper()
    await session.execute(insert(tables.card_changes).values(
        request_id=request_id, id_number=id_number, old_card=old, new_card=new_card, bank_code=bank_code,
        reason=reason, requested_by=who.sub))
    await record(session, tables.audit, who, "card.change.request", request_id, reason)
    return {"request_id": request_id, "status": "pending", "old_card": mask_card(old) if old else None,
            "new_card": mask_card(new_card)}


async def decide_change(rt: Runtime, session: AsyncSession, who: Principal, request_id: str, approve: bool,
                        reason: str | None) -> dict[str, Any]:
    """Approve (by someone other than the requester) or reject a card change; audited either way."""
    cc = tables.card_changes
    req = (await session.execute(select(cc).where(cc.c.request_id == request_id).with_for_update())
           ).mappings().first()
    if req is None:
        raise HTTPException(404, f"no card change request {request_id}")
    if req["status"] != "pending":
        raise HTTPException(409, f"request {request_id} is already {req['status']}")
    if req["requested_by"] == who.sub:
        raise HTTPException(403, "the person who recorded a card change may not approve it (maker-checker)")
    status = "approved" if approve else "rejected"
    await session.execute(update(cc).where(cc.c.request_id == request_id).values(
        status=status, decided_by=who.sub, decided_at=func.now(), decision_reason=reason))
    if approve:
        await session.execute(update(C).where(C.c.id_number == req["id_number"], C.c.status == "active")
                              .values(status="replaced", changed_at=func.now()))
        name = (await session.execute(select(C.c.name).where(C.c.id_number == req["id_number"]).limit(1))).scalar()
        stmt = pg_insert(C).values(card_number=req["new_card"], id_number=req["id_number"], name=name or "",
                                   bank_code=req["bank_code"], status="active", changed_at=func.now())
        await session.execute(stmt.on_conflict_do_update(index_elements=["card_number"], set_={
            "status": "active", "changed_at": func.now(), "bank_code": req["bank_code"]}))
        changed = (await session.execute(select(C).where(C.c.id_number == req["id_number"]))).mappings().all()
        await publish_cards(rt, session, [dict(c) for c in changed])
    await record(session, tables.audit, who, f"card.change.{status}", request_id, reason)
    return {"request_id": request_id, "status": status}
