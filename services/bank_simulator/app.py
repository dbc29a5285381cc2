from fastapi import FastAPI

from services.bank_simulator import api, handlers, tables
from shared.events import topics
from shared.events.payloads import BankFeedbackReported, InstructionIssued
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "bank_simulator"
    failure_rate: float = 0.0   # share of credits failing at random (on top of account states)
    ambiguous_rate: float = 0.0  # share of instructions applied whose reply is lost
    latency_ms: int = 0          # delay before answering an instruction
    seed: str = "ykt"


def app() -> FastAPI:
    return create_app(ServiceSpec(
        name="bank_simulator", title="代发银行模拟 Bank simulator", metadata=tables.metadata,
        outbox=tables.outbox, inbox=tables.inbox, settings_factory=Settings, routers=[api.router],
        subscriptions=[Subscription(topics.INSTRUCTION_ISSUED, InstructionIssued, handlers.on_instruction)],
        publishes=[(topics.BANK_FEEDBACK, BankFeedbackReported)],
    ))
