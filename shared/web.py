"""The HTTP edge's shared pieces: the runtime as a dependency, and domain errors mapped to statuses once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError

from shared.errors import DomainError
from shared.inputs import json_body_problem, text_problem
from shared.messaging.context import Runtime


def _runtime(request: Request) -> Runtime[Any]:
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


log = logging.getLogger(__name__)
RuntimeDep = Annotated[Runtime[Any], Depends(_runtime)]


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)


DOCS_ASSETS = "/docs-assets"


def serve_docs_offline(app: FastAPI, title: str) -> None:
    """/docs (Swagger UI) and /redoc from files installed with the project, never from a CDN."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{title} · API",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
                                   swagger_ui_parameters={"validatorUrl": None})  # no call to validator.swagger.io

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{title} · API",
                              redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png", with_google_fonts=False)


def map_domain_errors(app: FastAPI) -> None:
    """A use case's domain error becomes its status and ``{"detail": ...}``, as HTTPException would."""
    app.add_exception_handler(DomainError, _domain_error)


async def refuse_bad_text(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """NUL characters and lone surrogates in the path, query or JSON body: 422 before any handler."""
    where, problem = None, None
    for name, value in [("path", request.url.path), *request.query_params.multi_items()]:
        if problem := text_problem(value):
            where = name
            break
    if problem is None and "json" in request.headers.get("content-type", ""):
        problem, where = json_body_problem(await request.body()), "body"
    if problem is not None:
        return JSONResponse({"detail": [{"loc": [where], "msg": f"{where} {problem}", "type": "value_error"}]},
                            status_code=422)
    return await call_next(request)


def _data_exception(exc: BaseException) -> bool:
    """A PostgreSQL data exception (SQLSTATE class 22: too long, out of range, bad text)."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str):
            return code.startswith("22")
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


async def _database_refused(request: Request, exc: Exception) -> JSONResponse:
    if not _data_exception(exc):
        raise exc
    log.warning("%s %s: the database refused a value (%s)", request.method, request.url.path, type(exc).__name__)
    return JSONResponse({"detail": "a value is too long, out of range or not valid text; check what you sent"},
                        status_code=422)


def map_database_refusals(app: FastAPI) -> None:
    """Last line of defence only (every field is bounded in its model): never a 500 for a value the database
    refuses, and never the values themselves in the answer or the log."""
    app.add_exception_handler(DBAPIError, _database_refused)
