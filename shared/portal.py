"""Server-rendered public pages (Jinja2, Chinese, no CDN, no build step): one base template for every
service's pages, links between services' pages, and an error page instead of JSON for a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from shared.errors import DomainError
from shared.registry import PORTS

SHARED_TEMPLATES = Path(__file__).parent / "templates"
PORTAL_SERVICES = ("disclosure", "complaint")  # the services whose pages the public navigates between


class Portal:
    def __init__(self, service_dir: Path) -> None:
        self.env = Environment(loader=ChoiceLoader([FileSystemLoader(service_dir / "templates"),
                                                    FileSystemLoader(SHARED_TEMPLATES)]),
                               autoescape=select_autoescape(default=True, default_for_string=True))

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        body = self.env.get_template(name).render(links=links(request), request=request, **context)
        return HTMLResponse(body, status_code=status)

    def problem(self, request: Request, exc: DomainError) -> HTMLResponse:
        return self.render(request, "problem.html", status=exc.status, message=str(exc))


def links(request: Request) -> dict[str, str]:
    """Base URLs of the portal's services as a browser reaches them (YKT_PUBLIC_URLS, or 127.0.0.1 and the
    port of each service in shared.registry)."""
    configured: dict[str, str] = getattr(request.app.state.settings, "public_urls", {}) or {}
    return {name: configured.get(name, f"http://127.0.0.1:{PORTS[name]}").rstrip("/") for name in PORTAL_SERVICES}
