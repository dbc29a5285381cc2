from fastapi import FastAPI

from services.review import api, handlers, tables
from shared.events import topics
from shared.events.payloads import BatchSubmitted, ItemsReviewed
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "review"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="review", title="审核 Review", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        subscriptions=[Subscription(topics.BATCH_SUBMITTED, BatchSubmitted, handlers.on_batch_submitted)],
        publishes=[(topics.ITEMS_REVIEWED, ItemsReviewed)],
    ))
