from fastapi import FastAPI

from services.supervision import api, pages, tables
from services.supervision.settings import Settings
from services.supervision.usecases import ledger as usecases
from services.supervision.usecases import problems, recovery
from shared.events import slim
from shared.events.envelope import DeadLettered
from shared.events.oversight import (
    CaseResolved,
    ComplaintFiled,
    EligibilityRechecked,
    HistoryImported,
    ItemsWithdrawn,
    MoneyRecovered,
    PersonSuspended,
    QuotaSet,
    TownshipRegistered,
)
from shared.events.payloads import (
    AlertRaised,
    BatchSubmitted,
    ItemsCleared,
    ItemsReviewed,
    PaymentCompleted,
    PaymentOrdered,
    PaymentSettled,
    ProgramPublished,
    RosterPublished,
)
from shared.messaging.consumer import Subscription
from shared.service import ServiceSpec, create_app

SPEC = ServiceSpec(
    settings=Settings, metadata=tables.metadata, outbox=tables.outbox, inbox=tables.inbox,
    routers=[api.router, pages.router],
    subscriptions=[
        # the ledger needs ids and amounts only: it reads the item topics slim
        Subscription(BatchSubmitted, usecases.on_batch_submitted, reads=slim.BatchSubmittedSeen),
        Subscription(ItemsReviewed, usecases.on_items_reviewed, reads=slim.ItemsReviewedRefs),
        Subscription(ItemsCleared, usecases.on_items_cleared, reads=slim.ItemsClearedRefs),
        Subscription(PaymentOrdered, usecases.on_payment_ordered, reads=slim.PaymentOrderedRefs),
        Subscription(PaymentSettled, usecases.on_payment_settled),
        Subscription(PaymentCompleted, usecases.on_payment_completed),
        Subscription(RosterPublished, usecases.on_roster_published),
        Subscription(ComplaintFiled, usecases.on_complaint_filed),
        Subscription(DeadLettered, usecases.on_dead_lettered),
        Subscription(AlertRaised, usecases.on_alert_raised),
        Subscription(ItemsWithdrawn, usecases.on_items_withdrawn),
        Subscription(CaseResolved, usecases.on_case_resolved),
        Subscription(EligibilityRechecked, recovery.on_eligibility_rechecked),
        Subscription(ProgramPublished, usecases.on_program_published),
        Subscription(TownshipRegistered, usecases.on_township_registered),
        Subscription(QuotaSet, usecases.on_quota_set),
        Subscription(HistoryImported, usecases.on_history_imported),
    ],
    publishes=[MoneyRecovered, PersonSuspended],
    background=[problems.watch_deadlines],
)


def app() -> FastAPI:
    return create_app(SPEC)
