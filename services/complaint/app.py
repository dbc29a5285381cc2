from fastapi import FastAPI

from services.complaint import api, tables
from shared.events import topics
from shared.events.payloads import ComplaintFiled
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "complaint"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="complaint", title="举报投诉 Complaint", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        publishes=[(topics.COMPLAINT_FILED, ComplaintFiled)],
    ))
