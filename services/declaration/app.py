from fastapi import FastAPI

from services.declaration import api, handlers, tables
from shared.events import topics
from shared.events.payloads import BatchSubmitted, ItemsReviewed, ProgramPublished
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "declaration"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="declaration", title="申报 Declaration", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        subscriptions=[
            Subscription(topics.PROGRAM_PUBLISHED, ProgramPublished, handlers.on_program_published),
            Subscription(topics.ITEMS_REVIEWED, ItemsReviewed, handlers.on_items_reviewed),
        ],
        publishes=[(topics.BATCH_SUBMITTED, BatchSubmitted)],
    ))
