"""The server's configuration as ``serve`` passes it to its worker processes."""

from __future__ import annotations

import os

import pytest

from honestballot.service.runtime import ServerConfig


def test_the_cover_workers_default_to_one_a_core_and_travel_to_the_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``HONESTBALLOT_COVER_WORKERS`` (service/board/batches.py's worker processes):
    unset, one a core; read by ``serve`` and passed on to its worker processes."""
    monkeypatch.delenv("HONESTBALLOT_COVER_WORKERS", raising=False)
    assert ServerConfig().cover_workers == (os.cpu_count() or 1)
    monkeypatch.setenv("HONESTBALLOT_COVER_WORKERS", "0")
    config = ServerConfig()
    assert config.cover_workers == 0 == ServerConfig.from_env().cover_workers
    monkeypatch.setenv("HONESTBALLOT_COVER_WORKERS", "3")
    assert ServerConfig.from_env().cover_workers == 3
    assert config.to_env()["HONESTBALLOT_COVER_WORKERS"] == "0"
    assert ServerConfig(cover_workers=5).to_env()["HONESTBALLOT_COVER_WORKERS"] == "5"
