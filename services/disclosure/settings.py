from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "disclosure"
    publicity_seconds: int = 5 * 24 * 3600  # 公示期 where the program sets none; 0 clears at once (bench)
    # the personal query and objections, per client address and minute (each instance counts its own)
    query_per_minute: int = Field(default=10, ge=1)
    objections_per_minute: int = Field(default=5, ge=1)
