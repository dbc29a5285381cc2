from fastapi import FastAPI

from services.banking import api, api_cards, tables
from services.banking.settings import Settings
from services.banking.usecases import payments
from shared.audit_routes import audit_router
from shared.events.oversight import BankRegistered
from shared.events.payloads import (
    AlertRaised,
    BankFeedbackReported,
    CardsRegistered,
    InstructionIssued,
    OrderAccepted,
    PaymentOrdered,
    PaymentSettled,
)
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router, api_cards.router, audit_router(tables.audit)],
    subscriptions=[
        Subscription(PaymentOrdered, payments.on_payment_ordered),
        Subscription(BankFeedbackReported, payments.on_bank_feedback),
    ],
    background=[payments.resend_unanswered],
    publishes=[InstructionIssued, PaymentSettled, OrderAccepted, AlertRaised, CardsRegistered, BankRegistered],
)


def app() -> FastAPI:
    return create_app(SPEC)
