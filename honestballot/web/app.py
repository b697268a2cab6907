"""The ASGI application: ``create_app(config)``, and ``app_from_env`` for uvicorn workers.

Routers: :mod:`voter_api`, :mod:`voter_revoting_api` and :mod:`voter_pages` (sign-in,
ballot, receipt), :mod:`observer` (board, turnout, record, tree heads), :mod:`results`,
:mod:`reports` (anonymous reports), :mod:`organiser_api` and :mod:`organiser_pages`
(elections, roll, phases, reports, audit), :mod:`trustee` (encrypted tally, decryption
shares).  Errors become JSON (or an error page) in one place, :mod:`errors`.  Turnout
snapshots are static files under ``/snapshots``, written by a background thread, never
computed on request, and served from memory by :mod:`snapshot_files` in front of the
FastAPI app (inside the security middleware), so that observers' reads do not go through
routing or worker threads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from honestballot.service.messages.senders import Sender
from honestballot.service.runtime import ServerConfig, Services
from honestballot.web import (
    errors,
    observer,
    organiser_api,
    organiser_manifest,
    organiser_pages,
    paper_pages,
    reports,
    results,
    stations,
    trustee,
    voter_api,
    voter_pages,
    voter_revoting_api,
)
from honestballot.web.client_address import ClientAddress
from honestballot.web.deps import csrf_for, set_cookies
from honestballot.web.pages import render
from honestballot.web.security import SecurityMiddleware
from honestballot.web.snapshot_files import SnapshotFiles

STATIC = Path(__file__).with_name("static")


def create_app(config: ServerConfig, *, sender: Sender | None = None) -> FastAPI:
    services = Services(config, sender)
    config.snapshot_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if config.background:
            services.start_background()
        try:
            yield
        finally:
            services.stop()

    app = FastAPI(
        title="honestballot",
        version="1",
        summary="Verifiable online elections: voters, organisers, trustees and observers.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # no OpenTelemetry from FastAPI: nothing here exports it, and asking on every
        # request whether some provider was configured cost about 8 % of a light
        # request's CPU (docs/performance.md, "Service CPU per voter")
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.services = services
    errors.install(app)

    # first among the routes: the ballot page's first request is matched at once rather
    # than after every included router's routes
    @app.get("/api/csrf", summary="A CSRF token for this visitor (sets the visitor cookie)")
    async def csrf(request: Request) -> JSONResponse:
        """Two MACs and no I/O (the key is read at start-up): answered on the event loop,
        without a hand-off to a worker thread."""
        response = JSONResponse({"csrf": csrf_for(request)})
        set_cookies(request, response)
        return response

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        voter_api,
        voter_revoting_api,
        voter_pages,
        observer,
        results,
        reports,
        organiser_api,
        organiser_pages,
        stations,
        paper_pages,
        organiser_manifest,
        trustee,
    ):
        app.include_router(module.router)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        elections = []
        for election_id in services.board.election_ids():
            ctx = services.elections.context(election_id)
            elections.append(
                {
                    "election_id": election_id,
                    "title": ctx.manifest.title.get(request.query_params.get("lang", "ru")),
                    "phase": services.elections.phase(election_id),
                }
            )
        return render(request, "index.html", elections=elections)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """ok when the database answers; 503 ``storage_unavailable`` when not."""
        services.check_storage()
        return {"status": "ok"}

    # /snapshots/… is answered in front of the app, everything else goes through to it
    snapshots = SnapshotFiles(app, config.snapshot_dir, max_age_s=config.snapshot_interval_s)
    wrapped = SecurityMiddleware(ClientAddress(snapshots, config.trusted_proxies))
    app.state.asgi = wrapped
    return app


def asgi(config: ServerConfig, *, sender: Sender | None = None) -> SecurityMiddleware:
    """The application with its security middleware, as served."""
    app = create_app(config, sender=sender)
    wrapped: SecurityMiddleware = app.state.asgi
    return wrapped


def app_from_env() -> SecurityMiddleware:
    """Factory for uvicorn worker processes (``honestballot serve --workers N``)."""
    return asgi(ServerConfig.from_env())
