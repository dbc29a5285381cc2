from fastapi import FastAPI

from services.declaration import api, tables, usecases
from services.declaration.settings import Settings
from shared.audit_routes import audit_router
from shared.events import slim
from shared.events.oversight import BankRegistered, TownshipRegistered
from shared.events.payloads import BatchSubmitted, ItemsReviewed, ProgramPublished
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router, audit_router(tables.audit)],
    subscriptions=[
        Subscription(ProgramPublished, usecases.on_program_published),
        Subscription(ItemsReviewed, usecases.on_items_reviewed, reads=slim.ItemsReviewedReasons),
        Subscription(BankRegistered, usecases.on_bank_registered),
    ],
    publishes=[BatchSubmitted, TownshipRegistered],
)


def app() -> FastAPI:
    return create_app(SPEC)
