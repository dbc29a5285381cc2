from fastapi import FastAPI

from services.disclosure import api, pages, tables
from services.disclosure.settings import Settings
from services.disclosure.usecases import objections, public, windows
from shared.events.oversight import (
    BankRegistered,
    CaseResolved,
    ComplaintFiled,
    ItemsWithdrawn,
    ObjectionFiled,
    PersonSuspended,
    TownshipRegistered,
)
from shared.events.payloads import ItemsCleared, ItemsReviewed, PaymentSettled, ProgramPublished, RosterPublished
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router, pages.router],
    subscriptions=[
        Subscription(ItemsReviewed, windows.on_items_reviewed),
        Subscription(PaymentSettled, windows.on_payment_settled),
        Subscription(ProgramPublished, public.on_program_published),
        Subscription(TownshipRegistered, public.on_township_registered),
        Subscription(BankRegistered, public.on_bank_registered),
        Subscription(ComplaintFiled, objections.on_complaint_filed),
        Subscription(CaseResolved, objections.on_case_resolved),
        Subscription(PersonSuspended, objections.on_person_suspended),
    ],
    background=[windows.close_due_windows],
    publishes=[ItemsCleared, RosterPublished, ObjectionFiled, ItemsWithdrawn],
    cached_pages=pages.cacheable,
)


def app() -> FastAPI:
    return create_app(SPEC)
