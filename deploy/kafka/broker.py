"""Apache Kafka (KRaft, one node) from the official jars on Maven Central, no Docker.

The jars are resolved once with Maven into a cache folder; storage is formatted with
``kafka.tools.StorageTool`` and the broker runs as ``kafka.Kafka server.properties``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from deploy.paths import cache_dir, state_dir

HERE = Path(__file__).resolve().parent


def libs_dir() -> Path:
    """Resolve the Kafka jars (once) and return the folder holding them."""
    libs = cache_dir() / "kafka-libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    libs.mkdir(parents=True, exist_ok=True)
    print("fetching Apache Kafka jars from Maven Central (first run only) ...", flush=True)
    subprocess.run(
        [
            "mvn", "-q", "-B", "-f", str(HERE / "pom.xml"),
            "dependency:copy-dependencies", "-DincludeScope=runtime",
            f"-DoutputDirectory={libs}",
        ],
        check=True,
    )
    marker.touch()
    return libs


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


# The broker's JVM on a machine it shares with the whole stack: the client compiler only (C1) and the parallel
# collector. C2's compilations of a fresh broker compete with the services for the two cores for the first
# minute of heavy traffic; measured here (7 topics, 150 chunks of 2,000 items each, 2 readers per topic, one
# fresh broker, 3 rounds back to back; broker CPU per round): G1 with C2 (was) 10.1, 7.3, 5.0 s (then 3.3-3.6);
# C1 and the parallel collector 6.2, 3.9, 3.7 s (then 3.1-3.5: no slower once warm). YKT_KAFKA_JAVA_OPTS
# replaces these flags.
BROKER_JVM = "-Xms256m -Xmx512m -XX:+UseParallelGC -XX:TieredStopAtLevel=1"


@dataclass
class KafkaBroker:
    """A single KRaft broker+controller bound to 127.0.0.1."""

    port: int = 19092
    controller_port: int = 19093
    name: str = "kafka"
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def home(self) -> Path:
        return state_dir() / self.name

    def _write_config(self) -> Path:
        data = self.home / "data"
        cfg = self.home / "server.properties"
        cfg.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={data}",
                    "num.partitions=6",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=true",
                    "message.max.bytes=8388608",
                    "log.retention.hours=168",
                    "",
                ]
            )
        )
        if not (data / "meta.properties").exists():
            data.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                self._java("kafka.tools.StorageTool", "format", "-t", str(uuid.uuid4()).replace("-", "")[:22],
                           "-c", str(cfg), "--ignore-formatted"),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        return cfg

    def _java(self, main: str, *args: str, jvm: str = "-Xms64m -Xmx256m -XX:+UseG1GC") -> list[str]:
        return [
            "java", *jvm.split(),
            f"-Dlog4j2.configurationFile={HERE / 'log4j2.properties'}",
            "-cp", f"{libs_dir()}/*", main, *args,
        ]

    def _stop_leftover(self) -> None:
        """A broker of ours left running by a killed parent process: stop it before starting anew."""
        pidfile = self.home / "kafka.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text() or 0)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(60):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker and wait until it accepts connections and serves metadata."""
        self._stop_leftover()
        if _port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is already in use; is another Kafka running?")
        self.home.mkdir(parents=True, exist_ok=True)
        cfg = self._write_config()
        log = open(self.home / "kafka.log", "ab")  # noqa: SIM115 - kept open for the child's life
        self.process = subprocess.Popen(
            self._java("kafka.Kafka", str(cfg), jvm=os.environ.get("YKT_KAFKA_JAVA_OPTS") or BROKER_JVM),
            stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (self.home / "kafka.pid").write_text(str(self.process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Kafka exited with {self.process.returncode}; see {self.home / 'kafka.log'}")
            if _port_open("127.0.0.1", self.port) and _metadata_ready(self.bootstrap):
                return
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"Kafka did not become ready in {timeout}s; see {self.home / 'kafka.log'}")

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def wipe(self) -> None:
        self._stop_leftover()
        shutil.rmtree(self.home, ignore_errors=True)


def _metadata_ready(bootstrap: str) -> bool:
    """True when the broker answers a metadata request with itself as a live broker."""
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    return asyncio.run(probe())
