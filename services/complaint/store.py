"""Complaint's SQL: the complaints (cases) themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.complaint import tables


async def add_complaint(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(tables.complaints).values(**values))
