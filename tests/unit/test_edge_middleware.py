"""The edge's plain-ASGI middlewares: bad text refused before any handler, a JSON body read once and handed on
whole, and the correlation id of a request set while it runs."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI, Request

from shared.logs import correlation_id
from shared.web import Correlated, RefuseBadText


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(RefuseBadText)
    app.add_middleware(Correlated)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        return {"body": (await request.body()).decode(), "correlation": correlation_id.get()}

    return app


async def _post(content: bytes, path: str = "/echo", **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return await c.post(path, content=content, headers={"content-type": "application/json", **headers})


async def test_a_json_body_reaches_the_handler_whole() -> None:
    body = b'{"name": "\xe5\xbc\xa0\xe4\xb8\x89", "n": 1}' * 1000
    got = await _post(body, **{"x-correlation-id": "abc"})
    assert got.status_code == 200
    assert got.json() == {"body": body.decode(), "correlation": "abc"}


async def test_nul_in_the_body_or_the_query_is_refused_before_the_handler() -> None:
    in_body = await _post(b'{"name": "a\\u0000b"}')
    in_query = await _post(b"{}", path="/echo?x=a%00b")
    assert (in_body.status_code, in_body.json()["detail"][0]["loc"]) == (422, ["body"])
    assert (in_query.status_code, in_query.json()["detail"][0]["loc"]) == (422, ["x"])


async def test_each_request_gets_a_correlation_id_when_none_is_given() -> None:
    first, second = (await _post(b"{}")).json()["correlation"], (await _post(b"{}")).json()["correlation"]
    assert len(first) == 32 and first != second
