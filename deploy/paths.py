"""Where local runs keep their state (git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    """The folder for caches, data and logs of local runs (YKT_STATE_DIR or .ykt/)."""
    path = Path(os.environ.get("YKT_STATE_DIR", REPO / ".ykt"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Downloads shared by every run and test session (YKT_CACHE_DIR or .ykt/cache/)."""
    path = Path(os.environ.get("YKT_CACHE_DIR", REPO / ".ykt" / "cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path
