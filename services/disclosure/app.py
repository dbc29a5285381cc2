from fastapi import FastAPI

from services.disclosure import api, tables, usecases
from services.disclosure.settings import Settings
from shared.events.payloads import ItemsCleared, ItemsReviewed, PaymentSettled, RosterPublished
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router],
    subscriptions=[
        Subscription(ItemsReviewed, usecases.on_items_reviewed),
        Subscription(PaymentSettled, usecases.on_payment_settled),
    ],
    background=[usecases.close_due_windows],
    publishes=[ItemsCleared, RosterPublished],
)


def app() -> FastAPI:
    return create_app(SPEC)
