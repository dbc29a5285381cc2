"""make loadtest: the public pages under a crowd, measured.

Starts its own stack (Kafka, PostgreSQL, every service) with a small paid payroll, then sends an open-loop
load at a fixed rate (requests are sent on schedule whether or not earlier ones have answered, as a crowd
does) to three public reads: a roster page, a village query and a personal query. Prints per target what
was sent and answered, errors, p50/p99/max latency. The generator runs on the same machine and shares its
cores with the services; its own limits are printed with the result.

    python -m deploy.loadtest --rate 500 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from deploy.demo.client import CountyClient
from deploy.demo.county import residents
from deploy.demo.payroll import run_payroll
from deploy.infra import Infra
from deploy.stack import ServiceProcesses

OFFSET = 700  # beside `make run` and the tests


@dataclass
class Target:
    """One page: its request as bytes (HTTP/1.1, kept alive), and what came back."""

    name: str
    request: bytes
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def fail(self, why: str) -> None:
        self.errors[why] = self.errors.get(why, 0) + 1

    def report(self, seconds: float) -> str:
        ok = sorted(self.latencies)
        if not ok:
            return f"{self.name:<16} sent {self.sent:>6}  answered 0  errors {self.errors}"
        p50, p99 = ok[len(ok) // 2], ok[min(len(ok) - 1, int(len(ok) * 0.99))]
        return (f"{self.name:<16} sent {self.sent:>6}  ok {len(ok):>6} ({len(ok) / seconds:,.0f}/s)  "
                f"p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  max {ok[-1] * 1000:7.1f} ms  "
                f"mean {statistics.fmean(ok) * 1000:6.1f} ms  errors {sum(self.errors.values())} {self.errors or ''}")


def http_request(method: str, host: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class Connections:
    """Kept-alive connections to one server: a request takes a free one or opens another (the generator
    costs little per request, so it measures the server, not itself)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.free: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def send(self, target: Target, timeout: float) -> None:
        t0 = time.perf_counter()
        conn = self.free.pop() if self.free else await asyncio.open_connection(self.host, self.port)
        reader, writer = conn
        try:
            writer.write(target.request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            status = int(head.split(b" ", 2)[1])
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is None:
                raise ValueError("no content-length")
            await asyncio.wait_for(reader.readexactly(length), timeout)
        except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
            writer.close()
            target.fail(type(exc).__name__)
            return
        self.free.append(conn)
        if status == 200:
            target.latencies.append(time.perf_counter() - t0)
        else:
            target.fail(str(status))


async def load(base: str, targets: list[Target], rate: float, seconds: float, timeout: float = 10) -> None:
    """Each target at ``rate`` requests a second for ``seconds``, on schedule (open loop)."""
    host, port = base.removeprefix("http://").split(":")
    pool = Connections(host, int(port))
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    n = 0
    while (due := start + n / rate) < start + seconds:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        for t in targets:
            t.sent += 1
            tasks.append(asyncio.create_task(pool.send(t, timeout)))
        n += 1
    await asyncio.gather(*tasks)
    for _, writer in pool.free:
        writer.close()


def targets_for(base: str, batch_id: str, town: str, village: str, person: tuple[str, str]) -> list[Target]:
    host = base.removeprefix("http://")
    query = json.dumps({"id_number": person[0], "name": person[1]}, ensure_ascii=False).encode()
    return [Target("roster page", http_request("GET", host, f"/rosters/{batch_id}")),
            Target("village query", http_request("GET", host, quote(f"/public/villages/{town}/{village}"))),
            Target("personal query", http_request("POST", host, "/public/person-query", query))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200, help="requests a second to each page")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="processes serving the public pages")
    args = parser.parse_args()
    infra = Infra(kafka_port=29992, pg_port=26332, name="-load", from_environment=False).start(fresh=True)
    stack = ServiceProcesses(env=infra.env(), port_offset=OFFSET, extra_env={
        "disclosure": {"YKT_DISCLOSURE_PUBLICITY_SECONDS": "0", "YKT_DISCLOSURE_QUERY_PER_MINUTE": "100000000",
                       "YKT_DISCLOSURE_HTTP_WORKERS": str(args.workers)}})
    try:
        stack.start(timeout=120)
        client = CountyClient(port_offset=OFFSET)
        result = run_payroll(client, args.people, progress=lambda m: None)
        batch = max(result.batches, key=lambda b: b["accepted_rows"])
        lines = client.call("GET", "disclosure", f"/public/rosters/{batch['batch_id']}", params={"limit": 1})
        paid = {p.id_number: p for p in residents(args.people)}
        person = next(p for p in paid.values() if p.township_code == batch["township_code"])
        print(f"stack up, payroll paid ({len(result.batches)} batches); roster {batch['batch_id']} has "
              f"{batch['accepted_rows']} lines ({lines['公示人数']} published); {args.rate:.0f} req/s to each page "
              f"for {args.seconds:.0f}s, {args.workers} worker(s)")
        targets = targets_for(stack.url("disclosure"), batch["batch_id"], batch["township_code"], person.village,
                              (person.id_number, person.name))
        asyncio.run(load(stack.url("disclosure"), targets, args.rate, args.seconds))
        for t in targets:
            print(t.report(args.seconds))
        return 0
    finally:
        stack.stop()
        infra.stop()


if __name__ == "__main__":
    sys.exit(main())
