"""Payload models of the public side and supervision: complaints and objections, their cases, entries
withdrawn, township names, 回头看 and history, recovered money, suspensions, quotas. The money path's models,
and the item and chunk shapes these build on, are in ``payloads``."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from shared.events import topics
from shared.events.envelope import Event
from shared.events.payloads import Item, RejectedItem, _BatchChunk, _ItemsChunk, _totals


class ComplaintFiled(Event):
    """A case was opened (hotline, public form or an objection during publicity) and routed."""

    event_type: ClassVar[str] = "complaint.complaint.filed"
    topic: ClassVar[str] = topics.COMPLAINT_FILED
    key_field: ClassVar[str] = "complaint_id"
    complaint_id: str
    channel: Literal["hotline", "public_form", "objection"]
    category: str
    program_code: str | None
    township_code: str | None
    summary: str
    department_code: str | None = None
    # the person named (hotline): their unpaid items in the program are held until the case is resolved
    id_number: str | None = None
    item_id: str | None = None
    holds: bool = False


class ObjectionFiled(Event):
    """异议: someone objected to a named entry of a roster under publicity; the entry is held."""

    event_type: ClassVar[str] = "disclosure.objection.filed"
    topic: ClassVar[str] = topics.OBJECTION_FILED
    key_field: ClassVar[str] = "complaint_id"
    complaint_id: str
    code_hash: str  # sha256 of the short code given to the objector (the code itself is never stored)
    batch_id: str
    item_id: str
    program_code: str
    department_code: str
    township_code: str
    village: str
    period: str
    category: str
    content: str
    contact: str | None = None


class CaseResolved(Event):
    """A case was decided: upheld (查实) or not upheld (不属实); holds it made are released or the items removed."""

    event_type: ClassVar[str] = "complaint.case.resolved"
    topic: ClassVar[str] = topics.CASE_RESOLVED
    key_field: ClassVar[str] = "complaint_id"
    complaint_id: str
    outcome: Literal["upheld", "not_upheld"]
    channel: str
    category: str
    program_code: str | None
    township_code: str | None
    department_code: str | None
    item_id: str | None
    id_number: str | None
    finding: str
    resolved_by: str


class ItemsWithdrawn(Event):
    """Items removed from a roster during publicity because an objection or complaint was upheld."""

    event_type: ClassVar[str] = "disclosure.items.withdrawn"
    topic: ClassVar[str] = topics.ITEMS_WITHDRAWN
    key_field: ClassVar[str] = "batch_id"
    batch_id: str
    program_code: str
    department_code: str
    period: str
    township_code: str
    complaint_id: str
    items: tuple[Item, ...]
    item_count: int
    amount_fen: int

    @model_validator(mode="after")
    def _check(self) -> ItemsWithdrawn:
        _totals("withdrawn items", [i.amount_fen for i in self.items], self.item_count, self.amount_fen)
        return self


class TownshipRegistered(Event):
    """A township and its villages (乡镇、村), by code and name: public pages show names."""

    event_type: ClassVar[str] = "declaration.township.registered"
    topic: ClassVar[str] = topics.TOWNSHIP_REGISTERED
    key_field: ClassVar[str] = "township_code"
    township_code: str
    name: str
    villages: tuple[str, ...]


class BankRegistered(Event):
    """An agency bank as the register holds it now: its code, name, other names and card BINs; files name
    banks by any of them (开户银行)."""

    event_type: ClassVar[str] = "banking.bank.registered"
    topic: ClassVar[str] = topics.BANK_REGISTERED
    key_field: ClassVar[str] = "bank_code"
    bank_code: str
    name: str
    aliases: tuple[str, ...] = ()
    bins: tuple[str, ...] = ()
    retired: bool = False


class EligibilityRechecked(_BatchChunk):
    """回头看: approved items of a batch checked again against today's reference data; what no longer holds."""

    event_type: ClassVar[str] = "review.eligibility.rechecked"
    topic: ClassVar[str] = topics.ELIGIBILITY_RECHECKED
    checked_count: int
    found: tuple[RejectedItem, ...]


class MoneyRecovered(Event):
    """清退、追缴: money wrongly paid came back (part or all); treasury gives it back to the quota."""

    event_type: ClassVar[str] = "supervision.money.recovered"
    topic: ClassVar[str] = topics.MONEY_RECOVERED
    key_field: ClassVar[str] = "recovery_id"
    recovery_id: str
    seq: int
    item_id: str
    batch_id: str
    program_code: str
    period: str
    amount_fen: int
    means: str


class PersonSuspended(Event):
    """暂停发放: no new item of this person in this program is approved or cleared while active."""

    event_type: ClassVar[str] = "supervision.person.suspended"
    topic: ClassVar[str] = topics.PERSON_SUSPENDED
    key_field: ClassVar[str] = "suspension_id"
    suspension_id: str
    id_number: str
    program_code: str
    reason: str
    active: bool


class QuotaSet(Event):
    """A program's budget quota (指标) for a year and funding level was set: supervision shows what is unspent."""

    event_type: ClassVar[str] = "treasury.quota.set"
    topic: ClassVar[str] = topics.QUOTA_SET
    key_field: ClassVar[str] = "program_code"
    program_code: str
    year: int
    level: str
    total_fen: int


class HistoryImported(_ItemsChunk):
    """Payments of an earlier year not made through the system, imported as history (回头看 covers them)."""

    event_type: ClassVar[str] = "review.history.imported"
    topic: ClassVar[str] = topics.HISTORY_IMPORTED
