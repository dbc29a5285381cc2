"""The bench's ceiling on the real broker and database: its clock time, and the CPU of the same work."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from deploy.bench import ceiling
from deploy.bench.meter import component_cpu


def test_the_ceiling_counts_the_cpu_of_its_work_beside_its_clock(infra: tuple[dict[str, str], str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    env, admin = infra
    monkeypatch.setattr(ceiling.gctune, "settle", lambda: None)  # the test process's collector left as it is
    roof = ceiling.measure(env["YKT_KAFKA_BOOTSTRAP"], admin.replace("+asyncpg", ""), 6_000, 1_000)

    assert roof.items == 6_000 and (roof.publishes, roof.reads) == ceiling.hops()
    assert roof.publish_s > 0 and roof.read_s > 0
    assert roof.publish_cpu is not None and roof.read_cpu is not None
    assert roof.publish_cpu.own_s > 0 and roof.read_cpu.own_s > 0  # 6 chunks serialized; 6 parsed and copied
    assert roof.publish_cpu.database_s is None  # a publish touches no database
    if component_cpu("kafka") is not None:  # the broker runs on this machine (not in a container)
        assert roof.publish_cpu.kafka_s is not None and roof.read_cpu.kafka_s is not None
        assert roof.read_cpu.database_s is not None and roof.read_cpu.database_s > 0  # the COPY's backend
    cpu_s = roof.publishes * roof.publish_cpu.total_s + roof.reads * roof.read_cpu.total_s
    assert roof.cpu_s == pytest.approx(cpu_s)
    assert roof.cpu_bound_s == pytest.approx(max(roof.seconds, cpu_s / 2))

    async def scratch_left() -> bool:
        db = await asyncpg.connect(admin.replace("+asyncpg", ""))
        try:
            return bool(await db.fetchval("SELECT to_regclass($1) IS NOT NULL", ceiling.TABLE))
        finally:
            await db.close()

    assert not asyncio.run(scratch_left())
