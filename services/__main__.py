"""python -m services NAME: run one service under uvicorn (port from YKT_<NAME>_HTTP_PORT or the default)."""

import importlib
import sys

from services import PORTS
from shared.service import serve


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in PORTS:
        sys.exit(f"usage: python -m services {{{','.join(PORTS)}}}")
    name = sys.argv[1]
    settings = importlib.import_module(f"services.{name}.app").Settings()
    serve(f"services.{name}.app:app", settings.http_port or PORTS[name], settings.http_host)


main()
