"""The campaign's report upward (汇总报告, XLSX) generated from the data: timetable, self-checks, the spot
check, the problem and rectification lists, and the ledger of people, cards and money by program."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from services.supervision import casework, store
from services.supervision.domain import CHECK_ITEMS, PROBLEM_LABELS, SOURCE_LABELS, ProblemStatus
from services.supervision.settings import Settings
from services.supervision.usecases.campaign import progress, spot_check
from services.supervision.usecases.ledger import LABELS
from services.supervision.usecases.problems import list_problems
from shared.access import Viewer
from shared.errors import NotFound
from shared.messaging.context import HandlerContext
from shared.money import fen_to_yuan

Ctx = HandlerContext[Settings]
UNIT_LABELS = {"department": "资金主管部门", "township": "乡镇", "bank": "代发银行"}


async def campaign_report(ctx: Ctx, who: Viewer, campaign_id: str) -> tuple[str, bytes]:
    """(file title, XLSX bytes)."""
    c = await progress(ctx, who, campaign_id)
    try:
        spot: dict[str, Any] | None = await spot_check(ctx, who, campaign_id)
    except NotFound:
        spot = None
    problems = await list_problems(ctx, who, campaign_id, None)
    ledger = await store.ledger(ctx.session, "program", None, None, None)
    book = Workbook(write_only=True)
    _summary(book.create_sheet("汇总"), c, spot, problems, ledger)
    checks = book.create_sheet("自查情况")
    checks.append(["单位类型", "单位", "报送问题数", "系统已发现问题数", "标记"])
    for s in c["self_checks"]:
        checks.append([UNIT_LABELS[s["unit_kind"]], s["unit_code"], s["reported_problems"], s["known_findings"],
                       s["flag"]])
    sample = book.create_sheet("抽查")
    sample.append(["部门", "权重", "是否抽中", "重点关注"])
    if spot:
        for dept, weight in sorted(spot["weights"].items()):
            sample.append([dept, weight, "是" if dept in spot["sample"] else "否",
                           "是" if dept in spot["required"] else ""])
    plist = book.create_sheet("问题清单")
    plist.append(["问题编号", "来源", "部门", "乡镇", "补贴项目", "问题", "涉及人数", "涉及金额(元)", "严重程度",
                  "责任单位", "整改时限", "状态"])
    for p in problems:
        plist.append([p["problem_id"], SOURCE_LABELS.get(p["source"], p["source"]), p["department_code"],
                      p["township_code"], p["program_code"], p["title"] or p["detail"], p["people"],
                      fen_to_yuan(p["amount_fen"]), "严重" if p["severity"] == "serious" else "一般", p["owner"],
                      p["due_on"].isoformat() if p["due_on"] else "", p["status_label"]])
    fixes = book.create_sheet("整改清单")
    fixes.append(["问题编号", "责任单位", "整改措施", "状态", "集中审理意见", "线索移交"])
    for p in problems:
        fixes.append([p["problem_id"], p["owner"], p["measures"] or "", p["status_label"],
                      (p["hearing"] or {}).get("decision", ""), (p["lead"] or {}).get("sent_to", "")])
    _ledger_sheet(book.create_sheet("台账(人卡钱)"), ledger)
    out = io.BytesIO()
    book.save(out)
    return f"{c['name']}-汇总报告", out.getvalue()


def _summary(ws: Any, c: dict[str, Any], spot: dict[str, Any] | None, problems: list[dict[str, Any]],
             ledger: list[dict[str, Any]]) -> None:
    ws.append(["专项整治", c["name"]])
    ws.append(["检查年度", "、".join(c["scope_years"])])
    for s in c["stages"]:
        ws.append([s["name"], s["due"]])
    ws.append(["自查单位数", len(c["self_checks"])])
    ws.append(["零报送或少报单位", "、".join(c["understated"]) or "无"])
    if spot:
        ws.append(["抽查覆盖率", f"{spot['coverage']:.0%}"])
        ws.append(["抽查部门", "、".join(spot["sample"])])
        ws.append(["抽取种子(可复现)", str(spot["seed"])])
    for status in ProblemStatus:
        rows = [p for p in problems if p["status"] == status]
        ws.append([f"问题{PROBLEM_LABELS[status]}", len(rows), fen_to_yuan(sum(p["amount_fen"] for p in rows))])
    for stage in ("declared", "credited", "failed", "withdrawn"):
        ws.append([f"台账合计 {LABELS[stage]}(笔)", sum(r[stage]["items"] for r in ledger),
                   fen_to_yuan(sum(r[stage]["fen"] for r in ledger))])


def _ledger_sheet(ws: Any, ledger: list[dict[str, Any]]) -> None:
    stages = list(LABELS)
    ws.append(["补贴项目", *[f"{LABELS[s]}{k}" for s in stages for k in ("人数", "卡数", "笔数", "金额(分)")]])
    for r in ledger:
        ws.append([r["group"], *[r[s][k] for s in stages for k in ("people", "cards", "items", "fen")]])


KNOWN_LABELS = {"rejected_items": "审核退回笔数", "returned_items": "银行退回笔数",
                "withdrawn_items": "公示异议撤销笔数", "upheld_complaints": "举报查实件数", "alerts": "系统预警条数",
                "paid_ineligible": "已发放后比对发现问题", "returned_orders": "退回的支付指令"}


async def self_check_report(ctx: Ctx, who: Viewer, campaign_id: str, department: str) -> tuple[str, bytes]:
    """A department's self-check report (自查报告): the form as answered, what the system knew, its problems and
    their rectification, and its ledger by program."""
    who.check({"department_code": department}, f"the self-check of {department}")
    c = await progress(ctx, who, campaign_id)
    mine = next((s for s in await casework.self_checks(ctx.session, campaign_id)
                 if s["unit_kind"] == "department" and s["unit_code"] == department), None)
    if mine is None:
        raise NotFound(f"{department} has not submitted its self-check for {campaign_id}")
    book = Workbook(write_only=True)
    form = book.create_sheet("自查表")
    form.append(["专项整治", c["name"]])
    form.append(["单位", department, "报送人", mine["submitted_by"], "报送时间", mine["submitted_at"].isoformat()])
    form.append(["检查事项", "结论", "佐证"])
    for key, label in CHECK_ITEMS.items():
        a = mine["answers"].get(key, {})
        form.append([label, "符合" if a.get("ok") else "存在问题", a.get("evidence", "")])
    known = book.create_sheet("系统已掌握情况")
    known.append(["事项", "数量"])
    for key, n in mine["known"].items():
        known.append([KNOWN_LABELS.get(key, key), n])
    plist = book.create_sheet("问题及整改清单")
    plist.append(["问题编号", "来源", "问题", "涉及人数", "涉及金额(元)", "整改时限", "整改措施", "状态"])
    for p in await list_problems(ctx, who, campaign_id, None):
        if p["department_code"] == department:
            plist.append([p["problem_id"], SOURCE_LABELS.get(p["source"], p["source"]), p["title"] or p["detail"],
                          p["people"], fen_to_yuan(p["amount_fen"]), p["due_on"].isoformat() if p["due_on"] else "",
                          p["measures"] or "", p["status_label"]])
    _ledger_sheet(book.create_sheet("台账(人卡钱)"), await store.ledger(ctx.session, "program", department, None, None))
    out = io.BytesIO()
    book.save(out)
    return f"{department}-{campaign_id}-自查报告", out.getvalue()
