"""The county's registers as seed data, and finding an entry by its code, name or another name.

The seed is what a new Guide County (贵德县) installation starts with; every register is data after that:
townships and villages (declaration), departments (catalog) and banks (banking) are added, renamed and
retired through their services' APIs. The villages of the seed are the county's 2022 list as far as the
project knows it; a county checks them and corrects them with ``PUT /townships/{code}``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

COUNTY = ("632523", "贵德县")

# 乡镇 (code per GB/T 2260 + the township's three digits) and their villages/communities
TOWNSHIPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "632523100": ("河阴镇", ("城东社区", "城西社区", "大史家村", "郭拉村", "红岩村")),
    "632523101": ("河西镇", ("下排村", "上刘屯村", "贡巴村", "团结村")),
    "632523102": ("拉西瓦镇", ("罗汉堂村", "豆后浪村", "叶后浪村", "曲乃亥村")),
    "632523103": ("常牧镇", ("达玉村", "切扎村", "加木村", "上兰角村")),
    "632523200": ("河东乡", ("王屯村", "贡巴村", "周屯村", "麻巴村")),
    "632523201": ("新街回族乡", ("新街村", "陆切村", "老虎口村", "上卡村")),
    "632523202": ("尕让乡", ("尕让村", "千户村", "希望村", "大滩村")),
}


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    bins: tuple[str, ...] = ()  # banks: card BIN prefixes (卡BIN) of the cards they issue


# 资金主管单位: code, the name used in lists, and the names found in files
DEPARTMENTS: tuple[Entry, ...] = (
    Entry("NMKJ", "农牧和科技局", ("县农牧和科技局", "农牧局", "农牧科技局")),
    Entry("MZ", "民政局", ("县民政局",)),
    Entry("RS", "人社局", ("县人力资源和社会保障局", "人力资源和社会保障局")),
    Entry("CL", "残联", ("县残疾人联合会", "残疾人联合会")),
    Entry("XCZX", "乡村振兴局", ("县乡村振兴局",)),
    Entry("ZJ", "住建局", ("县住房和城乡建设局", "住房和城乡建设局")),
    Entry("ZRZY", "自然资源局", ("县自然资源局",)),
    Entry("WJ", "卫健局", ("县卫生健康局", "卫生健康局")),
    Entry("STHJ", "生态环境局", ("县生态环境局",)),
    Entry("YJGL", "应急管理局", ("县应急管理局",)),
    Entry("TYJR", "退役军人事务局", ("县退役军人事务局",)),
    Entry("JY", "教育局", ("县教育局",)),
)

# agency banks (代发银行) seen in the county's files; BINs as commonly published, to be checked by the county
BANKS: tuple[Entry, ...] = (
    Entry("QHRCB", "青海农商银行", ("青海农村商业银行", "农商银行", "农商行", "农村信用社", "信用社"), ("621350",)),
    Entry("ABC", "中国农业银行", ("农业银行", "农行"), ("622848", "622845")),
    Entry("ICBC", "中国工商银行", ("工商银行", "工行"), ("622202", "621226")),
    Entry("CCB", "中国建设银行", ("建设银行", "建行"), ("621700", "622700")),
    Entry("BOC", "中国银行", ("中行",), ("621661", "621660")),
    Entry("PSBC", "中国邮政储蓄银行", ("邮政储蓄银行", "邮储银行", "邮政储蓄"), ("621799", "622188")),
)


def key(text: str) -> str:
    """How a name or code is compared: full-width as half-width, no spaces, letters in upper case."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "").strip().upper()


class Lookup:
    """Codes by code, name and alias; a name two entries share finds neither (it is ambiguous)."""

    def __init__(self, entries: Iterable[tuple[str, str, Iterable[str]]]) -> None:
        found: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}
        for code, name, aliases in entries:
            self.names[code] = name
            for text in (code, name, *aliases):
                found.setdefault(key(text), set()).add(code)
        self._codes = {k: next(iter(v)) for k, v in found.items() if len(v) == 1}
        self._ambiguous = {k: sorted(v) for k, v in found.items() if len(v) > 1}

    def code(self, text: str) -> str | None:
        return self._codes.get(key(text))

    def taken(self, names: Iterable[str], what: str) -> str | None:
        """Why ``names`` cannot be given to another entry (one of them already finds this register's), or None."""
        clash = [n for n in names if self.code(n) is not None]
        return f"name(s) {clash} already belong to {what} {self.code(clash[0])}" if clash else None

    def problem(self, text: str, what: str) -> str:
        """Why ``text`` finds no entry, in Chinese, with examples of what would."""
        if key(text) in self._ambiguous:
            return f"{what}“{text}”对应多个：{'、'.join(self._ambiguous[key(text)])}，请填写代码"
        examples = "、".join(f"{n}（{c}）" for c, n in list(self.names.items())[:3])
        return f"{what}“{text}”不在名录中；可填写名称、简称或代码，如 {examples}"


def matching(entries: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    """Register rows (code, name, aliases) any of whose names contains ``text``; all of them without one."""
    if not text:
        return entries
    return [e for e in entries if any(key(text) in key(n) for n in (e["code"], e["name"], *e["aliases"]))]


def bank_by_card(card_number: str, bins: dict[str, str]) -> str | None:
    """The bank whose BIN is the longest prefix of the card number (bins: prefix -> bank code)."""
    for n in range(min(len(card_number), 10), 2, -1):
        if (bank := bins.get(card_number[:n])) is not None:
            return bank
    return None
