"""Every service's events agree with their topics; every topic carries one known event class."""

import importlib
import typing
from typing import Any

import pytest
from pydantic import BaseModel

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



def _fields(model: Any) -> dict[str, Any]:
    """Field name -> the model class inside it (a tuple of models, a model), or None for a plain value."""
    out: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        inner = [a for a in typing.get_args(f.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        out[name] = inner[0] if inner else None
    return out


def _subset(slim: Any, full: Any, path: str) -> list[str]:
    full_fields, bad = _fields(full), []
    for name, inner in _fields(slim).items():
        if name not in full_fields:
            bad.append(f"{path}.{name}")
        elif inner is not None:
            bad += _subset(inner, full_fields[name], f"{path}.{name}")
    return bad


def test_every_slim_reading_reads_its_topic_and_only_fields_the_full_event_has() -> None:
    """A slim model (shared.events.slim) may leave fields out, never add one or read another topic."""
    slim = [(s.model, s.reads) for name in SERVICES
            for s in importlib.import_module(f"services.{name}.app").SPEC.subscriptions if s.reads]
    assert len(slim) >= 4  # supervision reads four item topics slim
    for full, reads in slim:
        assert reads.topic == full.topic and reads.event_type == full.event_type
        assert not _subset(reads, full, reads.__name__), reads.__name__
