from fastapi import FastAPI

from services.disclosure import api, handlers, tables
from shared.events import topics
from shared.events.payloads import ItemsCleared, ItemsReviewed, PaymentSettled, RosterPublished
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "disclosure"
    publicity_seconds: int = 5 * 24 * 3600  # 公示期; 0 clears at once (demo)


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="disclosure", title="公示 Disclosure", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        subscriptions=[
            Subscription(topics.ITEMS_REVIEWED, ItemsReviewed, handlers.on_items_reviewed),
            Subscription(topics.PAYMENT_SETTLED, PaymentSettled, handlers.on_payment_settled),
        ],
        background=[handlers.close_due_windows],
        publishes=[(topics.ITEMS_CLEARED, ItemsCleared), (topics.ROSTER_PUBLISHED, RosterPublished)],
    ))
