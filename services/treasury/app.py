from fastapi import FastAPI

from services.treasury import api, tables, usecases
from services.treasury.settings import Settings
from shared.audit_routes import audit_router
from shared.events.oversight import MoneyRecovered, QuotaSet
from shared.events.payloads import (
    ItemsCleared,
    OrderAccepted,
    PaymentCompleted,
    PaymentOrdered,
    PaymentSettled,
    ProgramPublished,
)
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router, audit_router(tables.audit)],
    subscriptions=[
        Subscription(ProgramPublished, usecases.on_program_published),
        Subscription(ItemsCleared, usecases.on_items_cleared),
        Subscription(PaymentSettled, usecases.on_payment_settled),
        Subscription(OrderAccepted, usecases.on_order_accepted),
        Subscription(MoneyRecovered, usecases.on_money_recovered),
    ],
    publishes=[PaymentOrdered, PaymentCompleted, QuotaSet],
)


def app() -> FastAPI:
    return create_app(SPEC)
