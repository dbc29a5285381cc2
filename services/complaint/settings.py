from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "complaint"
    # working days allowed in each stage before it is overdue (an alert goes to supervision)
    stage_working_days: dict[str, int] = Field(default_factory=lambda: {
        "received": 2, "assigned": 3, "investigating": 10, "resolved": 5})
    resolve_working_days: int = 15  # from filing to a decision (办结时限)
    lookups_per_minute: int = Field(default=10, ge=1)
