"""The server's configuration: the public URL the pages name (never a request's Host)."""

from __future__ import annotations

import os

import pytest

from honestballot.errors import InvalidInput
from honestballot.service.runtime import ServerConfig


def test_the_public_url_is_checked_and_travels_to_the_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HONESTBALLOT_PUBLIC_URL", raising=False)
    assert ServerConfig().public_url == ""
    for url, kept in (
        ("https://vote.example.org/", "https://vote.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://[2001:db8::1]:8443/elections", "https://[2001:db8::1]:8443/elections"),
    ):
        config = ServerConfig(public_url=url)
        assert config.public_url == kept
        monkeypatch.setenv("HONESTBALLOT_PUBLIC_URL", url)
        assert ServerConfig().public_url == kept  # `honestballot serve` reads the variable
        assert ServerConfig.from_env().public_url == kept
        assert config.to_env()["HONESTBALLOT_PUBLIC_URL"] == kept
    for bad in (
        "vote.example.org",
        "ftp://vote.example.org",
        "https://vote.example.org/?x=1",
        "https://vote.example.org/a b",
        "https://evil.example'; rm -rf ~; '",
        "https://user@vote.example.org",
        "javascript:alert(1)",
    ):
        with pytest.raises(InvalidInput, match="public URL"):
            ServerConfig(public_url=bad)


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
