"""The HTTP edge's shared pieces: the runtime as a dependency, and domain errors mapped to statuses once."""

from __future__ import annotations

import logging
import uuid
from importlib.resources import files
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import DomainError
from shared.inputs import json_body_problem, text_problem
from shared.logs import correlation_id
from shared.messaging.context import Runtime


async def _runtime(request: Request) -> Runtime[Any]:
    """async: a plain function dependency would be run in a worker thread for every request."""
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


class _HttpMiddleware:
    """Plain ASGI middleware (not BaseHTTPMiddleware: no task and stream per request): ``http`` sees each HTTP
    request; lifespan and other scopes pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RefuseBadText(_HttpMiddleware):
    """NUL characters and lone surrogates in the path, query or JSON body get 422 before any handler."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        where, problem = None, None
        for name, value in [("path", scope["path"]), *QueryParams(scope["query_string"]).multi_items()]:
            if problem := text_problem(value):
                where = name
                break
        if problem is None and "json" in Headers(scope=scope).get("content-type", ""):
            body, receive = await _read_body(receive)
            problem, where = json_body_problem(body), "body"
        if problem is not None:
            answer = JSONResponse({"detail": [{"loc": [where], "msg": f"{where} {problem}", "type": "value_error"}]},
                                  status_code=422)
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that hands it on once (then waits as the server's does)."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body, given = b"".join(chunks), False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


class Correlated(_HttpMiddleware):
    """The request's X-Correlation-Id (or a new one) is the correlation id of its logs and of the events its
    unit of work emits."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = Headers(scope=scope).get("x-correlation-id", "")[:64]
        token = correlation_id.set(given or uuid.uuid4().hex)
        try:
            await self.app(scope, receive, send)
        finally:
            correlation_id.reset(token)


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
