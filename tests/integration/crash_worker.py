"""Consumes one topic and dies (SIGKILL-like os._exit) inside the handler, before its transaction commits."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from shared.events.envelope import Envelope
from shared.messaging.context import HandlerContext
from tests.integration.harness import Harness, Ping, record_effect


async def _die_mid_handler(ctx: HandlerContext[Any], env: Envelope[Ping]) -> None:
    await record_effect(ctx, env)
    await ctx.session.flush()  # the effect is written but not committed
    os._exit(17)


async def main(db_url: str, bootstrap: str, topic: str) -> None:
    h = Harness(db_url, bootstrap)
    h.subscribe(topic, _die_mid_handler)
    await h.start()
    await asyncio.sleep(60)
    os._exit(3)  # never got a message


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
