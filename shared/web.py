"""The HTTP edge's shared pieces: the runtime as a dependency, and domain errors mapped to statuses once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from shared.errors import DomainError
from shared.messaging.context import Runtime


def _runtime(request: Request) -> Runtime[Any]:
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime[Any], Depends(_runtime)]


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)


def map_domain_errors(app: FastAPI) -> None:
    """A use case's domain error becomes its status and ``{"detail": ...}``, as HTTPException would."""
    app.add_exception_handler(DomainError, _domain_error)
