"""Money is integer fen; yuan appears only at the edges (input parsing and display)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MAX_YUAN = 10**13  # any amount above this is a typing error, and would not fit a BIGINT of fen anyway


class MoneyError(ValueError):
    pass


def yuan_to_fen(value: str | int | Decimal) -> int:
    """Parse a yuan amount such as '1234.50' into fen; more than two decimals is an error."""
    text = str(value).strip().replace(",", "")
    if len(text) > 30:
        raise MoneyError(f"not an amount: {text[:30]!r}...")
    try:
        dec = Decimal(text)
        if not dec.is_finite() or abs(dec) > MAX_YUAN:
            raise MoneyError(f"not an amount (at most {MAX_YUAN:,} yuan): {value!r}")
        fen = dec * 100
        if fen != fen.to_integral_value():
            raise MoneyError(f"more than two decimal places: {value!r}")
    except ArithmeticError as exc:  # InvalidOperation, Overflow (9E+999999) and the like
        raise MoneyError(f"not an amount: {value!r}") from exc
    return int(fen)


def fen_to_yuan(fen: int) -> str:
    """Format fen as yuan with two decimals and thousands separators, e.g. 123456 -> '1,234.56'."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{part:02d}"


def amount_for(standard_fen: int, quantity: Decimal) -> int:
    """Standard times quantity, rounded half-up to the fen (quantities such as mu may be fractional)."""
    return int((Decimal(standard_fen) * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))
