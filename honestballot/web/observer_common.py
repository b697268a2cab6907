"""What the observer's routers (:mod:`observer`, :mod:`results`, :mod:`reports`) share:
the page frame every observer page is drawn in, and times shown in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from honestballot.service.runtime import Services
from honestballot.web.i18n import language_of
from honestballot.web.pages import render


def utc(time_ms: int) -> str:
    """A time in milliseconds since the epoch as ``YYYY-MM-DD HH:MM:SS`` (UTC)."""
    return datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _page_election(services: Services, row: dict[str, Any], lang: str) -> dict[str, Any]:
    ctx = services.elections.context(str(row["election_id"]))
    return {
        "id": ctx.manifest.election_id,
        "title": ctx.manifest.title.get(lang),
        "phase": str(row["phase"]),
        "fingerprint": ctx.base_hash.hex()[:16],
    }


def page(
    request: Request,
    template: str,
    services: Services,
    row: dict[str, Any],
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    """An observer page for the election in ``row`` (from :func:`trustee.election_row`)."""
    election = _page_election(services, row, language_of(request))
    return render(request, template, status, election=election, **extra)
