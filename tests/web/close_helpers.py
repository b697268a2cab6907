"""The trustees' side of the close of an election with re-voting protection, for the web
tests: kept in tests/factories.py (the closed record there runs the close too), named
here for the modules that import them from here."""

from __future__ import annotations

from tests.factories import post_close, run_close, send_close, trustee_keys

__all__ = ["post_close", "run_close", "send_close", "trustee_keys"]
