from fastapi import FastAPI

from services.review import api, tables
from services.review.settings import Settings
from services.review.usecases import checks, recheck
from shared.audit_routes import audit_router
from shared.events.oversight import EligibilityRechecked, HistoryImported, PersonSuspended, TownshipRegistered
from shared.events.payloads import AlertRaised, BatchSubmitted, CardsRegistered, ItemsReviewed, ProgramPublished
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router, audit_router(tables.audit)],
    subscriptions=[
        Subscription(ProgramPublished, checks.on_program_published),
        Subscription(CardsRegistered, checks.on_cards_registered),
        Subscription(BatchSubmitted, checks.on_batch_submitted),
        Subscription(PersonSuspended, recheck.on_person_suspended),
        Subscription(TownshipRegistered, checks.on_township_registered),
    ],
    publishes=[ItemsReviewed, AlertRaised, EligibilityRechecked, HistoryImported],
)


def app() -> FastAPI:
    return create_app(SPEC)
