from fastapi import FastAPI

from services.supervision import api, handlers, tables
from shared.events import topics
from shared.events.envelope import DeadLettered
from shared.events.payloads import (
    AlertRaised,
    BatchSubmitted,
    ComplaintFiled,
    ItemsCleared,
    ItemsReviewed,
    PaymentCompleted,
    PaymentOrdered,
    PaymentSettled,
    RosterPublished,
)
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "supervision"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="supervision", title="监督检查 Supervision", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        subscriptions=[
            Subscription(topics.BATCH_SUBMITTED, BatchSubmitted, handlers.on_batch_submitted),
            Subscription(topics.ITEMS_REVIEWED, ItemsReviewed, handlers.on_items_reviewed),
            Subscription(topics.ITEMS_CLEARED, ItemsCleared, handlers.on_items_cleared),
            Subscription(topics.PAYMENT_ORDERED, PaymentOrdered, handlers.on_payment_ordered),
            Subscription(topics.PAYMENT_SETTLED, PaymentSettled, handlers.on_payment_settled),
            Subscription(topics.PAYMENT_COMPLETED, PaymentCompleted, handlers.on_payment_completed),
            Subscription(topics.ROSTER_PUBLISHED, RosterPublished, handlers.on_roster_published),
            Subscription(topics.COMPLAINT_FILED, ComplaintFiled, handlers.on_complaint_filed),
            Subscription(topics.DEAD_LETTER, DeadLettered, handlers.on_dead_lettered),
            Subscription(topics.ALERT_RAISED, AlertRaised, handlers.on_alert_raised),
        ],
    ))
