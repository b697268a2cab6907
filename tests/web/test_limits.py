"""Body limits and unexpected errors at the edge (:mod:`honestballot.web.security`).

A body sent chunked (no ``Content-Length``) over its route's limit gets the same 413
``too_large`` as a declared one, whatever reads it (FastAPI's JSON parsing, a raw body,
a multipart form), and nothing of it is stored.  An unexpected exception answers 500
``internal_error`` and is logged by type only: its message, which for a database error
holds the SQL parameters, reaches no log and is not re-raised to the server.  A client
that disconnects mid-body is neither: no 500, a debug line at most.  The election has
re-voting protection (the module's, open, through ``voters_web``, or in setup).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy.exc
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import BaseModel
from starlette.types import Message, Receive, Scope, Send

from honestballot.service.activity import export_activity_csv
from honestballot.service.messages.senders import read_outbox
from honestballot.service.voters.revoting import MAX_AUDIT_REQUEST_BYTES, MAX_CAST_REQUEST_BYTES
from honestballot.web.errors import install as install_errors
from honestballot.web.i18n import STRINGS
from honestballot.web.security import DEFAULT_LIMIT, SecurityMiddleware, limit_for
from tests.factories import WEB_ROLL, RevotingElection, WebElection, voter_writes, web_roll_csv
from tests.web.test_organiser import NEW, sign_in_page
from tests.web.test_voter_api import api, csrf_headers, new_client, signed_in

CHUNK = 256 * 1024


def chunked(head: bytes, total: int, tail: bytes = b"") -> Iterator[bytes]:
    """``head``, then padding to ``total`` bytes, then ``tail``, in chunks: a generator
    makes the test client send ``Transfer-Encoding: chunked`` with no ``Content-Length``."""
    yield head
    left = total - len(head) - len(tail)
    while left > 0:
        n = min(CHUNK, left)
        yield b" " * n
        left -= n
    yield tail


def post_chunked_form(
    client: TestClient,
    path: str,
    fields: dict[str, str],
    file: tuple[str, str, str],
    file_start: bytes,
    total: int,
) -> Response:
    """POST a multipart form, chunked, whose file part (name, filename, content type)
    starts with ``file_start`` and is padded until the body has ``total`` bytes."""
    boundary = secrets.token_hex(8)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    name, filename, content_type = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
    )
    head = "".join(parts).encode() + file_start
    tail = f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        path,
        content=chunked(head, total, tail),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )


def assert_too_large(r: Response, limit: int) -> None:
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/json")
    # the client sent no language: the default one's sentence (ru) with the English message
    assert r.json() == {
        "error": {
            "code": "too_large",
            "message": f"the request body is over {limit} bytes",
            "text": STRINGS["error.too_large"][0],
            "lang": "ru",
        }
    }
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_request_is_chunked() -> None:
    """The premise of the tests below: a generator body goes without Content-Length."""
    seen: dict[str, bytes] = {}

    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update((k.decode(), v) for k, v in scope["headers"])
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    r = TestClient(echo).post("/x", content=chunked(b"{", 3 * CHUNK))
    assert r.status_code == 204
    assert "content-length" not in seen and seen["transfer-encoding"] == b"chunked"


def test_chunked_signin_over_the_limit(voters_web: WebElection) -> None:
    web = voters_web
    client = new_client(web)
    headers = {**csrf_headers(web, client), "content-type": "application/json"}
    nid = WEB_ROLL[0][0]
    voter = web.services.roll.voter_by_national_id(web.election_id, nid)
    assert voter is not None and voter.phone
    phone = voter.phone
    sent = _messages_to(web, phone)  # the module's earlier tests' codes
    body = chunked(b'{"national_id": "' + nid.encode() + b'", "pad": "', 2 * DEFAULT_LIMIT, b'"}')
    r = client.post(api(web, "/signin"), content=body, headers=headers)
    assert_too_large(r, DEFAULT_LIMIT)
    web.services.outbox.deliver_pending()
    assert _messages_to(web, phone) == sent
    # under the limit, chunked, the same route works
    small = chunked(b'{"national_id": "' + nid.encode() + b'"}', 0)
    assert client.post(api(web, "/signin"), content=small, headers=headers).status_code == 202
    assert _messages_to(web, phone) == sent + 1


def _messages_to(web: WebElection, destination: str) -> int:
    return sum(1 for m in read_outbox(web.outbox) if m.get("destination") == destination)


@pytest.mark.parametrize(
    ("route", "desk_limit"),
    [("/revoting/ballots", MAX_CAST_REQUEST_BYTES), ("/revoting/audits", MAX_AUDIT_REQUEST_BYTES)],
)
def test_chunked_ballot_over_the_limit(
    protected_web: RevotingElection, voters_web: WebElection, route: str, desk_limit: int
) -> None:
    """The route stops a body over the desk's own limit, and lets one at it through to
    the desk (which refuses this one as broken JSON, not as too large)."""
    web = voters_web
    client = signed_in(web, WEB_ROLL[0][0])
    headers = {**csrf_headers(web, client), "content-type": "application/json"}
    stored = voter_writes(protected_web)
    path = api(web, route)
    limit = limit_for(path)
    assert limit == desk_limit
    r = client.post(path, content=chunked(b"{", limit + CHUNK), headers=headers)
    assert_too_large(r, limit)
    r = client.post(path, content=b"{" + b" " * (limit - 1), headers=headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] != "too_large"
    assert voter_writes(protected_web) == stored



def test_chunked_roll_over_the_limit(protected_setup: RevotingElection) -> None:
    web = protected_setup.web
    path = f"/api/organiser/e/{web.election_id}/roll"
    limit = limit_for(path)
    assert limit > DEFAULT_LIMIT
    # a valid roll at the start: it would import if the rest were not cut off
    headers = {**web.organiser_headers(), "content-type": "text/csv"}
    r = web.client.post(path, content=chunked(web_roll_csv(NEW), limit + 1), headers=headers)
    assert_too_large(r, limit)
    for row in NEW:
        assert web.services.roll.voter_by_national_id(web.election_id, row[0]) is None


def test_chunked_roll_form_over_the_limit(protected_setup: RevotingElection) -> None:
    web = protected_setup.web
    client = TestClient(web.client.app, base_url="http://testserver")
    csrf = sign_in_page(client, web.organiser_token)
    path = f"/organiser/e/{web.election_id}/roll"
    limit = limit_for(path)
    file = ("roll", "roll.csv", "text/csv")
    r = post_chunked_form(client, path, {"csrf": csrf}, file, web_roll_csv(NEW), limit + 1)
    assert_too_large(r, limit)
    assert web.services.roll.voter_by_national_id(web.election_id, NEW[0][0]) is None


def test_chunked_report_over_the_limit(voters_web: WebElection) -> None:
    web = voters_web
    path = f"/e/{web.election_id}/report"
    limit = limit_for(path)
    fields = {"csrf": web.csrf(), "what": "Our manager told us all how to vote, or else."}
    file = ("attachment", "a.txt", "text/plain")
    r = post_chunked_form(web.client, path, fields, file, b"", limit + 1)
    assert_too_large(r, limit)
    assert web.services.reports.pending(web.election_id) == []


# -- unexpected errors -----------------------------------------------------------------------

MARKER = "900101399999-marker@example.org"


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''} {r.exc_info or ''}"
        for r in caplog.records
    )


def test_a_database_error_is_logged_by_type_only(
    voters_web: WebElection, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = voters_web
    caplog.set_level(logging.DEBUG)
    for name in ("uvicorn", "uvicorn.error", "honestballot"):
        caplog.set_level(logging.DEBUG, logger=name)

    def fail() -> list[str]:
        # what SQLAlchemy raises: the statement and its parameters in the message
        raise sqlalchemy.exc.IntegrityError(
            "INSERT INTO voters (national_id, email) VALUES (?, ?)",
            ("900101399999", MARKER),
            Exception(f"UNIQUE constraint failed: {MARKER}"),
        )

    monkeypatch.setattr(web.services.store, "list_elections", fail)
    # raise_server_exceptions is on: before the fix the exception reached the client
    client = TestClient(web.client.app, base_url="http://testserver")
    r = client.get("/")
    assert r.status_code == 500
    assert r.json() == {
        "error": {
            "code": "internal_error",
            "message": "an internal error occurred",
            "text": STRINGS["error.internal_error"][0],
            "lang": "ru",
        }
    }

    assert MARKER not in r.text
    logged = _logged(caplog)
    assert MARKER not in logged and "900101399999" not in logged
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [(r.name, r.getMessage()) for r in errors] == [
        ("honestballot.web", "internal error on GET /: IntegrityError")
    ]
    assert all(r.exc_info is None for r in caplog.records)


PARTIAL = b'{"credential": "00'


def _post_then_disconnect(app: object, path: str, headers: dict[str, str]) -> list[Message]:
    """POST to ``path`` as a client that sends part of the body and then goes away
    (``http.disconnect``, as uvicorn reports a closed connection); what the app sent."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw += [(b"content-type", b"application/json"), (b"content-length", b"4000")]
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("203.0.113.9", 50000),
        "server": ("testserver", 80),
    }
    incoming: list[Message] = [
        {"type": "http.request", "body": PARTIAL, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    return sent


def test_a_client_that_disconnects_mid_body_is_not_an_internal_error(
    protected_web: RevotingElection, voters_web: WebElection, caplog: pytest.LogCaptureFixture
) -> None:
    """Whichever way the route reads its body (the registration, cast and audit through a
    dependency that reads it raw, the sign-in's code through FastAPI's model), a client
    gone mid-body is no fault of the server: no 500, nothing logged above debug, nothing
    stored (no registration, queued object, nonce or ballot, and no sign-in)."""
    caplog.set_level(logging.DEBUG)
    web = voters_web
    client = signed_in(web, WEB_ROLL[0][0])
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    headers = {**csrf_headers(web, client), "cookie": cookies}
    stored = voter_writes(protected_web)
    signed_ins = _activity(web)
    routes = ("/revoting/registrations", "/revoting/ballots", "/revoting/audits", "/session")
    for route in routes:
        sent = _post_then_disconnect(web.client.app, api(web, route), headers)
        # the route got as far as reading the body (past the session and CSRF checks)
        # and answered the disconnect, not the body's shape (that would be a 422)
        assert _answered(sent) == (400, DISCONNECTED[route]), route
    # the same partial body, complete: a shape error, which the disconnect was not
    partial = client.post(
        api(web, "/session"),
        content=PARTIAL,
        headers={**headers, "content-type": "application/json"},
    )
    assert partial.status_code == 422, partial.text
    assert voter_writes(protected_web) == stored
    assert _activity(web) == signed_ins
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.getMessage()) for r in loud] == []



#: what each route answers a client gone mid-body: the app's own handler where the route
#: reads the body itself or through a dependency, FastAPI's where its model reads it
#: (FastAPI turns any exception while reading into this 400; a malformed body is a 422)
_GONE = ("bad_request", "the connection closed before the body was complete")
_FASTAPI_GONE = ("bad_request", "There was an error parsing the body")
DISCONNECTED = {
    "/revoting/registrations": _GONE,
    "/revoting/ballots": _GONE,
    "/revoting/audits": _GONE,
    "/session": _FASTAPI_GONE,
}


def _answered(sent: list[Message]) -> tuple[int, tuple[str, str]]:
    """The one status the app sent and its error's code and English message."""
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert len(statuses) == 1, statuses
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    error = json.loads(body)["error"]
    return statuses[0], (error["code"], error["message"])


def _activity(web: WebElection) -> int:
    """The rows of the election's activity log (a sign-in, refused or not, writes one)."""
    out = io.StringIO()
    return export_activity_csv(web.services.store, web.election_id, out)


async def _raise_before(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError(MARKER)


async def _raise_after(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"partial", "more_body": True})
    raise RuntimeError(MARKER)


def test_an_exception_outside_the_app_is_answered_and_not_reraised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    r = TestClient(SecurityMiddleware(_raise_before)).get("/snapshots/x")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    assert r.headers["x-content-type-options"] == "nosniff"
    r = TestClient(SecurityMiddleware(_raise_after)).get("/x")
    assert r.status_code == 200  # already sent; the middleware does not raise either
    assert MARKER not in _logged(caplog)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "internal error on GET /snapshots/x: RuntimeError",
        "internal error on GET /x: RuntimeError",
    ]


async def _reads_body(scope: Scope, receive: Receive, send: Send) -> None:
    message: Message = {"more_body": True}
    while message.get("more_body"):
        message = await receive()
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_too_large_escaping_a_bare_app_is_still_413() -> None:
    """Outside FastAPI (no exception handler) the middleware answers 413 itself."""
    r = TestClient(SecurityMiddleware(_reads_body)).post(
        "/x", content=chunked(b"", 2 * DEFAULT_LIMIT)
    )
    assert_too_large(r, DEFAULT_LIMIT)


class _Name(BaseModel):
    name: str


def test_under_uvicorn(caplog: pytest.LogCaptureFixture) -> None:
    """The same two answers from a real server, whose own logging is the point."""
    caplog.set_level(logging.DEBUG)
    app = FastAPI()
    install_errors(app)

    @app.post("/api/echo")
    def echo(body: _Name) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/api/fail")
    def fail() -> None:
        raise RuntimeError(MARKER)

    config = uvicorn.Config(
        SecurityMiddleware(app), host="127.0.0.1", port=0, log_config=None, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            body = chunked(b'{"name": "', 2 * DEFAULT_LIMIT, b'"}')
            r = client.post("/api/echo", content=body, headers={"content-type": "application/json"})
            assert_too_large(r, DEFAULT_LIMIT)
            r = client.get("/api/fail")
            assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    finally:
        server.should_exit = True
        thread.join(10)
    logged = _logged(caplog)
    assert MARKER not in logged
    assert "Exception in ASGI application" not in logged
    assert "internal error on GET /api/fail: RuntimeError" in logged
