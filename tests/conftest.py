"""Session-wide real infrastructure for integration and end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.infra import real_infra


@pytest.fixture(scope="session")
def infra() -> Iterator[tuple[dict[str, str], str]]:
    """(service environment, superuser database URL) on a real broker and a real PostgreSQL."""
    with real_infra() as got:
        os.environ.update(got[0])
        yield got
