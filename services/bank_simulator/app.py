from fastapi import FastAPI

from services.bank_simulator import api, tables, usecases
from services.bank_simulator.settings import Settings
from shared.events.payloads import BankFeedbackReported, InstructionIssued
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router],
    subscriptions=[Subscription(InstructionIssued, usecases.on_instruction)],
    publishes=[BankFeedbackReported],
)


def app() -> FastAPI:
    return create_app(SPEC)
