"""What make bench prints after the checks: time per phase and stage, CPU and memory per process, the ceiling."""

from __future__ import annotations

from deploy.bench.ceiling import Ceiling, Cpu
from deploy.bench.meter import Meter
from deploy.demo.payroll import PayrollResult


def bench_table(result: PayrollResult, cpu: dict[str, float], meter: Meter, ceiling: Ceiling | None) -> str:
    items = sum(b["accepted_rows"] for b in result.batches)
    settled = sum(r[s]["items"] for r in result.ledger["rows"] for s in ("credited", "failed"))
    lines = [f"bench: {result.people:,} people, {items:,} items declared in {len(result.batches)} batches, "
             f"{settled:,} payments settled",
             f"  end to end (first submission to the last paid roster published): {result.seconds:,.1f} s, "
             f"{settled / result.seconds:,.0f} payments/s"]
    lines += [f"  {phase:<24} done at {at:7.1f} s" for phase, at in result.phases.items()]
    if result.timeline:
        lines.append("  per stage (items, done at, items/s while it moved):")
        for stage, (n, at, rate) in result.timeline.rates(0.0).items():
            lines.append(f"    {stage:<10} {n:>10,}  {at:7.1f} s  {rate:9,.0f}/s")
    total_cpu = sum(cpu.values())
    lines.append(f"  CPU during the payroll: {total_cpu:,.1f} s in all, {total_cpu / max(items, 1) * 1000:.2f} ms per "
                 f"item, {total_cpu / result.seconds * 100:.0f}% of one core on average")
    for name, sec in sorted(cpu.items(), key=lambda kv: -kv[1]):
        if sec >= 0.05:
            lines.append(f"    {name:<28} {sec:8.1f} s   peak memory {meter.peak_kb.get(name, 0) / 1024:7.0f} MB")
    moment = meter.peak_moment()
    lines.append(f"  peak memory of the whole stack (PSS, at one moment): {meter.stack_peak_kb / 1024 / 1024:.2f} GB"
                 + (f", {moment}" if moment else ""))
    parts = sorted(meter.stack_peak_parts.items(), key=lambda kv: -kv[1])
    if parts:
        lines.append("    then: " + ", ".join(f"{name} {kb / 1024:.0f} MB" for name, kb in parts if kb >= 50 * 1024))
    if ceiling:
        lines += [
            f"  ceiling of this run ({ceiling.items:,} items, this Kafka and PostgreSQL, chunks as the services send):",
            f"    one publish (serialize, produce) {ceiling.publish_s:.1f} s; one read (consume, parse, COPY) "
            f"{ceiling.read_s:.1f} s",
            f"    an item is published {ceiling.publishes} times and read {ceiling.reads} times: "
            f"{ceiling.one_core_s:.1f} s on one core, {ceiling.seconds:.1f} s on {ceiling.cores} "
            f"({ceiling.per_second:,.0f} items/s)",
            f"    this run: {result.seconds:.1f} s -> {ceiling.seconds / result.seconds * 100:.0f}% of the ceiling"]
        lines += _cpu_bound(ceiling, result.seconds)
    return "\n".join(lines)


def _cpu_bound(ceiling: Ceiling, seconds: float) -> list[str]:
    """The ceiling's own CPU (its process, its PostgreSQL backend, Kafka), and the time two cores need for it."""
    if ceiling.publish_cpu is None or ceiling.read_cpu is None or ceiling.cpu_bound_s is None:
        return []

    def parts(cpu: Cpu) -> str:
        seen = [f"bench {cpu.own_s:.1f}"] + [f"{name} {value:.1f}" for name, value in
                                             (("PostgreSQL", cpu.database_s), ("Kafka", cpu.kafka_s))
                                             if value is not None]
        return f"{cpu.total_s:.1f} s ({', '.join(seen)})"

    return [f"    the same work in CPU: one publish {parts(ceiling.publish_cpu)}, one read {parts(ceiling.read_cpu)}; "
            f"all hops {ceiling.cpu_s:.1f} s, so {ceiling.cores} cores busy at full need {ceiling.cpu_bound_s:.1f} s",
            f"    this run: {seconds:.1f} s -> {ceiling.cpu_bound_s / seconds * 100:.0f}% of that (the goal is "
            "measured against the clock's ceiling above)"] + (
        [f"    Kafka idle (the services' consumers polling): {ceiling.kafka_idle_per_s:.3f} s of CPU a second"]
        if ceiling.kafka_idle_per_s is not None else [])
