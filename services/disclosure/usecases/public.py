"""What the public reads: the catalog, rosters by township and village (names, local dates, masked
people), a person's own payments, a village's, and open-data exports. Nothing here shows a full ID
number or card number, or says whether a person exists."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from services.disclosure import store
from services.disclosure.domain import (
    PUBLIC_WINDOWS,
    RETURN_REASONS,
    WINDOW_LABELS,
    LineStatus,
    WindowStatus,
    line_label,
)
from services.disclosure.settings import Settings
from services.disclosure.usecases.windows import cleared
from shared.errors import NotFound
from shared.events.envelope import Envelope
from shared.events.oversight import BankRegistered, TownshipRegistered
from shared.events.payloads import ProgramPublished
from shared.masking import mask_card, mask_id, mask_name
from shared.messaging.context import HandlerContext
from shared.money import fen_to_yuan

Ctx = HandlerContext[Settings]
LOCAL = ZoneInfo("Asia/Shanghai")
UNITS = {"person": "人", "mu": "亩", "head": "头(只)", "household": "户"}
# the open-data export's columns and what each means (数据字典)
DICTIONARY = [
    ("批次", "batch", "公示批次编号 (一个乡镇一个项目一期)"),
    ("补贴项目", "program", "补贴项目名称"),
    ("期间", "period", "发放期间 (年-月)"),
    ("乡镇", "township", "乡镇名称"),
    ("村", "village", "村(社区)名称"),
    ("姓名", "name", "姓名，仅保留首尾字"),
    ("公民身份号码", "id_number", "身份证号，仅保留前4位和后4位"),
    ("社保卡号", "card_number", "社会保障卡号，仅保留后4位"),
    ("数量", "quantity", "补贴数量 (人、亩、头等，见补贴项目单位)"),
    ("金额(元)", "amount_yuan", "补贴金额，单位元，两位小数"),
    ("状态", "status", "公示中 / 待发放 / 已发放 / 未发放(退回) / 暂缓发放(异议核查中) / 已撤销(异议属实)"),
    ("发放日期", "credited_on", "银行入卡或退回的日期 (北京时间)"),
]


def local(ts: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return ts.astimezone(LOCAL).strftime(fmt) if ts else ""


async def on_program_published(ctx: Ctx, env: Envelope[ProgramPublished]) -> None:
    p = env.payload
    _NAMES.pop(ctx.settings.database_url, None)  # this process reads the names again (others within seconds)
    await store.keep_program(ctx.session, {
        "program_code": p.program_code, "version": p.version, "name": p.name, "department_code": p.department_code,
        "department_name": p.department_name, "standard_fen": p.standard_fen, "unit": p.unit,
        "legal_basis": p.legal_basis, "target_group": p.target_group, "frequency": p.frequency,
        "how_to_apply": p.how_to_apply, "publicity_days": p.publicity_days, "effective_from": p.effective_from,
        "retired_from": p.retired_from})


async def on_township_registered(ctx: Ctx, env: Envelope[TownshipRegistered]) -> None:
    _NAMES.pop(ctx.settings.database_url, None)
    await store.keep_township(ctx.session, env.payload.township_code, env.payload.name, env.payload.villages)


async def on_bank_registered(ctx: Ctx, env: Envelope[BankRegistered]) -> None:
    _NAMES.pop(ctx.settings.database_url, None)
    await store.keep_bank(ctx.session, env.payload.bank_code, env.payload.name)


NAMES_SECONDS = 2.0
_NAMES: dict[str, dict[str, Any]] = {}  # per database: this process's copy of the name tables, and when read


class Names:
    """Program, township and bank names by code (a code is shown only when no name is known)."""

    def __init__(self, programs: list[dict[str, Any]], townships: dict[str, str],
                 banks: dict[str, str] | None = None) -> None:
        self.programs = {p["program_code"]: p for p in programs}
        self.townships = townships
        self.banks = banks or {}

    @classmethod
    async def load(cls, ctx: Ctx, banks: bool = False) -> Names:
        """The names as they stand, read at most every few seconds per process (every public request needs
        them; they change when the catalog or a register does)."""
        now = time.monotonic()
        got = _NAMES.get(ctx.settings.database_url)
        if got is None or got["at"] + NAMES_SECONDS < now or (banks and "banks" not in got):
            got = {"at": now, "programs": await store.programs(ctx.session),
                   "townships": await store.townships(ctx.session)}
            if banks:
                got["banks"] = await store.bank_names(ctx.session)
            _NAMES[ctx.settings.database_url] = got  # whole, after the reads: no request sees half of it
        return cls(got["programs"], got["townships"], got.get("banks") if banks else None)

    def program(self, code: str) -> str:
        return str(self.programs[code]["name"]) if code in self.programs else code

    def township(self, code: str) -> str:
        return self.townships.get(code, code)


def public_line(r: Any, window_status: str) -> dict[str, str]:
    """A roster line as the public sees it: masked name, ID and card."""
    return {"item_id": r["item_id"], "姓名": mask_name(r["name"]), "公民身份号码": mask_id(r["id_number"]),
            "社保卡号": mask_card(r["card_number"]), "村": r["village"], "数量": str(r["quantity"]),
            "金额(元)": fen_to_yuan(r["amount_fen"]), "状态": line_label(r["status"], window_status),
            "发放日期": local(r["settled_at"], "%Y-%m-%d")}


def public_window(w: Any, names: Names) -> dict[str, Any]:
    count, amount = cleared(w)
    return {"batch_id": w["batch_id"], "项目编码": w["program_code"], "补贴项目": names.program(w["program_code"]),
            "期间": w["period"], "乡镇编码": w["township_code"], "乡镇": names.township(w["township_code"]),
            "状态": WINDOW_LABELS[w["status"]], "公示人数": w["approved_count"],
            "公示金额(元)": fen_to_yuan(w["approved_fen"]), "暂缓人数": w["held_count"],
            "撤销人数": w["withdrawn_count"], "撤销金额(元)": fen_to_yuan(w["withdrawn_fen"]),
            "应发人数": count, "应发金额(元)": fen_to_yuan(amount), "已发放人数": w["paid_count"],
            "已发放金额(元)": fen_to_yuan(w["paid_fen"]), "公示开始": local(w["opens_at"]),
            "公示截止": local(w["closes_at"]), "open": w["status"] == "open",
            "closes_at": w["closes_at"].isoformat() if w["closes_at"] else None}


async def list_rosters(ctx: Ctx, program_code: str | None, period: str | None, township_code: str | None,
                       limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
    """Rosters under or after publicity, newest first, with totals and names."""
    names = await Names.load(ctx)
    rows = await store.windows(ctx.session, {"program_code": program_code, "period": period,
                                             "township_code": township_code}, public=True, limit=limit, offset=offset)
    return [public_window(w, names) for w in rows]


async def count_rosters(ctx: Ctx, program_code: str | None, period: str | None, township_code: str | None) -> int:
    return await store.count_windows(ctx.session, {"program_code": program_code, "period": period,
                                                   "township_code": township_code})


async def _public_window(ctx: Ctx, batch_id: str) -> dict[str, Any]:
    w = await store.window(ctx.session, batch_id)
    if w is None or w["status"] not in PUBLIC_WINDOWS:
        raise NotFound(f"no published roster {batch_id}")
    return w


async def roster(ctx: Ctx, batch_id: str, limit: int, offset: int,
                 village: str | None = None) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """One roster (head and masked lines), optionally one village's part of it."""
    w = await _public_window(ctx, batch_id)
    lines = await store.lines(ctx.session, batch_id, min(limit, 5000), offset, village=village)
    head = public_window(w, await Names.load(ctx))
    head["行数"] = await store.count_lines(ctx.session, batch_id, village)
    head["村列表"] = await store.villages(ctx.session, batch_id)
    return head, [public_line(r, w["status"]) for r in lines]


async def roster_version(ctx: Ctx, batch_id: str) -> str | None:
    """What a paid roster's page depends on (its window as it stands), or None while it can still change
    without its window changing (open or closed: holds, objections, results arriving)."""
    w = await _public_window(ctx, batch_id)
    if w["status"] != WindowStatus.PUBLISHED:
        return None
    return repr(sorted(w.items()))


async def entry(ctx: Ctx, batch_id: str, item_id: str) -> tuple[dict[str, Any], dict[str, str] | None]:
    """One roster's head and one of its lines (masked), e.g. for the objection form."""
    w = await _public_window(ctx, batch_id)
    r = await store.line(ctx.session, batch_id, item_id, lock=False)
    return public_window(w, await Names.load(ctx)), public_line(r, w["status"]) if r else None


async def catalog(ctx: Ctx) -> list[dict[str, Any]]:
    """The programs in force, with what the seed requires to be public."""
    today = dt.datetime.now(LOCAL).date()
    out = []
    for p in await store.programs(ctx.session):
        if p["retired_from"] is not None and p["retired_from"] <= today:
            continue
        out.append({"code": p["program_code"], "补贴项目": p["name"], "主管部门": p["department_name"] or
                    p["department_code"], "政策依据": p["legal_basis"] or "", "补贴对象": p["target_group"] or "",
                    "补贴标准": f"{fen_to_yuan(p['standard_fen'])} 元/{UNITS.get(p['unit'], p['unit'])}",
                    "发放频次": p["frequency"] or "", "申请方式": p["how_to_apply"] or "向户籍所在村(社区)提出申请",
                    "公示期": f"{p['publicity_days']} 天" if p["publicity_days"] else "按县默认公示期",
                    "执行日期": p["effective_from"].isoformat()})
    return out


def _own_line(r: Any, names: Names) -> dict[str, str]:
    if r["status"] == LineStatus.UNPAID:
        outcome = "退回: " + RETURN_REASONS.get(r["reason_code"] or "", "银行退回")
    else:
        outcome = line_label(r["status"], r["window_status"])
    return {"补贴项目": names.program(r["program_code"]), "期间": r["period"],
            "乡镇": names.township(r["township_code"]),
            "村": r["village"], "金额(元)": fen_to_yuan(r["amount_fen"]), "状态": outcome,
            "代发银行": names.banks.get(r["bank_code"], r["bank_code"]),
            "社保卡号": mask_card(r["card_number"]), "日期": local(r["settled_at"], "%Y-%m-%d")}


async def person_query(ctx: Ctx, id_number: str, name: str) -> list[dict[str, str]]:
    """A person's own payments (ID number and name must both match; no answer says whether either exists)."""
    rows = await store.person_lines(ctx.session, id_number.upper(), name.strip())
    names = await Names.load(ctx, banks=True)
    return [_own_line(r, names) for r in rows]


async def village_query(ctx: Ctx, township_code: str, village: str, period: str | None, limit: int,
                        offset: int) -> dict[str, Any]:
    """A village's lines on every public roster (masked), with totals."""
    names = await Names.load(ctx)
    rows = await store.village_lines(ctx.session, township_code, village, period, limit, offset)
    totals = await store.village_totals(ctx.session, township_code, village, period)
    return {"乡镇": names.township(township_code), "村": village, "期间": period or "全部",
            "行数": totals.lines, "已发放人次": totals.paid, "已发放金额(元)": fen_to_yuan(totals.paid_fen),
            "items": [public_line(r, r["window_status"]) | {"补贴项目": names.program(r["program_code"]),
                                                           "期间": r["period"]} for r in rows]}


async def choices(ctx: Ctx) -> dict[str, Any]:
    """Townships (by name) with their villages, and programs: what the query forms offer."""
    names = await Names.load(ctx)
    return {"townships": [{"code": c, "name": names.township(c), "villages": v}
                          for c, v in sorted((await store.township_villages(ctx.session)).items())],
            "programs": [{"code": c, "name": p["name"]} for c, p in sorted(names.programs.items())]}


async def export_rows(ctx: Ctx, batch_id: str) -> tuple[str, list[list[str]]]:
    """A published roster as open data: the header of the data dictionary and one masked row per line."""
    w = await _public_window(ctx, batch_id)
    names = await Names.load(ctx)
    head = [w["batch_id"], names.program(w["program_code"]), w["period"], names.township(w["township_code"])]
    rows = []
    for r in await store.lines(ctx.session, batch_id):
        line = public_line(r, w["status"])
        rows.append([*head, line["村"], line["姓名"], line["公民身份号码"], line["社保卡号"], line["数量"],
                     line["金额(元)"], line["状态"], line["发放日期"]])
    return f"{names.program(w['program_code'])}-{names.township(w['township_code'])}-{w['period']}", rows
