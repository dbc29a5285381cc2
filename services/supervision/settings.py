from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "supervision"
    rectify_days: int = 30  # 整改时限 of a problem found outside a campaign (a campaign's own date otherwise)
    deadline_check_seconds: float = 60  # how often overdue problems are looked for
