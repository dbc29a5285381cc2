from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "banking"
    card_change_alert_days: int = 30  # a card changed this many days before a payment raises an alert
    # ask the bank again (same key) when an instruction is unanswered this long (twice as long after each send,
    # and not while the bank is still answering: store._STALE). 120 s, not 30: at a million people the bank's
    # queue alone grows past a minute once the last orders go out, and a bank is not asked about what it has
    # not reached yet
    resend_after_seconds: float = 120.0
