"""A small fault-injection run inside the normal suite: services SIGKILLed, Kafka restarted, nothing lost."""

from deploy.faults import run_faults


def test_kills_and_a_broker_restart_lose_nothing_and_pay_nothing_twice() -> None:
    result = run_faults(people_count=3000, kills=10, seed_value=11, kafka_port=29192, pg_port=25532, offset=300,
                        quiet=True)
    assert result.kills == 10 and result.broker_restarts == 1
    bad = [f"{c.name}: {c.expected} != {c.actual}" for c in result.first + result.final if not c.ok]
    assert not bad, bad
    assert result.reissued["items"] > 0 and result.reissued["credited"] > 0
