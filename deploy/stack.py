"""Start every service as its own process (python -m services NAME), wait until all are healthy, stop them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx

from deploy.paths import REPO, state_dir

# a stack started here (make run, bench, faults, the tests) is a development stack: local passwords and
# the development token secret; anything else sets YKT_ENV and a real YKT_JWT_SECRET
os.environ.setdefault("YKT_ENV", "development")
from shared.portal import PORTAL_SERVICES
from shared.registry import PORTS

INSTANCE_PORT_STEP = 50  # offsets of whole stacks are multiples of 100: a second instance never meets another stack


def _key(name: str, instance: int) -> str:
    return name if instance == 1 else f"{name}#{instance}"


@dataclass
class ServiceProcesses:
    env: dict[str, str]
    port_offset: int = 0
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    second_instances: list[str] = field(default_factory=list)  # keys of instances added while running

    def url(self, name: str, instance: int = 1) -> str:
        """A service's address; instance 2 and up (``add_instances``) listen 50 ports above the first."""
        return f"http://127.0.0.1:{PORTS[name] + self.port_offset + (instance - 1) * INSTANCE_PORT_STEP}"

    def start_one(self, name: str, instance: int = 1) -> None:
        logs = state_dir() / "logs"
        logs.mkdir(exist_ok=True)
        port = self.url(name, instance).rsplit(":", 1)[1]
        env = os.environ | self.env | {f"YKT_{name.upper()}_HTTP_PORT": port,
                                       "YKT_PUBLIC_URLS": json.dumps({n: self.url(n) for n in PORTAL_SERVICES})}
        env |= self.extra_env.get(name, {})
        key = _key(name, instance)
        log = open(logs / f"{key.replace('#', '-')}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.procs[key] = subprocess.Popen([sys.executable, "-m", "services", name], cwd=REPO, env=env,
                                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def add_instances(self, names: list[str], instance: int = 2) -> list[str]:
        """Start another instance of each service: a full member of the service's consumer groups (Kafka
        rebalances the partitions among the instances) on the same database. Returns their keys."""
        for name in names:
            self.start_one(name, instance)
        return [_key(n, instance) for n in names]

    def start(self, timeout: float = 120) -> None:
        for name in PORTS:
            self.start_one(name)
        self.wait_healthy(list(PORTS), timeout)

    def wait_healthy(self, names: list[str], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names)
        while pending and time.monotonic() < deadline:
            for key in list(pending):
                proc = self.procs[key]
                if proc.poll() is not None:
                    raise RuntimeError(f"service {key} exited with {proc.returncode}; see "
                                       f"{state_dir() / 'logs' / (key.replace('#', '-') + '.log')}")
                try:
                    if httpx.get(self.health_url(key), timeout=2).status_code == 200:
                        pending.discard(key)
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        if pending:
            raise TimeoutError(f"not healthy after {timeout}s: {sorted(pending)}")

    def health_url(self, key: str) -> str:
        name, _, instance = key.partition("#")
        return self.url(name, int(instance or 1)) + "/healthz"

    def revive(self) -> list[str]:
        """Restart every service process that has exited (what a supervisor or compose's restart policy does)."""
        dead = [key for key, proc in self.procs.items() if proc.poll() is not None]
        for key in dead:
            name, _, instance = key.partition("#")
            self.start_one(name, int(instance or 1))
        return dead

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it may have exited on its own meanwhile
                os.killpg(proc.pid, sig)
            proc.wait(30)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill(name)
