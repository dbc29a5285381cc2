"""The cross-check rules (比对规则) by code: their default weight and what they mean, in Chinese.

Review runs them; the catalog lets each program set a rule to ``hard`` (the item is rejected), ``flag``
(a reviewer decides) or ``off``. Rules that check a person's identity, card or life stay on for every
program: only the finance bureau's own choices (weights, eligibility rules) are configurable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Weight = Literal["hard", "flag", "off"]

RULES: dict[str, tuple[bool, str]] = {  # code: (hard by default, 说明)
    "INVALID_ID": (True, "公民身份号码无效"),
    "INVALID_CARD": (True, "社保卡号无效"),
    "NAME_MISMATCH": (True, "姓名与户籍信息不一致"),
    "NOT_IN_REGISTRY": (False, "户籍库中查无此人"),
    "DECEASED": (True, "受益人已死亡"),
    "HOUSEHOLD_CANCELLED": (True, "户籍已注销"),
    "HOUSEHOLD_MOVED": (False, "户籍已迁出本县"),
    "REGISTRY_ID_MISMATCH": (False, "户籍登记的性别或出生日期与身份证号码不一致"),
    "DUPLICATE_IN_PERIOD": (False, "同一人同一项目同一期重复申报"),
    "EXCLUSIVE_PROGRAM": (False, "同期已享受互斥补贴项目"),
    "CARD_SHARED": (False, "一张卡为多人领取补贴"),
    "CARD_HOLDER_MISMATCH": (True, "社保卡持卡人与受益人不一致"),
    "PUBLIC_EMPLOYEE": (True, "财政供养人员领取困难群众补贴"),
    "OUTSIDE_CRITERIA": (True, "不符合补贴对象条件"),
    "AMOUNT_ABOVE_STANDARD": (True, "申报金额超过补贴标准"),
    "LAND_AREA_EXCEEDED": (True, "申报面积超过确权登记面积"),
    "VILLAGE_OFFICIAL": (False, "村干部或其亲属享受补贴，需重点审核"),
    "SUSPENDED": (True, "监督检查暂停发放"),
}
# what no program may weaken: the money would go to a number that is not a person or a card
FIXED = frozenset({"INVALID_ID", "INVALID_CARD", "SUSPENDED"})


def rules_problem(rules: Mapping[str, str]) -> str | None:
    """Why a program's rule settings are refused, or None."""
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        return f"unknown rule(s) {unknown}; the rules are {sorted(RULES)}"
    bad = sorted(code for code, weight in rules.items() if weight not in ("hard", "flag", "off"))
    if bad:
        return f"rule(s) {bad}: the weight is hard, flag or off"
    fixed = sorted(code for code in rules if code in FIXED and rules[code] != "hard")
    if fixed:
        return f"rule(s) {fixed} always apply as hard rules"
    return None


def weight(code: str, rules: Mapping[str, str]) -> Weight:
    """The weight of a rule for a program: its setting, else the default."""
    default: Weight = "hard" if RULES[code][0] else "flag"
    return _WEIGHTS.get(rules.get(code, ""), default)


_WEIGHTS: dict[str, Weight] = {"hard": "hard", "flag": "flag", "off": "off"}
