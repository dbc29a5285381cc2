from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "treasury"
    # draw each funding level in proportion to the program's shares (资金来源); False: central first
    draw_by_shares: bool = True
