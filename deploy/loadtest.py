"""make loadtest: the public pages under a crowd, measured.

Starts its own stack (Kafka, PostgreSQL, every service) with a small paid payroll, then sends an open-loop
load at a fixed rate (requests are sent on schedule whether or not earlier ones have answered, as a crowd
does) to three public reads: a roster page, a village query and a personal query. A crowd does not ask for
one page: each request takes the next of many, shuffled once — every page of every paid roster, every
village of every township, every paid person (ID number and name). Prints per target what was sent and
answered, errors, p50/p99/max latency, the CPU each request cost the services, PostgreSQL and the generator
itself (it runs on the same machine and shares its cores), and whether the goal (p99 ≤ 50 ms, no errors)
was met.

    python -m deploy.loadtest --rate 167 --seconds 10   # 500 requests a second over the three
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from deploy.bench.meter import Meter
from deploy.demo.client import CountyClient
from deploy.demo.county import TOWNSHIPS, residents
from deploy.demo.payroll import run_payroll
from deploy.infra import Infra
from deploy.stack import ServiceProcesses

OFFSET = 700  # beside `make run` and the tests
GOAL_P99 = 0.050
PAGE = 50  # lines on a roster page (services.disclosure.pages.PAGE)


@dataclass
class Target:
    """One kind of page: its requests as bytes (HTTP/1.1, kept alive), taken in turn, and what came back."""

    name: str
    requests: list[bytes]
    latencies: list[float] = field(default_factory=list)
    slowest: dict[int, float] = field(default_factory=dict)  # second of the run -> slowest answer due then
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def next_request(self) -> bytes:
        self.sent += 1
        return self.requests[self.sent % len(self.requests)]

    def fail(self, why: str) -> None:
        self.errors[why] = self.errors.get(why, 0) + 1

    def p99(self) -> float:
        ok = sorted(self.latencies)
        return ok[min(len(ok) - 1, int(len(ok) * 0.99))] if ok else float("inf")

    def report(self, seconds: float) -> str:
        ok = sorted(self.latencies)
        if not ok:
            return f"{self.name:<16} sent {self.sent:>6}  answered 0  errors {self.errors}"
        p50, p99 = ok[len(ok) // 2], ok[min(len(ok) - 1, int(len(ok) * 0.99))]
        return (f"{self.name:<14} ({len(self.requests):,} different) sent {self.sent:>6}  "
                f"ok {len(ok):>6} ({len(ok) / seconds:,.0f}/s)  "
                f"p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  max {ok[-1] * 1000:7.1f} ms  "
                f"mean {statistics.fmean(ok) * 1000:6.1f} ms  errors {sum(self.errors.values())} {self.errors or ''}")


def http_request(method: str, host: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class Connections:
    """Kept-alive connections to one server: a request takes a free one or opens another (the generator
    costs little per request, so it measures the server, not itself). A connection idle longer than the
    server keeps one (uvicorn: 5 s) is closed, not reused, as an HTTP client's pool does."""

    IDLE = 4.0

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.started = time.perf_counter()
        self.free: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        now = time.perf_counter()
        while self.free:
            reader, writer, since = self.free.pop()
            if now - since < self.IDLE:
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    async def send(self, target: Target, timeout: float, due: float) -> None:
        """One request; its latency counts from when it was due (a late generator does not hide a slow server)."""
        writer = None
        try:
            async with asyncio.timeout(timeout):  # one timer for the whole exchange (no task per wait)
                reader, writer = await self.take()
                writer.write(target.next_request())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), None)
                if length is None:
                    raise ValueError("no content-length")
                await reader.readexactly(length)
        except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
            if writer is not None:
                writer.close()
            target.fail(type(exc).__name__)
            return
        self.free.append((reader, writer, time.perf_counter()))
        if status == 200:
            took = time.perf_counter() - due
            target.latencies.append(took)
            second = int(due - self.started)
            target.slowest[second] = max(target.slowest.get(second, 0.0), took)
        else:
            target.fail(str(status))


async def load(base: str, targets: list[Target], rate: float, seconds: float, timeout: float = 10) -> None:
    """Each target at ``rate`` requests a second for ``seconds``, on schedule (open loop)."""
    host, port = base.removeprefix("http://").split(":")
    pool = Connections(host, int(port))
    tasks: set[asyncio.Task[None]] = set()  # those still running (a gather over all of them at the end would
    # stall the generator while the last answers arrive)
    start = pool.started = time.perf_counter()
    n = 0
    while (due := start + n / rate) < start + seconds:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        for t in targets:
            task = asyncio.create_task(pool.send(t, timeout, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        n += 1
    await asyncio.gather(*list(tasks))
    for _, writer, _ in pool.free:
        writer.close()


def targets_for(base: str, rosters: list[tuple[str, int]], people: list[tuple[str, str]],
                seed: int = 1) -> list[Target]:
    """The crowd's requests: every page of every roster ((batch id, lines)), every village of the demo
    county, every person ((ID number, name)), each list shuffled once."""
    host = base.removeprefix("http://")
    rng = random.Random(seed)
    pages = [http_request("GET", host, f"/rosters/{batch}?page={page}")
             for batch, lines in rosters for page in range(1, max(1, -(-lines // PAGE)) + 1)]
    villages = [http_request("GET", host, quote(f"/public/villages/{code}/{village}"))
                for code, (_, names) in TOWNSHIPS.items() for village in names]
    queries = [http_request("POST", host, "/public/person-query", json.dumps(
        {"id_number": id_number, "name": name}, ensure_ascii=False).encode()) for id_number, name in people]
    for requests in (pages, villages, queries):
        rng.shuffle(requests)
    return [Target("roster page", pages), Target("village query", villages), Target("personal query", queries)]


def settle(idle_cores: float = 0.4, quiet_seconds: int = 3, limit: float = 120) -> str:
    """Wait until the stack is quiet (the payroll's aftermath done: trailing events, autovacuum of the tables it
    grew) — under ``idle_cores`` of CPU for ``quiet_seconds`` in a row — as a crowd meets a server that is
    serving, not one still paying. Returns what was seen."""
    meter, quiet, started = Meter(every=1.0), 0, time.perf_counter()
    meter.sample()
    last = sum(meter.cpu_seconds().values())
    while quiet < quiet_seconds and time.perf_counter() - started < limit:
        time.sleep(1)
        meter.sample()
        now = sum(meter.cpu_seconds().values())
        quiet, last = (quiet + 1 if now - last < idle_cores else 0), now
    return f"waited {time.perf_counter() - started:.0f} s for the stack to be quiet ({'yes' if quiet else 'no'})"


def run_load(base: str, targets: list[Target], rate: float, seconds: float) -> str:
    """The load, and what each request cost in CPU (services, PostgreSQL, Kafka, the generator)."""
    meter = Meter(every=1.0)
    meter.sample()
    meter.mark()
    meter.start()
    before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        import uvloop  # the generator's own cost is part of what the machine carries: the cheaper loop

        uvloop.run(load(base, targets, rate, seconds))
    except ImportError:
        asyncio.run(load(base, targets, rate, seconds))
    after = resource.getrusage(resource.RUSAGE_SELF)
    meter.stop()
    sent = sum(t.sent for t in targets)
    own = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    costs = sorted(meter.cpu_seconds().items(), key=lambda kv: -kv[1])
    return (f"CPU per request (ms, whole machine incl. the idle stack): generator {own / sent * 1000:.2f}, "
            + ", ".join(f"{name} {cpu / sent * 1000:.2f}" for name, cpu in costs if cpu / sent >= 0.00005))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200, help="requests a second to each page")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of the same load first, not counted (pools and templates warm, as a server "
                             "that has been serving is)")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="processes serving the public pages")
    args = parser.parse_args()
    infra = Infra(kafka_port=29992, pg_port=26332, name="-load", from_environment=False).start(fresh=True)
    stack = ServiceProcesses(env=infra.env(), port_offset=OFFSET, extra_env={
        "disclosure": {"YKT_DISCLOSURE_PUBLICITY_SECONDS": "0", "YKT_DISCLOSURE_QUERY_PER_MINUTE": "100000000",
                       "YKT_DISCLOSURE_HTTP_WORKERS": str(args.workers)}})
    try:
        stack.start(timeout=120)
        client = CountyClient(port_offset=OFFSET)
        result = run_payroll(client, args.people, progress=lambda m: None)
        rosters = [(b["batch_id"], int(b["accepted_rows"])) for b in result.batches]
        people = [(p.id_number, p.name) for p in residents(args.people)]  # the county's people, most of them paid
        print(f"stack up, payroll paid ({len(rosters)} rosters, {sum(n for _, n in rosters):,} lines); "
              f"{args.rate:.0f} req/s to each page for {args.seconds:.0f}s, {args.workers} worker(s)")
        print(settle())
        if args.warmup > 0:
            warm = targets_for(stack.url("disclosure"), rosters, people, seed=2)
            asyncio.run(load(stack.url("disclosure"), warm, args.rate, args.warmup))
            print("warm-up (not counted): " + "; ".join(
                f"{t.name} p99 {t.p99() * 1000:.0f} ms, errors {sum(t.errors.values())}" for t in warm))
        targets = targets_for(stack.url("disclosure"), rosters, people)
        costs = run_load(stack.url("disclosure"), targets, args.rate, args.seconds)
        for t in targets:
            print(t.report(args.seconds))
            slow = {second: f"{took * 1000:.0f} ms" for second, took in sorted(t.slowest.items()) if took > GOAL_P99}
            if slow:
                print(f"  {t.name}: seconds of the run with an answer slower than the goal: {slow}")
        print(costs)
        met = all(not t.errors and t.p99() <= GOAL_P99 for t in targets)
        print(f"goal (p99 <= {GOAL_P99 * 1000:.0f} ms, no errors, at {args.rate * len(targets):.0f} req/s): "
              f"{'met' if met else 'NOT met'}")
        return 0
    finally:
        stack.stop()
        infra.stop()


if __name__ == "__main__":
    sys.exit(main())
