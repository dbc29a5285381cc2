"""Domain errors: a use case says what went wrong; the HTTP edge maps the kind to a status, once.

A use case never raises ``HTTPException``, so the same use case runs from a route, a consumer, a
CLI or a test. ``detail`` is what the caller is shown (a message, or a structure with row errors).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.detail = message if detail is None else detail
        self.headers = headers


class Invalid(DomainError):
    """The request is well-formed but breaks a rule (a bad row, a missing reason)."""

    status = 422


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The thing is not in a state that allows this (already decided, already re-issued)."""

    status = 409


class Forbidden(DomainError):
    """This person may not do this (role, scope, maker-checker)."""

    status = 403


class Unauthorized(DomainError):
    status = 401


class TooMany(DomainError):
    """Too many requests from one client (a rate limit)."""

    status = 429
