from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "disclosure"
    publicity_seconds: int = 5 * 24 * 3600  # 公示期; 0 clears at once (demo)
