from fastapi import FastAPI

from services.complaint import api, pages, tables
from services.complaint.settings import Settings
from services.complaint.usecases import cases, intake
from shared.audit_routes import audit_router
from shared.events.oversight import CaseResolved, ComplaintFiled, ObjectionFiled, TownshipRegistered
from shared.events.payloads import AlertRaised, ProgramPublished
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[pages.router, api.router, audit_router(tables.audit)],
    subscriptions=[
        Subscription(ObjectionFiled, intake.on_objection_filed),
        Subscription(ProgramPublished, intake.on_program_published),
        Subscription(TownshipRegistered, intake.on_township_registered),
    ],
    background=[cases.watch_deadlines],
    publishes=[ComplaintFiled, CaseResolved, AlertRaised],
)


def app() -> FastAPI:
    return create_app(SPEC)
