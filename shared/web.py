"""Small helpers for thin HTTP edges."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request

from shared.service import Runtime


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
T = TypeVar("T")


def chunks(items: list[T], size: int) -> list[list[T]]:
    """Split a list into consecutive chunks (at least one, possibly empty)."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]
