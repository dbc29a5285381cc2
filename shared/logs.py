"""Structured logging with the correlation id of the work in hand; never full IDs or card numbers."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")


def _scrub(text: str) -> str:
    return re.sub(r"\b(\d{4})\d{7,}([\dX]{4})\b", r"\1****\2", text)


class _Formatter(logging.Formatter):
    def __init__(self, service: str, as_json: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s")
        self.service = service
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        record.correlation_id = correlation_id.get()  # type: ignore[attr-defined]
        if not self.as_json:
            return _scrub(f"{self.service} " + super().format(record))
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
        return _scrub(json.dumps(body, ensure_ascii=False))


def setup_logging(service: str, level: str = "INFO", as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(service, as_json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "faststream", "uvicorn.access", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
