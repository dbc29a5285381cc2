"""Kafka and PostgreSQL for local runs and tests: external URLs if given, else started here."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field

from deploy.kafka.broker import KafkaBroker
from deploy.postgres import SERVICES, LocalPostgres


# every port here is below Linux's ephemeral range (32768-60999), so no outgoing connection can hold it
@dataclass
class Infra:
    """Starts what the environment does not already provide; ``env()`` tells services where it is."""

    kafka_port: int = 19092
    pg_port: int = 15432
    name: str = ""
    kafka: KafkaBroker | None = None
    postgres: LocalPostgres | None = None
    urls: dict[str, str] = field(default_factory=dict)
    bootstrap: str = ""
    # False: start our own Kafka and PostgreSQL whatever the environment says (a run that kills and
    # restarts them, or must start from nothing, never touches servers someone else is using)
    from_environment: bool = True

    def _given(self, name: str) -> str:
        return os.environ.get(name, "") if self.from_environment else ""

    def start(self, fresh: bool = False) -> Infra:
        self.bootstrap = self._given("YKT_KAFKA_BOOTSTRAP")
        if not self.bootstrap:
            self.kafka = KafkaBroker(self.kafka_port, self.kafka_port + 1, name=f"kafka{self.name}")
            if fresh:
                self.kafka.wipe()
            self.kafka.start()
            self.bootstrap = self.kafka.bootstrap
        given = {s: self._given(f"YKT_{s.upper()}_DATABASE_URL") for s in SERVICES}
        if not all(given.values()):
            self.postgres = LocalPostgres(self.pg_port, name=f"pg{self.name}")
            try:
                if fresh:
                    self.postgres.wipe()
                self.postgres.start()
            except BaseException:
                self.stop()  # no broker left behind by a start that failed halfway
                raise
        self.urls = {s: given[s] or (self.postgres.url(s) if self.postgres else "") for s in SERVICES}
        return self

    def env(self) -> dict[str, str]:
        env = {"YKT_KAFKA_BOOTSTRAP": self.bootstrap}
        env.update({f"YKT_{s.upper()}_DATABASE_URL": url for s, url in self.urls.items()})
        return env

    def stop(self) -> None:
        if self.kafka:
            self.kafka.stop()
        if self.postgres:
            self.postgres.stop()


def main() -> None:
    """python -m deploy.infra: start Kafka and PostgreSQL, print their settings, stop on Ctrl-C."""
    infra = Infra().start()
    for k, v in infra.env().items():
        print(f"export {k}='{v}'", flush=True)
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    while not stop:
        time.sleep(0.5)
    infra.stop()


if __name__ == "__main__":
    main()
