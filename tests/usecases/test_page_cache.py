"""The public page cache: every table the pages read notifies a change at commit (and only at commit), the
listener turns a notice into a new generation, and the ASGI edge serves a kept answer only for the generation
it was rendered in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import text
from starlette.types import Receive, Scope, Send

from services.disclosure import pages, store, tables
from shared.pagecache import CachedPages, PageCache, listen
from tests.usecases.conftest import ServiceUnderTest, service_fixture

disclosure_svc = service_fixture("disclosure")
Condition = Callable[[], bool]


async def _until(condition: Condition, seconds: float = 5) -> bool:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


async def test_every_table_the_public_pages_read_notifies(disclosure_svc: ServiceUnderTest) -> None:
    async with disclosure_svc.db.transaction() as s:
        triggered = set((await s.execute(text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'public_pages_changed'"))).scalars())
    data = set(tables.metadata.tables) - {"outbox", "inbox"}
    assert data <= triggered, f"tables whose changes would leave public pages stale: {sorted(data - triggered)}"


async def test_a_committed_change_moves_the_generation_and_a_rolled_back_one_does_not(
        disclosure_svc: ServiceUnderTest) -> None:
    cache = PageCache()
    task = asyncio.create_task(listen(cache, disclosure_svc.runtime.settings.database_url))
    try:
        assert await _until(lambda: cache.live), "the listener did not connect"
        before = cache.generation
        with pytest.raises(RuntimeError):
            async with disclosure_svc.db.transaction() as s:
                await store.keep_township(s, "990000001", "试验乡", ["一村"])
                raise RuntimeError("rolled back")
        await asyncio.sleep(0.3)
        assert cache.generation == before, "a rolled-back change must not clear the cache"
        async with disclosure_svc.db.transaction() as s:
            await store.keep_township(s, "990000001", "试验乡", ["一村", "二村"])
        assert await _until(lambda: cache.generation > before), "no notice after a committed change"
    finally:
        task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert not cache.live


class Renders:
    """A tiny ASGI app: counts renders; ``during`` runs while a page is being rendered."""

    def __init__(self) -> None:
        self.count = 0
        self.during: Callable[[], Awaitable[None]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.count += 1
        if self.during is not None:
            await self.during()
        status = 404 if scope["path"].endswith("/missing") else 200
        headers = [(b"content-type", b"text/plain"), (b"etag", b'"v1"')]
        if scope["path"].endswith("/cookie"):
            headers.append((b"set-cookie", b"a=b"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": f"render {self.count}".encode()})


def _client(app: Renders, cache: PageCache) -> httpx.AsyncClient:
    edge = CachedPages(app, cache, pages.cacheable)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=edge), base_url="http://portal")


async def test_the_edge_keeps_answers_for_their_generation_only() -> None:
    app, cache = Renders(), PageCache(live=True)
    async with _client(app, cache) as c:
        first, again = await c.get("/rosters/B1?page=2"), await c.get("/rosters/B1?page=2")
        assert (first.text, again.text, app.count) == ("render 1", "render 1", 1)
        assert (await c.get("/rosters/B1?page=3")).text == "render 2", "another address is another page"
        assert (await c.get("/rosters/B1?page=2", headers={"if-none-match": '"v1"'})).status_code == 304
        cache.changed()
        assert (await c.get("/rosters/B1?page=2")).text == "render 3", "a change must render the page again"

        async def change_meanwhile() -> None:
            cache.changed()

        app.during = change_meanwhile  # rendered from data read before a change: never kept
        await c.get("/rosters/B2")
        app.during = None
        assert (await c.get("/rosters/B2")).text == "render 5"
        assert (await c.get("/rosters/B2")).text == "render 5"


@pytest.mark.parametrize(("path", "headers"), [
    ("/rosters/B1/missing", {}),                             # not a 200
    ("/rosters/B1/cookie", {}),                              # sets a cookie
    ("/rosters/B1", {"authorization": "Bearer x"}),          # asked with credentials
    ("/rosters/B1/objection/I1", {}),                        # one line's objection form
    ("/healthz", {}),                                        # not public data
])
async def test_the_edge_never_keeps(path: str, headers: dict[str, str]) -> None:
    app, cache = Renders(), PageCache(live=True)
    async with _client(app, cache) as c:
        await c.get(path, headers=headers)
        await c.get(path, headers=headers)
    assert app.count == 2 and not cache.answers


async def test_the_edge_renders_every_time_while_not_listening() -> None:
    app, cache = Renders(), PageCache(live=False)
    async with _client(app, cache) as c:
        await c.get("/rosters/B1")
        await c.get("/rosters/B1")
    assert app.count == 2 and not cache.answers


async def test_requests_for_a_page_being_rendered_share_that_render() -> None:
    app, cache = Renders(), PageCache(live=True)

    async def slowly() -> None:
        await asyncio.sleep(0.1)

    app.during = slowly
    async with _client(app, cache) as c:
        answers = await asyncio.gather(*[c.get("/rosters/B1") for _ in range(5)])
        assert [a.text for a in answers] == ["render 1"] * 5 and app.count == 1
        missing = await asyncio.gather(*[c.get("/rosters/B1/missing") for _ in range(3)])
        assert [a.status_code for a in missing] == [404] * 3 and app.count == 4, \
            "an answer that may not be kept is rendered for each request"
