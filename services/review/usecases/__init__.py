"""Review's use cases: automatic checks (``checks``), people's decisions (``decisions``), reference data."""

from services.review.settings import Settings
from shared.messaging.context import HandlerContext

Ctx = HandlerContext[Settings]
