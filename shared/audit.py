"""Every change by a person is audited: who, when, what, why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, Text, func, insert
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal


def add_audit_table(metadata: MetaData) -> Table:
    return Table(
        "audit_log", metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor", String(100), nullable=False),
        Column("role", String(30), nullable=False),
        Column("action", String(100), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("reason", Text, nullable=True),
        Column("detail", JSONB, nullable=True),
    )


async def record(session: AsyncSession, table: Table, who: Principal, action: str, subject: str,
                 reason: str | None = None, detail: dict[str, Any] | None = None) -> None:
    await session.execute(insert(table).values(actor=who.sub, role=who.role.value, action=action,
                                               subject=subject, reason=reason, detail=detail))
