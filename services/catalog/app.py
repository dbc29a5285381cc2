from fastapi import FastAPI

from services.catalog import api, tables
from shared.events import topics
from shared.events.payloads import ProgramPublished
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "catalog"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="catalog", title="项目清单 Catalog", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        publishes=[(topics.PROGRAM_PUBLISHED, ProgramPublished)],
    ))
