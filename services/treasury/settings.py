from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "treasury"
