"""Banking's use cases: payments (routing, instructions, feedback), the card registry, contracts."""

from services.banking.settings import Settings
from shared.messaging.context import HandlerContext

Ctx = HandlerContext[Settings]
