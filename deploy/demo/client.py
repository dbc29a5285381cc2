"""HTTP access to the running services with the tokens each actor would hold."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.auth import Principal, Role, issue_token
from shared.registry import PORTS
from shared.settings import CommonSettings


@dataclass
class CountyClient:
    port_offset: int = 0
    secret: str = field(default_factory=lambda: CommonSettings().jwt_secret)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=120))

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{PORTS[service] + self.port_offset}{path}"

    def token(self, role: Role, **scope: str) -> str:
        claims = {"sub": f"demo-{role.value}"} | scope | {"role": role}
        return issue_token(self.secret, Principal.model_validate(claims))

    def review_status(self, batch_id: str) -> str | None:
        """Where a batch stands in review (None: review has not received it yet)."""
        got = self.call("GET", "review", f"/batches/{batch_id}", Role.FINANCE, ok=(200, 404))
        return got.get("status") if isinstance(got, dict) and "batch_id" in got else None

    def call(self, method: str, service: str, path: str, role: Role | None = None, scope: dict[str, str] | None = None,
             ok: tuple[int, ...] = (200, 201), **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if role:
            headers["authorization"] = f"Bearer {self.token(role, **(scope or {}))}"
        tries = 120 if method == "GET" else 1  # reads may wait for a restarting service; writes are not retried
        for n in range(tries):
            try:
                resp = self.http.request(method, self.url(service, path), headers=headers, **kwargs)
                break
            except httpx.TransportError:
                if n == tries - 1:
                    raise
                time.sleep(0.5)
        if resp.status_code not in ok:
            raise RuntimeError(f"{method} {service}{path} -> {resp.status_code}: {resp.text[:500]}")
        return resp.json() if "json" in resp.headers.get("content-type", "") else resp.text
