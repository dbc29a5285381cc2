from fastapi import FastAPI

from services.banking import api, api_cards, handlers, pending, tables
from shared.events import topics
from shared.events.payloads import (
    AlertRaised,
    BankFeedbackReported,
    InstructionIssued,
    OrderAccepted,
    PaymentOrdered,
    PaymentSettled,
)
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "banking"
    card_change_alert_days: int = 30  # a card changed this many days before a payment raises an alert
    resend_after_seconds: float = 30.0  # ask the bank again (same key) when an instruction is unanswered


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="banking", title="银行代发 Banking", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router, api_cards.router],
        subscriptions=[
            Subscription(topics.PAYMENT_ORDERED, PaymentOrdered, handlers.on_payment_ordered),
            Subscription(topics.BANK_FEEDBACK, BankFeedbackReported, handlers.on_bank_feedback),
        ],
        background=[pending.resend_unanswered],
        publishes=[(topics.INSTRUCTION_ISSUED, InstructionIssued), (topics.PAYMENT_SETTLED, PaymentSettled),
                   (topics.ORDER_ACCEPTED, OrderAccepted), (topics.ALERT_RAISED, AlertRaised)],
    ))
