"""Every service's /docs and /redoc work with no network: their scripts and styles come from the project."""

import re

import pytest
from fastapi.testclient import TestClient

from shared.registry import SERVICES


@pytest.mark.parametrize("name", list(SERVICES))
def test_api_pages_load_nothing_from_outside(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.setenv("YKT_ENV", "development")
    monkeypatch.setenv(f"YKT_{name.upper()}_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app = importlib.import_module(f"services.{name}.app").app()
    client = TestClient(app)  # no lifespan: the pages need neither the database nor the broker
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        external = [u for u in re.findall(r"""(?:src|href)=["']([^"']+)""", html) if "//" in u]
        assert external == [], f"{name}{page} loads {external}"
        assets = re.findall(r"""(?:src|href)=["'](/docs-assets/[^"']+)""", html)
        assert assets, f"{name}{page} names no local script"
        for asset in assets:
            got = client.get(asset)
            assert got.status_code == 200 and len(got.content) > 1000, (name, asset)
    assert "swagger-ui-bundle.js" in client.get("/docs").text and "redoc.standalone.js" in client.get("/redoc").text
