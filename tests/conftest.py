"""Session-wide real infrastructure for integration and end-to-end tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.infra import log_dir, real_infra

os.environ.setdefault("YKT_ENV", "development")  # tests run development stacks (see deploy/stack.py)


@pytest.fixture(scope="session")
def infra() -> Iterator[tuple[dict[str, str], str]]:
    """(service environment, superuser database URL) on a real broker and a real PostgreSQL."""
    with real_infra() as got:
        os.environ.update(got[0])
        shutil.rmtree(log_dir(), ignore_errors=True)  # this session's logs only (the log scan reads them all)
        yield got
