"""Public pages answered from memory while the data behind them is unchanged (the ASGI edge's cache).

A crowd asks for the same few pages (a township's roster, a village's lines) again and again; rendering each
one means a transaction, queries, masking and a template. ``PageCache`` keeps whole answers (status, headers,
body) of GETs by address, per process, and forgets all of them when the service's database says its public
data changed:

- every table the pages read has a statement trigger calling ``pg_notify(CHANNEL)`` (a service migration), so a
  change commits and notifies in one transaction, whoever made it (a consumer, a request, another instance,
  another worker process);
- ``listen`` keeps one connection per process LISTENing; a notice moves the cache to a new generation. While
  that connection is down nothing is kept or served from memory (every request renders), and on reconnecting
  the cache starts over, since notices may have been missed;
- an answer is kept only if the generation did not move while it was rendered, so a page read before a change
  and finished after it is never kept;
- requests for a page that is being rendered wait for that render instead of rendering it again (a cold cache
  under a crowd would otherwise render each page once per waiting request).

A notice reaches the listener a moment after the change commits, so a page may be the one from just before a
change for that moment (the same a browser would show had it loaded a moment earlier).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

CHANNEL = "ykt_public_pages"


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes | None


@dataclass
class PageCache:
    """Answers by address for the current generation, least recently used dropped beyond ``max_bytes``."""

    max_bytes: int = 64 << 20
    generation: int = 0
    live: bool = False  # the listener is connected: only then can a kept answer be trusted
    hits: int = 0
    misses: int = 0
    size: int = 0
    answers: OrderedDict[tuple[bytes, ...], Answer] = field(default_factory=OrderedDict)
    rendering: dict[tuple[bytes, ...], asyncio.Future[Answer | None]] = field(default_factory=dict)

    def changed(self, *_: Any) -> None:
        """The data behind the pages changed (a notice, or the listener reconnected): forget every answer."""
        self.generation += 1
        self.answers.clear()
        self.size = 0

    def get(self, key: tuple[bytes, ...]) -> Answer | None:
        answer = self.answers.get(key)
        if answer is not None:
            self.answers.move_to_end(key)
        return answer

    def put(self, key: tuple[bytes, ...], answer: Answer) -> None:
        if len(answer.body) > self.max_bytes // 16:
            return  # one export does not push out hundreds of pages
        old = self.answers.pop(key, None)
        self.size += len(answer.body) - (len(old.body) if old else 0)
        self.answers[key] = answer
        while self.size > self.max_bytes:
            _, dropped = self.answers.popitem(last=False)
            self.size -= len(dropped.body)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class CachedPages:
    """ASGI middleware: a GET that ``cacheable(path)`` allows is answered from ``cache`` when it can be, and
    its 200 answer kept otherwise. Requests with credentials, and answers that set cookies or say no-store, are
    never kept. An ``If-None-Match`` that matches a kept ETag gets 304."""

    def __init__(self, app: ASGIApp, cache: PageCache,
                 cacheable: Callable[[str], bool]) -> None:
        self.app, self.cache, self.cacheable = app, cache, cacheable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = self.cache
        if (scope["type"] != "http" or scope["method"] != "GET" or not cache.live
                or not self.cacheable(scope["path"]) or _header(scope, b"authorization") is not None
                or _header(scope, b"cookie") is not None):
            await self.app(scope, receive, send)
            return
        key = (scope.get("raw_path") or scope["path"].encode(), scope["query_string"], _header(scope, b"host") or b"")
        answer = cache.get(key)
        if answer is None and (pending := cache.rendering.get(key)) is not None:
            answer = await asyncio.shield(pending)  # being rendered for another request: one render serves both
        if answer is not None:
            cache.hits += 1
            await _replay(answer, _header(scope, b"if-none-match"), send)
            return
        cache.misses += 1
        pending = cache.rendering[key] = asyncio.get_running_loop().create_future()
        kept = None
        try:
            kept = await self._render(scope, receive, send)
            if kept is not None:
                cache.put(key, kept)
        finally:
            if cache.rendering.get(key) is pending:
                del cache.rendering[key]
            pending.set_result(kept)  # None: those waiting render it themselves

    async def _render(self, scope: Scope, receive: Receive, send: Send) -> Answer | None:
        """Pass the request on; the answer, if it may be kept (a whole 200, no cookie or no-store, and the
        data did not change meanwhile)."""
        cache, generation = self.cache, self.cache.generation
        seen: dict[str, Any] = {"body": [], "done": False}

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"], seen["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                seen["body"].append(message.get("body", b""))
                seen["done"] = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keep)
        if not (seen["done"] and seen.get("status") == 200 and cache.live and cache.generation == generation):
            return None
        headers: list[tuple[bytes, bytes]] = seen["headers"]
        names = {k.lower(): v for k, v in headers}
        control = names.get(b"cache-control", b"")
        if b"set-cookie" in names or b"no-store" in control or b"private" in control:
            return None
        return Answer(200, headers, b"".join(seen["body"]), names.get(b"etag"))


async def _replay(answer: Answer, if_none_match: bytes | None, send: Send) -> None:
    if answer.etag is not None and if_none_match == answer.etag:
        await send({"type": "http.response.start", "status": 304,
                    "headers": [(k, v) for k, v in answer.headers if k.lower() in (b"etag", b"cache-control")]})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})


def _dsn(database_url: str) -> str:
    """The SQLAlchemy URL (postgresql+asyncpg://…) as a plain libpq URL for asyncpg.connect."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(cache: PageCache, database_url: str, retry: float = 1.0, check_every: float = 10.0) -> None:
    """Keep ``cache`` told of changes: LISTEN on CHANNEL, reconnect when the connection is lost (checked
    every ``check_every`` seconds too, for a connection that went quiet); runs until cancelled."""
    while True:
        try:
            await _listen_once(cache, _dsn(database_url), check_every)
            log.warning("page cache: the listening connection closed; pages are rendered every time until back")
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("page cache: cannot listen (%s); pages are rendered every time until back",
                        type(exc).__name__)
        await asyncio.sleep(retry)


async def _listen_once(cache: PageCache, dsn: str, check_every: float) -> None:
    """One listening connection, until it is lost; the cache is trusted only meanwhile."""
    conn = await asyncpg.connect(dsn, timeout=10)
    lost = asyncio.Event()
    try:
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, cache.changed)
        cache.changed()  # notices before this moment were not heard
        cache.live = True
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), check_every)
            except TimeoutError:
                await conn.fetchval("SELECT 1", timeout=5)
    finally:
        cache.live = False
        cache.changed()
        if not conn.is_closed():
            conn.terminate()
