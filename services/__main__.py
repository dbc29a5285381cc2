"""python -m services NAME: run one service under uvicorn (port from YKT_<NAME>_HTTP_PORT or the registry's)."""

import importlib
import sys

import uvicorn

from shared.registry import SERVICES


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in SERVICES:
        sys.exit(f"usage: python -m services {{{','.join(SERVICES)}}}")
    name = sys.argv[1]
    settings = importlib.import_module(f"services.{name}.settings").Settings()
    # log_config=None: uvicorn adds no handlers of its own; its records go through the project's scrubber
    uvicorn.run(f"services.{name}.app:app", host=settings.http_host, port=settings.http_port, factory=True,
                log_level="warning", lifespan="on", log_config=None, workers=settings.http_workers)


main()
