from fastapi import FastAPI

from services.complaint import api, tables
from services.complaint.settings import Settings
from shared.audit_routes import audit_router
from shared.events.payloads import ComplaintFiled
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router, audit_router(tables.audit)],
    publishes=[ComplaintFiled],
)


def app() -> FastAPI:
    return create_app(SPEC)
