from fastapi import FastAPI

from services.treasury import api, handlers, tables
from shared.events import topics
from shared.events.payloads import ItemsCleared, OrderAccepted, PaymentCompleted, PaymentOrdered, PaymentSettled
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "treasury"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="treasury", title="国库集中支付 Treasury", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        subscriptions=[
            Subscription(topics.ITEMS_CLEARED, ItemsCleared, handlers.on_items_cleared),
            Subscription(topics.PAYMENT_SETTLED, PaymentSettled, handlers.on_payment_settled),
            Subscription(topics.ORDER_ACCEPTED, OrderAccepted, handlers.on_order_accepted),
        ],
        publishes=[(topics.PAYMENT_ORDERED, PaymentOrdered), (topics.PAYMENT_COMPLETED, PaymentCompleted)],
    ))
