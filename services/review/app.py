from fastapi import FastAPI

from services.review import api, checks, tables
from shared.events import topics
from shared.events.payloads import AlertRaised, BatchSubmitted, CardsRegistered, ItemsReviewed, ProgramPublished
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "review"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="review", title="审核 Review", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        subscriptions=[
            Subscription(topics.PROGRAM_PUBLISHED, ProgramPublished, checks.on_program_published),
            Subscription(topics.CARDS_REGISTERED, CardsRegistered, checks.on_cards_registered),
            Subscription(topics.BATCH_SUBMITTED, BatchSubmitted, checks.on_batch_submitted),
        ],
        publishes=[(topics.ITEMS_REVIEWED, ItemsReviewed), (topics.ALERT_RAISED, AlertRaised)],
    ))
