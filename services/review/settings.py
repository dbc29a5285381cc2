from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "review"
    county: str = "632523"  # the county whose reference data an import is, unless the import names another
