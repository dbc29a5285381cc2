"""Array parameters as one text value each: a column of a thousand values is one copy for the driver, split
back into an array by PostgreSQL (``string_to_array``), where an array parameter is encoded value by value.

Measured here (ten columns of a thousand values, client CPU per statement): arrays 2.9 ms, packed 0.5 ms.
A column whose values cannot travel so (a type other than str/int/bool, or a string holding a separator)
goes as an array parameter, as before; nothing is escaped or lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

US, RS = "\x1f", "\x1e"  # ASCII unit separator between values, record separator for NULL
_SCALARS = (str, int, bool)


def packed(values: Sequence[Any]) -> str | None:
    """A column's values as one text parameter, for ``unpacked(...)`` in SQL; None if they cannot travel so
    (a value of another type, or a string holding a separator) and must go as an array parameter."""
    n = len(values)
    try:
        text_ = US.join(values)
        nulls = 0
    except TypeError:
        if not all(v is None or type(v) in _SCALARS for v in values):
            return None
        nulls = sum(v is None for v in values)
        text_ = US.join(RS if v is None else str(v) for v in values)
    if text_.count(US) != max(n - 1, 0) or text_.count(RS) != nulls or (n == 1 and text_ == ""):
        return None
    return text_


def unpacked(name: str, pg_type: str) -> str:
    """SQL for a parameter made by ``packed``, as an array of ``pg_type`` (``text``, ``bigint``, ``int``...)."""
    return f"CAST(string_to_array(:{name}, chr(31), chr(30)) AS {pg_type}[])"


def array_params(types: Mapping[str, str],
                 values: Mapping[str, Sequence[Any]]) -> tuple[dict[str, str], dict[str, Any]]:
    """For a hand-written statement over arrays: the SQL of each parameter (packed where its values allow,
    else a plain array parameter) and the values to bind."""
    sql, bind = {}, {}
    for name, pg_type in types.items():
        p = packed(values[name])
        sql[name] = unpacked(name, pg_type) if p is not None else f"CAST(:{name} AS {pg_type}[])"
        bind[name] = p if p is not None else list(values[name])
    return sql, bind


def repeated(name: str, pg_type: str, like: str) -> str:
    """SQL for the parameter ``name`` repeated once per value of the array ``like`` (the SQL of another
    parameter), to unnest beside it: a statement over a chunk of rows of one batch then joins the batch to
    each row (``t.batch_id = v.batch_id``) instead of comparing it with a constant, which the planner
    estimates by statistics that know nothing of a batch inserted after they were taken (expecting one row,
    it may start from the batch's rows by its index and read the chunk again for each of them)."""
    return f"array_fill(CAST(:{name} AS {pg_type}), ARRAY[cardinality({like})])"
