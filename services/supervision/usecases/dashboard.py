"""What the dashboard shows, as chart rows (label, value, text): figures, the ledger by program, township and
bank, complaints, and a campaign's self-checks and problems."""

from __future__ import annotations

from typing import Any

from services.supervision import casework, store
from services.supervision.domain import PROBLEM_LABELS, ProblemStatus
from services.supervision.settings import Settings
from services.supervision.usecases.campaign import progress
from services.supervision.usecases.ledger import figures
from shared.access import Viewer
from shared.messaging.context import HandlerContext
from shared.money import fen_to_yuan

Ctx = HandlerContext[Settings]
CHANNELS = {"hotline": "热线", "public_form": "网上举报", "objection": "公示异议"}


def _money(label: str, fen: int, color: str | None = None) -> dict[str, Any]:
    return {"label": label, "value": fen, "text": fen_to_yuan(fen), "color": color}


async def dashboard(ctx: Ctx, who: Viewer, campaign_id: str | None) -> dict[str, Any]:
    f = await figures(ctx, who)
    by_program = await store.ledger(ctx.session, "program", None, None, None)
    by_township = await store.ledger(ctx.session, "township", None, None, None)
    names, towns = await store.program_names(ctx.session), await store.township_names(ctx.session)
    out: dict[str, Any] = {
        "figures": f, "recovered_yuan": fen_to_yuan(f["recovered_fen"]),
        "by_program": [_money(names.get(r["group"], r["group"]), r["credited"]["fen"]) for r in by_program],
        "by_township": [_money(towns.get(r["group"], r["group"]), r["credited"]["fen"]) for r in by_township],
        "by_bank": [_money(b["bank"], b["credited_fen"], "#2e7d32") for b in f["banks"]],
        "unspent": [_money(f"{names.get(q['program_code'], q['program_code'])} {q['year']}", q["unspent_fen"],
                           "#1565c0") for q in f["quotas"]],
        "complaints": [row for c in f["complaints"] for row in (
            {"label": f"{CHANNELS.get(c['channel'], c['channel'])} 受理", "value": c["received"],
             "text": str(c["received"])},
            {"label": f"{CHANNELS.get(c['channel'], c['channel'])} 查实", "value": c["upheld"],
             "text": str(c["upheld"]), "color": "#888"})],
        "open_problems": await casework.count_problems(ctx.session, ProblemStatus.OPEN),
        "campaign": None}
    campaigns = await casework.campaigns(ctx.session)
    chosen = campaign_id or (campaigns[0]["campaign_id"] if campaigns else None)
    if chosen:
        c = await progress(ctx, who, chosen)
        out["campaign"] = c
        out["self_checks"] = [row for s in c["self_checks"] if s["unit_kind"] == "department" for row in (
            {"label": f"{s['unit_code']} 报送", "value": s["reported_problems"], "text": str(s["reported_problems"])},
            {"label": f"{s['unit_code']} 已知", "value": s["known_findings"], "text": str(s["known_findings"]),
             "color": "#888"})]
        counts: dict[str, int] = {}
        for p in c["problems"]:
            counts[p["status"]] = counts.get(p["status"], 0) + p["n"]
        out["problems_by_status"] = [{"label": PROBLEM_LABELS[ProblemStatus(k)], "value": v, "text": str(v)}
                                     for k, v in sorted(counts.items())]
    return out

