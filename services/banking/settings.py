from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "banking"
    card_change_alert_days: int = 30  # a card changed this many days before a payment raises an alert
    resend_after_seconds: float = 30.0  # ask the bank again (same key) when an instruction is unanswered
