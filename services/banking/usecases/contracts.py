"""Agency-bank contracts (代发协议), payments held for want of one, and per-order reconciliation (对账)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.banking import store, tables
from services.banking.usecases import Ctx
from services.banking.usecases.payments import release_held
from shared.access import Viewer
from shared.audit import record
from shared.auth import Principal
from shared.errors import Invalid


async def put_contract(ctx: Ctx, who: Principal, contract: dict[str, Any]) -> dict[str, Any]:
    """Record a contract and its service period; payments held for that bank go out if it is valid today."""
    if contract["valid_to"] < contract["valid_from"]:
        raise Invalid("valid_to is before valid_from")
    await store.put_contract(ctx.session, contract)
    await record(ctx.session, tables.audit, who, "contract.put", contract["bank_code"],
                 detail={k: str(v) for k, v in contract.items()})
    released = 0
    if contract["valid_from"] <= dt.date.today() <= contract["valid_to"]:
        released = await release_held(ctx, contract["bank_code"])
    return contract | {"released_held_payments": released}


async def held_payments(ctx: Ctx, who: Principal) -> list[dict[str, Any]]:
    """Payments held because their bank has no valid contract (暂缓发送), per bank and order."""
    return [{"bank_code": r[0], "order_id": r[1], "count": r[2], "fen": int(r[3]), "reason": "开户银行无有效代发协议"}
            for r in await store.held_by_order(ctx.session)]


async def reconciliation(ctx: Ctx, who: Viewer, order_id: str) -> dict[str, Any]:
    """对账: ordered = credited + failed + pending, in count and fen; per reason (a bank: its own orders)."""
    order = who.check(await store.order(ctx.session, order_id), f"order {order_id}")
    lines = [{"outcome": r[0] or "pending", "reason_code": r[1], "count": r[2], "fen": int(r[3])}
             for r in await store.outcomes_of(ctx.session, order_id)]
    counted = sum(x["count"] for x in lines), sum(x["fen"] for x in lines)
    settled_fen = sum(x["fen"] for x in lines if x["outcome"] != "pending")
    return {"order_id": order_id, "ordered_count": order["item_count"], "ordered_fen": order["amount_fen"],
            "credited_count": order["credited_count"], "credited_fen": order["credited_fen"],
            "failed_count": order["failed_count"], "failed_fen": order["failed_fen"],
            "received_count": counted[0], "received_fen": counted[1], "lines": lines,
            "balanced": counted == (order["item_count"], order["amount_fen"])
            and order["credited_fen"] + order["failed_fen"] == settled_fen}
