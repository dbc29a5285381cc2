"""Payee rules: money goes only to the beneficiary's own registered, active card at a contracted bank."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.events.payloads import Item
from shared.states import Flow

CARD_NOT_REGISTERED = "CARD_NOT_REGISTERED"
NOT_OWN_CARD = "NOT_OWN_CARD"
CARD_NOT_ACTIVE = "CARD_NOT_ACTIVE"
NO_VALID_CONTRACT = "NO_VALID_CONTRACT"
NO_ACTIVE_CARD = "NO_ACTIVE_CARD"
ALREADY_PAID = "ALREADY_PAID"

REASONS = {
    CARD_NOT_REGISTERED: "卡号未在社保卡库登记",
    NOT_OWN_CARD: "收款卡不属于受益人本人(严禁拨入他人或实有账户)",
    CARD_NOT_ACTIVE: "社保卡非正常状态",
    NO_VALID_CONTRACT: "开户银行无有效代发协议(暂缓发送)",
    NO_ACTIVE_CARD: "受益人无有效社保卡",
    ALREADY_PAID: "该笔补贴已发放,不得重复发放",
}
# the bank's failure codes, normalized
BANK_FAILURES = ("NOT_ACTIVATED", "FROZEN", "CLOSED", "NAME_MISMATCH", "ACCOUNT_NOT_FOUND", "TIMEOUT")


@dataclass(frozen=True)
class Route:
    item: Item
    bank_code: str | None  # None: refused, or held when the reason is NO_VALID_CONTRACT
    reason_code: str | None

    @property
    def held(self) -> bool:
        """No valid contract: keep the payment until there is one, never send it elsewhere."""
        return self.reason_code == NO_VALID_CONTRACT


def route(item: Item, card: Mapping[str, Any] | None, contracts: dict[str, tuple[dt.date, dt.date]],
          on: dt.date) -> Route:
    """Where one payment goes: the card's own contracted bank, or a refusal with its reason."""
    if card is None:
        return Route(item, None, CARD_NOT_REGISTERED)
    if card["id_number"] != item.id_number:
        return Route(item, None, NOT_OWN_CARD)
    if card["status"] != "active":
        return Route(item, None, CARD_NOT_ACTIVE)
    period = contracts.get(card["bank_code"])
    if period is None or not period[0] <= on <= period[1]:
        return Route(item, None, NO_VALID_CONTRACT)
    return Route(item, card["bank_code"], None)


def recently_changed(card: Mapping[str, Any], on: dt.date, days: int) -> bool:
    """A card changed within ``days`` before a payment is a red flag (卡片变更后随即发放)."""
    changed = card.get("changed_at")
    return changed is not None and (on - changed.date()).days <= days


class Outcome(StrEnum):
    """A payment's outcome; a payment at the bank has none yet (NULL)."""

    CREDITED = "credited"
    FAILED = "failed"      # the bank could not credit the card
    REFUSED = "refused"    # never sent: not the beneficiary's own registered, active card
    HELD = "held"          # not sent yet: no valid contract with the bank (暂缓发送)


class CardStatus(StrEnum):
    ACTIVE = "active"      # the person's one subsidy card (一人一卡)
    INACTIVE = "inactive"
    FROZEN = "frozen"
    CLOSED = "closed"
    REPLACED = "replaced"  # an approved change made another card active


# 状态 as card lists write it -> the registry's state
CARD_STATES: dict[str, str] = {
    "正常": CardStatus.ACTIVE, "激活": CardStatus.ACTIVE, "已激活": CardStatus.ACTIVE, "active": CardStatus.ACTIVE,
    "未激活": CardStatus.INACTIVE, "inactive": CardStatus.INACTIVE,
    "冻结": CardStatus.FROZEN, "挂失": CardStatus.FROZEN, "frozen": CardStatus.FROZEN,
    "注销": CardStatus.CLOSED, "销户": CardStatus.CLOSED, "closed": CardStatus.CLOSED,
}


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


CHANGE_FLOW = Flow("card change request", {
    ChangeStatus.PENDING: frozenset({ChangeStatus.APPROVED, ChangeStatus.REJECTED}),
})
