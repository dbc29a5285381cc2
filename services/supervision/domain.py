"""The campaign (专项整治): its timetable, the self-check form, the spot-check draw, problems and their states."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable
from enum import StrEnum

from shared.states import Flow

# the document's timetable (贵政财〔2022〕43号 三、整治时限), as month-day per campaign year
DEFAULT_STAGES = (
    ("department_self_check", "资金主管部门自查", "05-27"),
    ("county_spot_check", "县级抽查", "06-03"),
    ("county_deadline", "县级自查抽查截止", "06-05"),
    ("prefecture_check", "州级检查", "06-30"),
    ("province_check", "省级抽查", "07-31"),
    ("rectification", "整改规范", "09-30"),
)

# the self-check form: the campaign's goals as checks, each answered with evidence (自查表)
CHECK_ITEMS = {
    "catalog_published": "补贴项目清单已在政府网站公开并动态更新",
    "card_only": "以社保卡为唯一发放载体，无多头制卡、一人多卡",
    "bank_contract": "代发银行经政府采购确定，代发协议在有效期内",
    "process": "申报、审核、国库支付、银行代发流程规范，未拨入实有账户、未层层转拨",
    "publicity": "发放前公示、发放后公开，公开与发放一致",
    "payments_matched": "发放结果已与银行对账，退回资金已处理",
    "complaints": "投诉举报、公示异议已按期办结",
    "ledger": "按项目建立人、卡、钱台账",
}
UNIT_KINDS = ("department", "township", "bank")


class ProblemStatus(StrEnum):
    OPEN = "open"                # 待整改
    RECTIFYING = "rectifying"    # 整改中
    RECTIFIED = "rectified"      # 已整改 (reported by the owner)
    VERIFIED = "verified"        # 已验收 (finance or audit checked it)
    TRANSFERRED = "transferred"  # 已移交 (a lead sent to discipline inspection 纪检监察)


PROBLEM_FLOW = Flow("problem", {
    ProblemStatus.OPEN: frozenset({ProblemStatus.RECTIFYING, ProblemStatus.RECTIFIED, ProblemStatus.TRANSFERRED}),
    ProblemStatus.RECTIFYING: frozenset({ProblemStatus.RECTIFIED, ProblemStatus.TRANSFERRED}),
    ProblemStatus.RECTIFIED: frozenset({ProblemStatus.VERIFIED, ProblemStatus.RECTIFYING}),  # refused: back to work
})
PROBLEM_LABELS = {ProblemStatus.OPEN: "待整改", ProblemStatus.RECTIFYING: "整改中", ProblemStatus.RECTIFIED: "已整改",
                  ProblemStatus.VERIFIED: "已验收", ProblemStatus.TRANSFERRED: "已移交纪检监察"}
SOURCE_LABELS = {"self_check": "自查发现", "spot_check": "抽查发现", "complaint": "举报查实", "alert": "系统预警",
                 "cross_check": "数据比对"}
OPEN_STATUSES = (ProblemStatus.OPEN, ProblemStatus.RECTIFYING)


def stage_dates(year: int, overrides: dict[str, dt.date] | None = None) -> list[dict[str, str]]:
    """The timetable of a campaign year, with any stage's date changed."""
    overrides = overrides or {}
    return [{"code": code, "name": name, "due": (overrides.get(code) or dt.date.fromisoformat(f"{year}-{md}"))
             .isoformat()} for code, name, md in DEFAULT_STAGES]


def spot_weight(reported: int | None, known: int) -> float:
    """How hard to look at a unit: a unit that reported nothing (or no self-check at all) weighs most, one
    that reported fewer problems than the system knows of weighs more, and known risk signals add."""
    weight = 1.0
    if not reported:
        weight += 3.0          # 零报送 or no self-check
    if known > (reported or 0):
        weight += 2.0          # reports fewer than the system knows
    return weight + min(known, 20) / 10


def draw(units: dict[str, float], ratio: float, seed: int, required: Iterable[str] = ()) -> list[str]:
    """A reproducible sample of at least ``ratio`` of the units: the ``required`` ones (重点关注: reported
    nothing while the system knows problems) always, the rest by weight without replacement
    (Efraimidis–Spirakis: heavier likelier). The same units, weights, seed and required give the same sample."""
    if not units:
        return []
    must = sorted(set(required) & set(units))
    rng = random.Random(seed)
    keys = {code: rng.random() ** (1.0 / weight) for code, weight in sorted(units.items())}
    rest = [c for c in sorted(keys, key=lambda c: keys[c], reverse=True) if c not in must]
    size = max(1, math.ceil(ratio * len(units)))
    return sorted(must + rest[:max(0, size - len(must))])


def sample_items(item_ids: list[str], ratio: float, seed: int) -> list[str]:
    """The items of a sampled program to look at: ``ratio`` of them, reproducibly."""
    if not item_ids:
        return []
    rng = random.Random(seed)
    ordered = sorted(item_ids)
    return sorted(rng.sample(ordered, max(1, math.ceil(ratio * len(ordered)))))
