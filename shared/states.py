"""State machines: the states of a thing and the moves allowed between them, declared in one place.

Each service's ``domain.py`` declares its states as a ``StrEnum`` and a ``Flow`` of allowed moves;
use cases check a move with ``flow.check`` and set-based SQL guards an UPDATE with
``flow.sources(target)`` ("only rows in a state that may move to target").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from shared.errors import Conflict

E = TypeVar("E", bound=StrEnum)


class Flow(Generic[E]):
    def __init__(self, name: str, moves: Mapping[E, frozenset[E]]) -> None:
        self.name = name
        self.moves = dict(moves)

    def allows(self, current: E | str, target: E) -> bool:
        return any(target in nxt for state, nxt in self.moves.items() if state == current)

    def check(self, current: E | str, target: E, subject: str) -> None:
        """Refuse (409) a move the flow does not allow, naming the thing and its state."""
        if not self.allows(current, target):
            raise Conflict(f"{subject} is {current}; it cannot become {target.value}")

    def sources(self, target: E) -> list[str]:
        """The states from which ``target`` may be reached (for guarded set-based UPDATEs)."""
        return sorted(state.value for state, nxt in self.moves.items() if target in nxt)
