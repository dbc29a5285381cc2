"""Contracts, held payments and per-order reconciliation."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from services.banking.usecases import contracts
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import BankCode, Name
from shared.web import RuntimeDep

router = APIRouter(tags=["banking"])


class ContractIn(BaseModel):
    bank_code: BankCode
    bank_name: Name
    valid_from: dt.date
    valid_to: dt.date


@router.put("/contracts")
async def put_contract(body: ContractIn, rt: RuntimeDep,
                       who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """Record an agency-bank contract (代发协议) and its service period."""
    return await rt.run(contracts.put_contract, who, body.model_dump())


@router.get("/held")
async def held_payments(rt: RuntimeDep,
                        who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR))) -> list[dict[str, Any]]:
    """Payments held because their bank has no valid contract (暂缓发送), per bank and order."""
    return await rt.run(contracts.held_payments, who)


@router.get("/orders/{order_id}/reconciliation")
async def reconciliation(order_id: str, rt: RuntimeDep, format: Literal["json", "csv"] = "json",
                         who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR, Role.BANK, scoped=(Role.BANK,)))
                         ) -> Any:
    """对账: ordered = credited + failed + pending, in count and fen; per reason (JSON, or CSV)."""
    report = await rt.run(contracts.reconciliation, who, order_id)
    if format != "csv":
        return report
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["结果", "原因代码", "笔数", "金额(分)"])
    for x in report["lines"]:
        w.writerow([x["outcome"], x["reason_code"] or "", x["count"], x["fen"]])
    return PlainTextResponse(out.getvalue(), media_type="text/csv")
