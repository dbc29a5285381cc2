"""Identifiers: resident ID (GB 11643-1999, ISO 7064 MOD 11-2) and card numbers (Luhn)."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import random
import re
import unicodedata

from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


# ASCII digits as their values, and as their Luhn-doubled values (2d, less 9 above 9), for bytes.translate:
# the sums below run in C. Every declared and every reviewed row is checked (card and ID checks were 8% of
# declaration's CPU and 5% of review's in a profiled payroll); measured here per number: Luhn 4.3 us
# (python-stdnum) -> 0.46 us, the ID's check character 2.7 -> 1.0 us. Both are tested against python-stdnum.
_VALUE = bytes.maketrans(b"0123456789", bytes(range(10)))
_DOUBLED = bytes.maketrans(b"0123456789", bytes((0, 2, 4, 6, 8, 1, 3, 5, 7, 9)))


def id_check_char(first17: str) -> str:
    """The check character of a resident ID from its first 17 digits."""
    digits = first17.encode("ascii").translate(_VALUE)
    if len(digits) != 17 or max(digits) > 9:
        raise ValueError(f"17 digits expected, got {len(first17)} characters")
    return _CHECK[sum(map(operator.mul, digits, _WEIGHTS)) % 11]


def luhn_valid(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn check (ISO/IEC 7812), as python-stdnum's ``luhn``."""
    b = digits.encode("ascii")
    return (sum(b[-1::-2].translate(_VALUE)) + sum(b[-2::-2].translate(_DOUBLED))) % 10 == 0


_ID = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS = re.compile(r"[0-9]+")


def normalize_number(value: str) -> str:
    """How an ID or card number typed into a spreadsheet is read: full-width digits and letters as ASCII
    (NFKC), spaces dropped, a lowercase x as X."""
    return unicodedata.normalize("NFKC", value).replace(" ", "").strip().upper()


def id_problem(value: str, today: dt.date | None = None) -> str | None:
    """Why a resident ID number is invalid (in Chinese, for the person who typed it), or None if valid: 18
    ASCII characters, a real birth date not after today, a region code that exists (python-stdnum's
    ``cn.ric`` table of divisions, with the years each code was in use), and the check character."""
    if len(value) != 18:
        return f"公民身份号码应为18位，实为{len(value)}位"
    if not _ID.fullmatch(value):
        return "公民身份号码前17位应为数字，第18位为数字或X"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "出生日期（第7-14位）不是有效日期"
    if born > (today or dt.date.today()):
        return "出生日期（第7-14位）晚于今天"
    if id_check_char(value[:17]) != value[17]:
        return "校验码（第18位）不符，号码可能录入有误"
    if not _region_in_use(value[:6], value[6:10]):
        return f"地区码（前6位）{value[:6]}不存在或在出生年份未启用"
    return None


@functools.lru_cache(maxsize=100_000)
def _region_in_use(region: str, year: str) -> bool:
    """Whether the division existed in the birth year (stdnum's table; one look-up per division and year:
    the table search costs more than everything else in checking a number)."""
    try:
        ric.get_birth_place(region + year + "0101" + "0000")
    except (InvalidComponent, KeyError):  # KeyError: only the province matched (stdnum has no county for it)
        return False
    return True


def birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_of(id_number: str) -> str:
    """男 or 女: the 17th character is odd for a man."""
    return "男" if int(id_number[16]) % 2 else "女"


def age_on(id_number: str, day: dt.date) -> int:
    """Age in whole years on ``day`` of the person the resident ID belongs to."""
    born = birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def luhn_check_digit(body: str) -> str:
    return str(luhn.calc_check_digit(body))


def card_problem(value: str) -> str | None:
    """Why a card number is invalid (in Chinese), or None if it is valid (16-19 digits, Luhn)."""
    if not _DIGITS.fullmatch(value):
        return "社保卡号只能包含数字0-9"
    if not 16 <= len(value) <= 19:
        return f"社保卡号应为16至19位，实为{len(value)}位"
    if not luhn_valid(value):
        return "社保卡号校验位不符，号码可能录入有误"
    return None


def make_id_number(rng: random.Random, region: str = "632523", seq: int | None = None) -> str:
    """A synthetic resident ID with a valid birth date and check character."""
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 65))
    serial = seq if seq is not None else rng.randrange(0, 1000)
    first17 = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_check_char(first17)


def make_card_number(rng: random.Random, bin_prefix: str = "622848") -> str:
    """A synthetic 19-digit card number with a valid Luhn digit."""
    body = bin_prefix + "".join(str(rng.randrange(10)) for _ in range(18 - len(bin_prefix)))
    return body + luhn_check_digit(body)
