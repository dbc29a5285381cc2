from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service = "bank_simulator"
    failure_rate: float = 0.0   # share of credits failing at random (on top of account states)
    ambiguous_rate: float = 0.0  # share of instructions applied whose reply is lost
    latency_ms: int = 0          # delay before answering an instruction
    seed: str = "ykt"
