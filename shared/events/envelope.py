"""The envelope every event travels in, generic over its payload so a consumer parses once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from shared.events import topics


class Event(BaseModel):
    """Base of every payload: frozen, no unknown fields, an explicit type name and schema version.

    Each event class knows the topic that carries it and which of its fields is the partition key,
    so whoever emits an event names neither (``HandlerContext.emit``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str]
    key_field: ClassVar[str]

    # list fields that go out as JSON text this service already holds (see ``with_raw``)
    _raw: dict[str, str] = PrivateAttr(default_factory=dict)

    def partition_key(self) -> str | None:
        """The Kafka key: events of one batch (or order, program ...) stay in order on one partition."""
        value = getattr(self, self.key_field)
        return None if value is None else str(value)

    @classmethod
    def with_raw(cls, raw: Mapping[str, str], **fields: Any) -> Self:
        """The event with list fields given as JSON array text (``raw``: field -> text) instead of models.

        For items a service validated when they came in and kept: it sends them on as its database renders
        them, without building a model per item. The other ``fields`` are given whole, with the counts and
        totals computed from the same rows as the text; the event is not validated here (its item fields are
        empty until it is serialized), every consumer validates it whole, totals included, as it parses.
        """
        event = cls.model_construct(None, **fields, **dict.fromkeys(raw, ()))
        event._raw = dict(raw)
        return event


def dump(envelope: Envelope[Any]) -> str:
    """The envelope as JSON, with any raw list fields of its payload put in place (see ``Event.with_raw``)."""
    text = envelope.model_dump_json()
    for name, value in envelope.payload._raw.items():
        empty = f'"{name}":[]'
        if text.count(empty) != 1:
            raise ValueError(f"{envelope.event_type}: cannot place raw field {name!r} ({text.count(empty)} places)")
        text = text.replace(empty, f'"{name}":{value}')
    return text


P = TypeVar("P", bound=Event)


class Envelope(BaseModel, Generic[P]):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    occurred_at: dt.datetime
    producer: str
    correlation_id: str
    causation_id: str | None = None
    payload: P


def wrap(payload: P, *, producer: str, correlation_id: str, causation_id: str | None = None,
         event_id: uuid.UUID | None = None) -> Envelope[P]:
    """Put a payload in a new envelope with a fresh event id (or a given, deterministic one)."""
    model: Any = Envelope[type(payload)]  # type: ignore[misc]
    # a payload with raw fields is whole only once serialized: it is put in as it is, not validated again
    make = model.model_construct if payload._raw else model
    return make(  # type: ignore[no-any-return]
        event_id=event_id or uuid.uuid4(),
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        occurred_at=dt.datetime.now(dt.UTC),
        producer=producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=payload,
    )


class DeadLettered(Event):
    """A message a consumer could not handle, kept whole with the reason."""

    event_type: ClassVar[str] = "deadletter.message.dead_lettered"
    topic: ClassVar[str] = topics.DEAD_LETTER
    key_field: ClassVar[str] = "key"
    original_topic: str
    partition: int
    offset: int
    key: str | None
    consumer_group: str
    reason: str
    attempts: int
    raw_value_b64: str = Field(description="the original bytes, base64")
    extra: dict[str, Any] = {}
