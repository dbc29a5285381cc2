"""Topic names; the version in the name is the payload's schema version."""

from __future__ import annotations

PROGRAM_PUBLISHED = "catalog.program.published.v1"
BATCH_SUBMITTED = "declaration.batch.submitted.v1"
ITEMS_REVIEWED = "review.items.reviewed.v1"
ITEMS_CLEARED = "disclosure.items.cleared.v1"
ROSTER_PUBLISHED = "disclosure.roster.published.v1"
PAYMENT_ORDERED = "treasury.payment.ordered.v1"
PAYMENT_COMPLETED = "treasury.payment.completed.v1"
INSTRUCTION_ISSUED = "banking.instruction.issued.v1"
PAYMENT_SETTLED = "banking.payment.settled.v1"
ORDER_ACCEPTED = "banking.order.accepted.v1"
ALERT_RAISED = "ykt.alert.raised.v1"  # any service raises alerts for supervision
CARDS_REGISTERED = "banking.cards.registered.v1"
BANK_FEEDBACK = "bank.feedback.reported.v1"
COMPLAINT_FILED = "complaint.complaint.filed.v1"
CASE_RESOLVED = "complaint.case.resolved.v1"
OBJECTION_FILED = "disclosure.objection.filed.v1"
ITEMS_WITHDRAWN = "disclosure.items.withdrawn.v1"
TOWNSHIP_REGISTERED = "declaration.township.registered.v1"
ELIGIBILITY_RECHECKED = "review.eligibility.rechecked.v1"
MONEY_RECOVERED = "supervision.money.recovered.v1"
PERSON_SUSPENDED = "supervision.person.suspended.v1"
QUOTA_SET = "treasury.quota.set.v1"
HISTORY_IMPORTED = "review.history.imported.v1"
BANK_REGISTERED = "banking.bank.registered.v1"
DEAD_LETTER = "ykt.deadletter.v1"

ALL = (
    PROGRAM_PUBLISHED, BATCH_SUBMITTED, ITEMS_REVIEWED, ITEMS_CLEARED, ROSTER_PUBLISHED,
    PAYMENT_ORDERED, PAYMENT_COMPLETED, INSTRUCTION_ISSUED, PAYMENT_SETTLED, ORDER_ACCEPTED, ALERT_RAISED,
    CARDS_REGISTERED,
    BANK_FEEDBACK,
    COMPLAINT_FILED, DEAD_LETTER,
    CASE_RESOLVED, OBJECTION_FILED, ITEMS_WITHDRAWN, TOWNSHIP_REGISTERED,
    ELIGIBILITY_RECHECKED, MONEY_RECOVERED, PERSON_SUSPENDED, QUOTA_SET, HISTORY_IMPORTED, BANK_REGISTERED,
)
PARTITIONS = 6
