"""python -m services NAME: run one service under uvicorn (port from YKT_<NAME>_HTTP_PORT or the registry's)."""

import importlib
import sys

from shared.registry import SERVICES
from shared.service import serve


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in SERVICES:
        sys.exit(f"usage: python -m services {{{','.join(SERVICES)}}}")
    info = SERVICES[sys.argv[1]]
    settings = importlib.import_module(f"services.{info.name}.settings").Settings()
    serve(f"services.{info.name}.app:app", settings.http_port, settings.http_host)


main()
