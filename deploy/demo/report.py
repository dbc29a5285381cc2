"""Printing the payroll's ledger and checks for people (Chinese labels, yuan at the edge)."""

from __future__ import annotations

from typing import Any

from deploy.demo.payroll import Check
from shared.money import fen_to_yuan

STAGES = ("declared", "approved", "rejected", "withdrawn", "cleared", "ordered", "credited", "failed")


def ledger_table(ledger: dict[str, Any], names: dict[str, str]) -> str:
    labels = ledger["stages"]
    out = [f"{'program 补贴项目':<34}{'stage 环节':<22}{'people 人':>10}{'cards 卡':>10}{'items':>9}{'money 元':>18}"]
    totals: dict[str, list[int]] = {s: [0, 0, 0, 0] for s in STAGES}
    for row in ledger["rows"]:
        title = f"{row['group']} {names.get(row['group'], '')}"
        for n, stage in enumerate(STAGES):
            v = row[stage]
            out.append(f"{title if n == 0 else '':<30}{stage + ' ' + labels[stage]:<22}{v['people']:>10}"
                       f"{v['cards']:>10}{v['items']:>9}{fen_to_yuan(v['fen']):>18}")
            for i, k in enumerate(("people", "cards", "items", "fen")):
                totals[stage][i] += v[k]
        out.append("")
    for n, stage in enumerate(STAGES):
        t = totals[stage]
        out.append(f"{'ALL 合计' if n == 0 else '':<32}{stage + ' ' + labels[stage]:<22}{t[0]:>10}{t[1]:>10}"
                   f"{t[2]:>9}{fen_to_yuan(t[3]):>18}")
    return "\n".join(out)


def checks_table(checks: list[Check]) -> str:
    out = []
    for c in checks:
        mark = "OK " if c.ok else "MISMATCH"
        out.append(f"  [{mark}] {c.name}: {_fmt(c.expected)} vs {_fmt(c.actual)}")
    return "\n".join(out)


def _fmt(v: Any) -> str:
    if isinstance(v, tuple) and len(v) == 2:
        return f"{v[0]} items / {fen_to_yuan(v[1])} yuan"
    return str(v)
