"""Payload models of every topic. Large batches travel in chunks with control totals.

Each chunk carries its own count and amount; the model refuses a chunk whose items do
not add up, so a totals mismatch is caught at every hop by the parse itself.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events import topics
from shared.events.envelope import Event


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Item(_Frozen):
    """One beneficiary line; ``item_id`` is its business key from declaration to the bank."""

    item_id: str
    name: str
    id_number: str
    card_number: str
    bank_code: str
    village: str
    quantity: Decimal
    amount_fen: int


class RejectedItem(_Frozen):
    item: Item
    reason_code: str
    reason: str


Outcome = Literal["credited", "failed", "refused"]


class PaymentResult(_Frozen):
    item_id: str
    attempt: int = 1
    outcome: Outcome
    reason_code: str | None = None
    amount_fen: int


def _totals(label: str, amounts: list[int], count: int, fen: int) -> None:
    if len(amounts) != count or sum(amounts) != fen:
        raise ValueError(
            f"control totals of {label} do not match: header says {count} items / {fen} fen, "
            f"content has {len(amounts)} items / {sum(amounts)} fen"
        )


def reviewed_totals(chunk: Any) -> None:
    """A review result's control totals (full or slim reading): approved and rejected each add up to the header."""
    _totals("approved items", [i.amount_fen for i in chunk.approved], chunk.approved_count, chunk.approved_fen)
    _totals("rejected items", [r.item.amount_fen for r in chunk.rejected], chunk.rejected_count, chunk.rejected_fen)


class _Chunk(Event):
    chunk_index: int
    chunk_count: int

    @model_validator(mode="after")
    def _chunk_in_range(self) -> _Chunk:
        if not 0 <= self.chunk_index < self.chunk_count:
            raise ValueError(f"chunk_index {self.chunk_index} outside 0..{self.chunk_count - 1}")
        return self


class _BatchChunk(_Chunk):
    key_field: ClassVar[str] = "batch_id"
    batch_id: str
    program_code: str
    department_code: str
    period: str
    township_code: str

    def head(self) -> dict[str, str]:
        """The batch this chunk belongs to: its identity at every hop."""
        return {"batch_id": self.batch_id, "program_code": self.program_code,
                "department_code": self.department_code, "period": self.period, "township_code": self.township_code}


class ProgramPublished(Event):
    """A program version (项目清单): what is paid, to whom, from when; a retirement is a version too."""

    event_type: ClassVar[str] = "catalog.program.published"
    topic: ClassVar[str] = topics.PROGRAM_PUBLISHED
    key_field: ClassVar[str] = "program_code"
    program_code: str
    version: int
    name: str
    department_code: str
    standard_fen: int
    unit: str
    effective_from: dt.date
    retired_from: dt.date | None = None
    cap_quantity: Decimal | None = None
    min_age: int | None = None
    means_tested: bool = False
    # what the seed requires to be public (optional: older versions of the topic carry none of them)
    department_name: str | None = None
    legal_basis: str | None = None
    target_group: str | None = None
    how_to_apply: str | None = None
    frequency: str | None = None
    publicity_days: int | None = None  # 公示期 of this program; None: the disclosure service's default
    # money and rules per version (empty: as before - central first, every rule at its default)
    funding_shares: dict[str, int] = Field(default_factory=dict)  # level -> percent, adding up to 100
    rules: dict[str, str] = Field(default_factory=dict)  # rule code -> hard | flag | off
    excludes: tuple[str, ...] = ()  # programs a person may not receive in the same period as this one
    area_basis: str | None = None  # per-mu programs: the land register area a claim may not exceed (cropland|grassland)

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.retired_from is None or on < self.retired_from)


class _ItemsChunk(_BatchChunk):
    """A chunk of a batch's items with the chunk's and the whole batch's control totals."""

    batch_item_count: int
    batch_amount_fen: int
    items: tuple[Item, ...]
    item_count: int
    amount_fen: int

    @model_validator(mode="after")
    def _check(self) -> _ItemsChunk:
        _totals(f"{self.event_type} chunk", [i.amount_fen for i in self.items], self.item_count, self.amount_fen)
        return self


class BatchSubmitted(_ItemsChunk):
    """申报批次 chunk: declared items with the chunk's and the whole batch's control totals."""

    event_type: ClassVar[str] = "declaration.batch.submitted"
    topic: ClassVar[str] = topics.BATCH_SUBMITTED
    declared_by: str | None = None  # who declared it: that person may not review or approve it


class ItemsReviewed(_BatchChunk):
    """审核 result of one declared chunk: every declared item is either approved or rejected."""

    event_type: ClassVar[str] = "review.items.reviewed"
    topic: ClassVar[str] = topics.ITEMS_REVIEWED
    reviewed_by: str | None = None   # the township reviewer (乡镇审核)
    approved_by: str | None = None   # the department approver (主管部门审批), never the same person
    approved: tuple[Item, ...]
    rejected: tuple[RejectedItem, ...]
    approved_count: int
    approved_fen: int
    rejected_count: int
    rejected_fen: int

    @model_validator(mode="after")
    def _check(self) -> ItemsReviewed:
        reviewed_totals(self)
        return self


class ItemsCleared(_ItemsChunk):
    """公示 ended without objection: these items may be paid."""

    event_type: ClassVar[str] = "disclosure.items.cleared"
    topic: ClassVar[str] = topics.ITEMS_CLEARED


class PaymentOrdered(_BatchChunk):
    """国库集中支付 order for one agency bank, in chunks; attempt 2 is the one re-issue of returned items."""

    event_type: ClassVar[str] = "treasury.payment.ordered"
    topic: ClassVar[str] = topics.PAYMENT_ORDERED
    key_field: ClassVar[str] = "order_id"
    order_id: str
    bank_code: str
    attempt: int = 1
    order_item_count: int
    order_amount_fen: int
    items: tuple[Item, ...]
    item_count: int
    amount_fen: int

    @model_validator(mode="after")
    def _check(self) -> PaymentOrdered:
        _totals("order chunk", [i.amount_fen for i in self.items], self.item_count, self.amount_fen)
        return self


class PayeeLine(_Frozen):
    item_id: str
    attempt: int = 1
    name: str
    card_number: str
    amount_fen: int


class InstructionIssued(_Chunk):
    """银行代发 instruction to one bank: credit these cards."""

    event_type: ClassVar[str] = "banking.instruction.issued"
    topic: ClassVar[str] = topics.INSTRUCTION_ISSUED
    key_field: ClassVar[str] = "order_id"
    instruction_id: str
    order_id: str
    bank_code: str
    lines: tuple[PayeeLine, ...]
    item_count: int
    amount_fen: int
    # the purpose (摘要) a bank's statement shows: which program and period the money is for
    program_code: str | None = None
    period: str | None = None

    @model_validator(mode="after")
    def _check(self) -> InstructionIssued:
        _totals("instruction", [x.amount_fen for x in self.lines], self.item_count, self.amount_fen)
        return self


class _Results(Event):
    results: tuple[PaymentResult, ...]
    credited_count: int
    credited_fen: int
    failed_count: int
    failed_fen: int

    @model_validator(mode="after")
    def _check(self) -> _Results:
        ok = [r.amount_fen for r in self.results if r.outcome == "credited"]
        bad = [r.amount_fen for r in self.results if r.outcome != "credited"]
        _totals("credited results", ok, self.credited_count, self.credited_fen)
        _totals("failed results", bad, self.failed_count, self.failed_fen)
        return self


class BankFeedbackReported(_Results):
    """The bank's answer to one instruction, per item."""

    event_type: ClassVar[str] = "bank.feedback.reported"
    topic: ClassVar[str] = topics.BANK_FEEDBACK
    key_field: ClassVar[str] = "order_id"
    instruction_id: str
    order_id: str
    bank_code: str


class PaymentSettled(_Results):
    """Banking's reconciled outcome of items of one order (bank feedback, or refused before sending)."""

    event_type: ClassVar[str] = "banking.payment.settled"
    topic: ClassVar[str] = topics.PAYMENT_SETTLED
    key_field: ClassVar[str] = "order_id"
    settlement_id: str
    order_id: str
    batch_id: str
    program_code: str
    department_code: str
    period: str
    township_code: str
    bank_code: str


class OrderAccepted(Event):
    """Banking has the order (its first chunk): treasury marks it sent."""

    event_type: ClassVar[str] = "banking.order.accepted"
    topic: ClassVar[str] = topics.ORDER_ACCEPTED
    key_field: ClassVar[str] = "order_id"
    order_id: str


class AlertRaised(Event):
    """Something a supervisor must look at (一人多卡, a card changed just before a payment, ...)."""

    event_type: ClassVar[str] = "alert.raised"
    topic: ClassVar[str] = topics.ALERT_RAISED
    key_field: ClassVar[str] = "alert_id"
    alert_id: str
    kind: str
    subject: str
    detail: str


class CardEntry(_Frozen):
    card_number: str
    id_number: str
    name: str
    bank_code: str
    status: str


class CardsRegistered(Event):
    """The card registry changed (registrations, approved changes): review checks card holders against it."""

    event_type: ClassVar[str] = "banking.cards.registered"
    topic: ClassVar[str] = topics.CARDS_REGISTERED
    key_field: ClassVar[str] = ""
    cards: tuple[CardEntry, ...]

    def partition_key(self) -> str:
        """One key for the whole registry: review applies registrations and changes in the order made."""
        return "cards"


class PaymentCompleted(Event):
    """Treasury closed an order: every item credited or returned (退回)."""

    event_type: ClassVar[str] = "treasury.payment.completed"
    topic: ClassVar[str] = topics.PAYMENT_COMPLETED
    key_field: ClassVar[str] = "order_id"
    order_id: str
    batch_id: str
    program_code: str
    period: str
    bank_code: str
    status: Literal["completed", "partly_returned", "returned"]
    ordered_count: int
    ordered_fen: int
    credited_count: int
    credited_fen: int
    returned_count: int
    returned_fen: int

    @model_validator(mode="after")
    def _check(self) -> PaymentCompleted:
        if (self.credited_count + self.returned_count, self.credited_fen + self.returned_fen) != (
            self.ordered_count, self.ordered_fen):
            raise ValueError("ordered must equal credited + returned, in count and in fen")
        return self


class RosterPublished(Event):
    """发放公示: the paid roster of a batch, and whether published equals paid."""

    event_type: ClassVar[str] = "disclosure.roster.published"
    topic: ClassVar[str] = topics.ROSTER_PUBLISHED
    key_field: ClassVar[str] = "batch_id"
    batch_id: str
    program_code: str
    period: str
    township_code: str
    cleared_count: int
    cleared_fen: int
    paid_count: int
    paid_fen: int
    unpaid_count: int
    unpaid_fen: int
    consistent: bool


# the events that carry every item of a payroll, in chunks (the others carry a batch, an order or a program)
ITEM_EVENTS: tuple[type[Event], ...] = (BatchSubmitted, ItemsReviewed, ItemsCleared, PaymentOrdered, InstructionIssued,
                                        BankFeedbackReported, PaymentSettled)
