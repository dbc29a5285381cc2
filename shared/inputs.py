"""What a request may carry: bounded field types for request models, and text hygiene for everything.

Every request model field that reaches a column has a bound here (length, pattern, range), so bad
input is a 422 naming the field, never a 500 from the database. NUL characters and lone UTF-16
surrogates are refused wherever they appear (path, query, JSON body): PostgreSQL cannot store them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, ValidationError

from shared.errors import Invalid

MAX_FEN = 10**15  # ten trillion yuan: above any county's budget, well inside BIGINT


def _clean(value: str) -> str:
    if problem := text_problem(value):
        raise ValueError(problem)
    return unicodedata.normalize("NFKC", value)


def text_problem(value: str) -> str | None:
    """Why a piece of text cannot be taken (NUL, a lone surrogate), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an invalid character (a lone UTF-16 surrogate)"
    return None


_Clean = AfterValidator(_clean)

Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$"), _Clean]
BankCode = Annotated[str, StringConstraints(min_length=2, max_length=20, pattern=r"^[A-Z0-9]{2,20}$"), _Clean]
DivisionCode = Annotated[str, StringConstraints(min_length=6, max_length=12, pattern=r"^[0-9]{6,12}$"), _Clean]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100), _Clean]  # a person's, bank's, place's
Text2000 = Annotated[str, StringConstraints(max_length=2000), _Clean]
Fen = Annotated[int, Field(ge=0, le=MAX_FEN)]
# checked in full (check digits, dates) by the use case, which names the bad rows; here only bounded
IdNumber = Annotated[str, StringConstraints(min_length=1, max_length=18), _Clean, AfterValidator(str.upper)]
CardNumber = Annotated[str, StringConstraints(min_length=1, max_length=23), _Clean,
                       AfterValidator(lambda v: v.replace(" ", ""))]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]


_SUSPECT = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]")  # how NUL and surrogates look inside JSON text


def json_body_problem(body: bytes) -> str | None:
    """NUL or a lone surrogate anywhere in a JSON body (a cheap scan first, a parse only if it looks bad)."""
    if b"\x00" in body:
        return "contains a NUL byte"
    if not _SUSPECT.search(body):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None  # not JSON: the route's own validation says so
    for text in _strings(data):
        if problem := text_problem(text):
            return problem
    return None


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield k
            yield from _strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v)


@dataclass(frozen=True)
class Refused:
    """A row of a list that did not fit its model: (field, message) for each thing wrong with it."""

    problems: tuple[tuple[str, str], ...]


def json_list(body: bytes, max_items: int) -> list[Any]:
    """A request body that must be a JSON list of at most ``max_items`` (422 saying what it is instead)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Invalid(f"the body is not JSON: {exc}") from None
    if not isinstance(data, list):
        raise Invalid(f"the body must be a JSON list of rows, not {type(data).__name__}")
    if len(data) > max_items:
        raise Invalid(f"the body has {len(data):,} rows; at most {max_items:,} at once")
    return data


def checked_rows(model: type[BaseModel], rows: list[Any]) -> Iterator[dict[str, Any] | Refused]:
    """Each row checked against ``model`` as it is taken (its JSON-ready dict, or what is wrong with it),
    taken out of ``rows`` as it goes: a million rows are never held twice, once parsed and once as models."""
    rows.reverse()
    while rows:
        raw = rows.pop()
        try:
            yield model.model_validate(raw).model_dump(mode="json")
        except ValidationError as exc:
            yield Refused(tuple((".".join(str(x) for x in e["loc"]) or "row", e["msg"]) for e in exc.errors()))
