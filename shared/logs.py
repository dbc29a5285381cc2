"""Structured logging with the correlation id of the work in hand; never full IDs or card numbers."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")


# a run of 15+ digits (an ID number, possibly ending in X, or a card number), wherever it stands: next to
# Chinese text there is no word boundary (身份证632523...号), so the edges are "not a digit", not \b
_LONG_NUMBER = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{7,}([0-9]{3}[0-9Xx])(?![0-9Xx])")


def scrub(text: str) -> str:
    """Mask every full ID or card number in a log line: the first and last four characters stay."""
    return _LONG_NUMBER.sub(r"\1****\2", text)


class _Formatter(logging.Formatter):
    def __init__(self, service: str, as_json: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s")
        self.service = service
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        record.correlation_id = correlation_id.get()  # type: ignore[attr-defined]
        if not self.as_json:
            return scrub(f"{self.service} " + super().format(record))
        body = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "correlation_id": record.correlation_id,  # type: ignore[attr-defined]
            "msg": record.getMessage(),
        }
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return scrub(json.dumps(body, ensure_ascii=False))


def setup_logging(service: str, level: str = "INFO", as_json: bool = False) -> None:
    """One logging setup for the project, uvicorn and SQLAlchemy: every line goes through the scrubber."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(service, as_json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "faststream", "aiokafka"):
        own = logging.getLogger(name)
        own.handlers[:] = []  # no handler of their own, which would write outside the scrubber
        own.propagate = True
    for noisy in ("aiokafka", "faststream", "uvicorn.access", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
