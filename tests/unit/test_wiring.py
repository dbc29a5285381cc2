"""Every service's events agree with their topics; every topic carries one known event class."""

import importlib

import pytest

from shared.events import topics
from shared.events.envelope import DeadLettered
from shared.events.payloads import BatchSubmitted, ItemsCleared
from shared.events.registry import BY_TOPIC, EVENTS, wiring_problems
from shared.messaging.consumer import Subscription
from shared.registry import SERVICES
from shared.service import ServiceSpec


def test_every_topic_carries_exactly_one_event_class() -> None:
    assert sorted(BY_TOPIC) == sorted(topics.ALL)
    assert len(EVENTS) == len(topics.ALL)
    for model in EVENTS:
        assert model.key_field is not None, model


@pytest.mark.parametrize("name", list(SERVICES))
def test_each_service_publishes_and_consumes_what_its_topics_carry(name: str) -> None:
    spec: ServiceSpec = importlib.import_module(f"services.{name}.app").SPEC
    assert spec.name == name
    assert spec.wiring_problems() == []


def test_a_subscription_to_the_wrong_model_is_named() -> None:
    problems = wiring_problems([BatchSubmitted], [(topics.ITEMS_CLEARED, BatchSubmitted)])
    assert problems == [f"subscription to {topics.ITEMS_CLEARED} expects BatchSubmitted, but the topic carries "
                        "ItemsCleared"]
    assert Subscription(ItemsCleared, _handler).topic == topics.ITEMS_CLEARED


async def _handler(ctx: object, env: object) -> None:
    return None


def test_everything_consumed_is_declared_by_a_publisher() -> None:
    """No service waits on an event that no service says it publishes (dead letters: every consumer makes them)."""
    specs = [importlib.import_module(f"services.{name}.app").SPEC for name in SERVICES]
    declared = {m for spec in specs for m in spec.publishes}
    consumed = {s.model for spec in specs for s in spec.subscriptions}
    assert consumed - {DeadLettered} <= declared


def test_the_readme_shows_who_may_do_what_as_the_routes_declare_it() -> None:
    from pathlib import Path

    from deploy.access_table import table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert table() in readme, "run: python -m deploy.access_table and paste it into README.md"
