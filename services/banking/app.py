from fastapi import FastAPI

from services.banking import api, handlers, tables
from shared.events import topics
from shared.events.payloads import BankFeedbackReported, InstructionIssued, PaymentOrdered, PaymentSettled
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "banking"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="banking", title="银行代发 Banking", metadata=tables.metadata, outbox=tables.outbox,
        inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        subscriptions=[
            Subscription(topics.PAYMENT_ORDERED, PaymentOrdered, handlers.on_payment_ordered),
            Subscription(topics.BANK_FEEDBACK, BankFeedbackReported, handlers.on_bank_feedback),
        ],
        publishes=[(topics.INSTRUCTION_ISSUED, InstructionIssued), (topics.PAYMENT_SETTLED, PaymentSettled)],
    ))
