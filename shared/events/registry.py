"""Which event class each topic carries, and the check that a service's wiring agrees with it."""

from __future__ import annotations

from collections.abc import Iterable

from shared.events import oversight, payloads, topics
from shared.events.envelope import DeadLettered, Event

EVENTS: tuple[type[Event], ...] = (
    payloads.ProgramPublished, payloads.BatchSubmitted, payloads.ItemsReviewed, payloads.ItemsCleared,
    payloads.RosterPublished, payloads.PaymentOrdered, payloads.PaymentCompleted, payloads.InstructionIssued,
    payloads.PaymentSettled, payloads.OrderAccepted, payloads.AlertRaised, payloads.CardsRegistered,
    payloads.BankFeedbackReported, oversight.ComplaintFiled, DeadLettered, oversight.CaseResolved,
    oversight.ObjectionFiled, oversight.ItemsWithdrawn, oversight.TownshipRegistered, oversight.EligibilityRechecked,
    oversight.MoneyRecovered, oversight.BankRegistered, oversight.PersonSuspended, oversight.QuotaSet,
    oversight.HistoryImported,
)
BY_TOPIC: dict[str, type[Event]] = {e.topic: e for e in EVENTS}


def wiring_problems(publishes: Iterable[type[Event]], consumes: Iterable[tuple[str, type[Event]]]) -> list[str]:
    """Every published class has a known topic; every subscription reads the class its topic carries."""
    problems = []
    for model in publishes:
        topic = getattr(model, "topic", None)
        if topic not in topics.ALL or BY_TOPIC.get(topic) is not model:
            problems.append(f"{model.__name__} is published but topic {topic!r} does not carry it")
        if not hasattr(model, "key_field"):
            problems.append(f"{model.__name__} names no partition key")
    for topic, model in consumes:
        if BY_TOPIC.get(topic) is not model:
            carried = BY_TOPIC[topic].__name__ if topic in BY_TOPIC else "nothing known"
            problems.append(f"subscription to {topic} expects {model.__name__}, but the topic carries {carried}")
    return problems
