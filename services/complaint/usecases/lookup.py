"""The public lookup: receipt number + code -> the case's stage, each step's when, and the outcome.
A wrong code and an unknown receipt get the same answer; nothing personal is shown."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from services.complaint import store
from services.complaint.domain import CATEGORY_LABELS, CHANNEL_LABELS, OUTCOME_LABELS, STAGE_LABELS, Stage
from services.complaint.settings import Settings
from shared.errors import NotFound
from shared.messaging.context import HandlerContext
from shared.receipts import code_matches

Ctx = HandlerContext[Settings]
LOCAL = ZoneInfo("Asia/Shanghai")
ROLE_LABELS = {"public": "本人提交", "hotline": "热线受理", "finance": "县财政局", "department": "主管部门",
               "township": "乡镇人民政府", "auditor": "县审计局"}
NOT_FOUND = "受理编号或查询码不正确，请核对后再试"


async def lookup(ctx: Ctx, complaint_id: str, code: str) -> dict[str, Any]:
    c = await store.case(ctx.session, complaint_id.strip().upper())
    if c is None or not code_matches(c["complaint_id"], code.strip(), c["code_hash"]):
        raise NotFound(NOT_FOUND)
    progs, towns = await store.names(ctx.session)
    steps = [{"环节": STAGE_LABELS[Stage(s["stage"])], "办理单位": ROLE_LABELS.get(s["role"], s["role"]),
              "时间": s["at"].astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")}
             for s in await store.steps(ctx.session, c["complaint_id"])]
    return {"受理编号": c["complaint_id"], "渠道": CHANNEL_LABELS.get(c["channel"], c["channel"]),
            "类型": CATEGORY_LABELS.get(c["category"], c["category"]),
            "补贴项目": progs.get(c["program_code"] or "", c["program_code"] or ""),
            "乡镇": towns.get(c["township_code"] or "", c["township_code"] or ""),
            "当前环节": STAGE_LABELS[Stage(c["status"])], "stage": c["status"],
            "办理结果": OUTCOME_LABELS.get(c["outcome"] or "", "办理中"), "outcome": c["outcome"],
            "调查结论": c["finding"] or "",
            "办结期限": c["resolve_due_at"].astimezone(LOCAL).strftime("%Y-%m-%d") if c["resolve_due_at"] else "",
            "办理过程": steps}


async def form_choices(ctx: Ctx) -> dict[str, list[dict[str, str]]]:
    progs, towns = await store.names(ctx.session)
    return {"programs": [{"code": k, "name": v} for k, v in sorted(progs.items())],
            "townships": [{"code": k, "name": v} for k, v in sorted(towns.items())]}
