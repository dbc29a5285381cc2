"""The demo county: Guide County's townships and villages under demo codes, five programs and synthetic
residents (valid IDs, Luhn cards)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from shared import registers
from shared.ids import make_card_number, make_id_number

REGION = "632523"  # the residents' ID numbers: born in Guide County
# The demo county lives apart from any real county loaded into the same stack: its townships' division codes
# begin with 99 (no province has that code), its programs' codes with DEMO- and its names say 演示. A real
# county's own registers (shared.registers, loaded by deploy.registers) are never touched by the demo.
DEMO_DIVISION = "99"
DEMO_COUNTY = DEMO_DIVISION + REGION[2:]
DEMO_REFS = {"county": DEMO_COUNTY}  # the demo's reference data is its own county's (review keeps it apart)
TOWNSHIPS: dict[str, tuple[str, tuple[str, ...]]] = {
    DEMO_DIVISION + code[2:]: (f"{name}(演示)", villages) for code, (name, villages) in registers.TOWNSHIPS.items()}
# the banks are real agency banks (from the bank register); the demo's cards and payments are its own, and the
# bank simulator's figures can be read per period, program and batch
BANKS = {"QHRCB": ("青海农商银行", "621350"), "ABC": ("中国农业银行", "622848")}


@dataclass(frozen=True)
class Program:
    code: str
    name: str
    department_code: str
    standard_fen: int
    unit: str
    quantity_range: tuple[float, float]
    legal_basis: str
    target_group: str
    min_age: int | None = None
    means_tested: bool = False
    cap_quantity: int | None = None

    def as_json(self, year: int) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "department_code": self.department_code,
                "standard_fen": self.standard_fen, "unit": self.unit, "legal_basis": self.legal_basis,
                "target_group": self.target_group, "min_age": self.min_age, "means_tested": self.means_tested,
                "cap_quantity": self.cap_quantity, "effective_from": f"{year}-01-01", "frequency": "monthly",
                "funding_shares": {"central": 60, "provincial": 20, "prefecture": 10, "county": 10}}


def programs(year: int) -> list[Program]:
    return [
        Program(f"DEMO-GDDLBH-{year}", "耕地地力保护补贴(演示)", "NMKJ", 10550, "mu", (2, 30),
                "财农〔2016〕26号", "拥有耕地承包权的种地农民", cap_quantity=500),
        Program(f"DEMO-CYSTBH-{year}", "草原生态保护补助奖励(演示)", "NMKJ", 750, "mu", (100, 1500),
                "财农〔2021〕82号", "承包草原的牧户", cap_quantity=5000),
        Program(f"DEMO-CXDB-{year}", "城乡最低生活保障金(演示)", "MZ", 62000, "person", (1, 1),
                "《社会救助暂行办法》", "城乡低保对象", means_tested=True),
        Program(f"DEMO-GLBT-{year}", "高龄补贴(演示)", "MZ", 10000, "person", (1, 1),
                "青政办〔2012〕号", "80周岁以上老年人", min_age=80),
        Program(f"DEMO-CJLX-{year}", "残疾人两项补贴(演示)", "CL", 9000, "person", (1, 1),
                "国发〔2015〕52号", "困难残疾人和重度残疾人"),
    ]


SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卓才"
GIVEN = "明华英秀兰军平芳玉梅强伟丽桂珍海云霞福德才措吉卓玛尕让宝成文忠山旦增加央"


@dataclass(frozen=True)
class Resident:
    name: str
    id_number: str
    card_number: str
    bank_code: str
    township_code: str
    village: str


def residents(count: int, seed: int = 632523) -> list[Resident]:
    """Unique synthetic residents spread over the townships' villages."""
    rng = random.Random(seed)
    ids: set[str] = set()
    cards: set[str] = set()
    people: list[Resident] = []
    towns = list(TOWNSHIPS)
    while len(people) < count:
        id_number = make_id_number(rng, REGION)
        bank = rng.choice(list(BANKS))
        card = make_card_number(rng, BANKS[bank][1])
        if id_number in ids or card in cards:
            continue
        ids.add(id_number)
        cards.add(card)
        town = towns[len(people) % len(towns)]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        people.append(Resident(name, id_number, card, bank, town, rng.choice(TOWNSHIPS[town][1])))
    return people
