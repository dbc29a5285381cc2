"""Re-issue (重新发放) of an order's returned items, once, under the same business keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.treasury import tables
from services.treasury.handlers import send_order
from services.treasury.quota import reserve
from shared.audit import record
from shared.auth import Principal
from shared.events.payloads import Item
from shared.service import Runtime


class ReissueRefused(ValueError):
    pass


@dataclass
class Head:
    batch_id: str
    program_code: str
    department_code: str
    period: str
    township_code: str


async def reissue(rt: Runtime, session: AsyncSession, who: Principal, order_id: str) -> dict[str, Any]:
    """Order the returned items of ``order_id`` again (attempt 2); banking pays the person's current card."""
    o, oi = tables.orders, tables.order_items
    order = (await session.execute(select(o).where(o.c.order_id == order_id).with_for_update())).mappings().first()
    if order is None:
        raise ReissueRefused(f"order {order_id} does not exist")
    if order["attempt"] != 1:
        raise ReissueRefused(f"order {order_id} is itself a re-issue; items are re-issued once only")
    if order["status"] not in ("partly_returned", "returned"):
        raise ReissueRefused(f"order {order_id} is {order['status']}; only returned items can be re-issued")
    ids = list((await session.execute(select(oi.c.item_id).where(
        oi.c.order_id == order_id, oi.c.outcome == "returned", oi.c.reissued_at.is_(None)))).scalars())
    if not ids:
        raise ReissueRefused(f"order {order_id} has no returned item left to re-issue")
    rows = (await session.execute(select(tables.cleared_items).where(tables.cleared_items.c.item_id.in_(ids))
                                  .order_by(tables.cleared_items.c.item_id))).mappings().all()
    items = [Item(**{k: r[k] for k in Item.model_fields}) for r in rows]
    amount = sum(i.amount_fen for i in items)
    new_id = f"{order_id}-R"
    if not await reserve(session, new_id, order["program_code"], int(order["period"][:4]), amount):
        raise ReissueRefused(f"the quota (指标) of {order['program_code']} cannot cover the re-issue")
    intake = (await session.execute(select(tables.intake).where(tables.intake.c.batch_id == order["batch_id"]))
              ).mappings().one()
    head = Head(order["batch_id"], order["program_code"], intake["department_code"], order["period"],
                intake["township_code"])
    await session.execute(insert(o).values(
        order_id=new_id, batch_id=order["batch_id"], program_code=order["program_code"], period=order["period"],
        bank_code=order["bank_code"], attempt=2, item_count=len(items), amount_fen=amount, status="ordered"))
    await session.execute(update(oi).where(oi.c.order_id == order_id, oi.c.item_id.in_(ids))
                          .values(reissued_at=func.now()))
    await send_order(rt, session, new_id, head, order["bank_code"], items, 2, None)
    await record(session, tables.audit, who, "order.reissue", order_id, detail={"new_order": new_id,
                                                                                "items": len(items)})
    return {"order_id": new_id, "reissued_of": order_id, "item_count": len(items), "amount_fen": amount}
