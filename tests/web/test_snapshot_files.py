"""The ``/snapshots/`` fast path (``honestballot.web.snapshot_files``) on the real app: the
file's bytes with a strong ETag, a short public max-age and the security headers; 304 on
``If-None-Match``; a rewritten file served after the re-stat interval (with an injected
clock) and not before; HEAD without a body; 405 for other methods; no file outside the
directory, however the path is spelled; 404 in the API's error format; a bounded cache;
no request path in the log.

The fast path never touches the database, so these tests run on SQLite only, each on an
app of its own (they set its clocks and write into its snapshot directory) with the web
election with re-voting protection on it, whose turnout snapshot is served.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from honestballot.service.files import write_atomically
from honestballot.web.security import CSP
from honestballot.web.snapshot_files import SnapshotFiles, etag_of
from tests.factories import SMALL_SCHEDULE, DemoCeremony, WebElection, protected_election

SECRET = b'{"secret": "must never be served"}'


@pytest.fixture
def snapshot_app(web_ceremony: DemoCeremony, tmp_path: Path) -> Iterator[WebElection]:
    """The app on a SQLite file with the web election with re-voting protection, open."""
    with protected_election(
        web_ceremony, tmp_path, "snapshot files", schedule=SMALL_SCHEDULE
    ) as election:
        yield election.web


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def files_of(web: WebElection) -> SnapshotFiles:
    # security middleware -> client address -> snapshot files
    inner = web.client.app.app.app  # type: ignore[attr-defined]
    assert isinstance(inner, SnapshotFiles)
    return inner


def snapshot_dir(web: WebElection) -> Path:
    return web.services.config.snapshot_dir


def asgi_get(
    web: WebElection,
    path: str,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request straight into the served ASGI stack with an exact, already decoded path
    (as uvicorn would pass it), for paths an HTTP client would normalise."""
    messages: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": b"",
        "root_path": "",
        "headers": headers or [],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(web.client.app(scope, receive, send))  # type: ignore[arg-type]
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], dict(start["headers"]), body


def assert_security_headers(headers: Any) -> None:
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_snapshot_served_with_headers(snapshot_app: WebElection) -> None:
    web = snapshot_app
    web.services.snapshots.run_once()
    path = snapshot_dir(web) / web.election_id / "turnout.json"
    r = web.client.get(f"/snapshots/{web.election_id}/turnout.json")
    assert r.status_code == 200
    assert r.content == path.read_bytes()
    assert r.json()["election_id"] == web.election_id
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-length"] == str(path.stat().st_size)
    assert r.headers["etag"] == etag_of(path.read_bytes()).decode()
    assert r.headers["etag"].startswith('"') and not r.headers["etag"].startswith("W/")
    assert r.headers["cache-control"] == "public, max-age=3"  # the snapshot interval
    assert_security_headers(r.headers)

    index = web.client.get("/snapshots/elections.json")
    assert index.status_code == 200
    assert index.content == (snapshot_dir(web) / "elections.json").read_bytes()
    assert index.headers["etag"] != r.headers["etag"]


def test_if_none_match_gives_304_without_a_body(snapshot_app: WebElection) -> None:
    web = snapshot_app
    web.services.snapshots.run_once()
    url = f"/snapshots/{web.election_id}/turnout.json"
    etag = web.client.get(url).headers["etag"]
    for value in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        r = web.client.get(url, headers={"if-none-match": value})
        assert r.status_code == 304, value
        assert r.content == b""
        assert r.headers["etag"] == etag
        assert r.headers["cache-control"] == "public, max-age=3"
        assert_security_headers(r.headers)
    r = web.client.get(url, headers={"if-none-match": '"not-the-tag"'})
    assert r.status_code == 200 and r.headers["etag"] == etag
    status, _, body = asgi_get(web, url, "HEAD", [(b"if-none-match", etag.encode())])
    assert status == 304 and body == b""


def test_rewritten_file_served_after_the_recheck_interval(snapshot_app: WebElection) -> None:
    web = snapshot_app
    files = files_of(web)
    clock = FakeClock()
    files.clock = clock
    path = snapshot_dir(web) / "live.json"
    write_atomically(path, b'{"voted": 1}\n')
    first = web.client.get("/snapshots/live.json")
    assert first.content == b'{"voted": 1}\n'

    write_atomically(path, b'{"voted": 22}\n')  # a new inode, renamed into place
    clock.now += files.recheck_s / 2
    cached = web.client.get("/snapshots/live.json")
    assert cached.content == b'{"voted": 1}\n'  # not even stat'ed again yet

    clock.now += files.recheck_s
    fresh = web.client.get("/snapshots/live.json")
    assert fresh.content == b'{"voted": 22}\n'
    assert fresh.headers["content-length"] == "14"
    assert fresh.headers["etag"] != first.headers["etag"]
    again = web.client.get("/snapshots/live.json", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 200 and again.content == b'{"voted": 22}\n'

    path.unlink()  # a file that goes away stops being served after the interval
    clock.now += files.recheck_s * 2
    assert web.client.get("/snapshots/live.json").status_code == 404
    assert "live.json" not in files._cache


def test_the_real_writer_and_the_real_clock(snapshot_app: WebElection) -> None:
    web = snapshot_app
    files = files_of(web)
    files.recheck_s = 0.05
    web.services.snapshots.run_once()
    url = f"/snapshots/{web.election_id}/turnout.json"
    before = web.client.get(url).json()["generated_ms"]
    web.services.snapshots.clock = lambda: before + 1234
    web.services.snapshots.run_once()
    time.sleep(0.1)
    assert web.client.get(url).json()["generated_ms"] == before + 1234


def test_head_has_headers_and_no_body(snapshot_app: WebElection) -> None:
    web = snapshot_app
    web.services.snapshots.run_once()
    url = f"/snapshots/{web.election_id}/turnout.json"
    size = (snapshot_dir(web) / web.election_id / "turnout.json").stat().st_size
    r = web.client.head(url)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-length"] == str(size)
    assert r.headers["content-type"] == "application/json"
    status, headers, body = asgi_get(web, url, "HEAD")
    assert status == 200 and body == b"" and headers[b"content-length"] == str(size).encode()
    assert headers[b"etag"]


def test_other_methods_are_405(snapshot_app: WebElection) -> None:
    web = snapshot_app
    web.services.snapshots.run_once()
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        r = web.client.request(method, "/snapshots/elections.json")
        assert r.status_code == 405, method
        assert r.headers["allow"] == "GET, HEAD"
        assert r.headers["content-type"] == "application/json"
        assert r.json()["error"]["code"] == "method_not_allowed"
        assert_security_headers(r.headers)


def test_missing_file_is_404_json(snapshot_app: WebElection) -> None:
    web = snapshot_app
    web.services.snapshots.run_once()
    for url in (
        "/snapshots/no-such-election/turnout.json",
        "/snapshots/nothing.json",
        f"/snapshots/{web.election_id}",  # a directory
        f"/snapshots/{web.election_id}/",
        "/snapshots/",
    ):
        r = web.client.get(url)
        assert r.status_code == 404, url
        assert r.headers["content-type"] == "application/json"
        assert r.json() == {"error": {"code": "not_found", "message": "no such snapshot"}}
        assert_security_headers(r.headers)
    head = web.client.head("/snapshots/nothing.json")
    assert head.status_code == 404 and head.content == b""


def test_no_file_outside_the_directory(snapshot_app: WebElection) -> None:
    web = snapshot_app
    directory = snapshot_dir(web)
    web.services.snapshots.run_once()
    (directory.parent / "secret.json").write_bytes(SECRET)
    (directory / ".hidden.json").write_bytes(SECRET)  # like the writer's temporary files
    os.symlink(directory.parent / "secret.json", directory / "link.json")
    os.symlink(directory.parent, directory / "up")
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_bytes()

    over_http = (
        "/snapshots/../pyproject.toml",
        "/snapshots/%2e%2e/pyproject.toml",
        "/snapshots/%2e%2e%2fpyproject.toml",
        "/snapshots/%2E%2E/secret.json",
        "/snapshots/%252e%252e/secret.json",
        "/snapshots/..%2fsecret.json",
        "/snapshots/%2fetc%2fpasswd",
        "/snapshots/..%5csecret.json",
        "/snapshots/%5c..%5csecret.json",
        "/snapshots/elections.json%00",
        "/snapshots/.hidden.json",
        "/snapshots/link.json",
        "/snapshots/up/secret.json",
        f"/snapshots/{web.election_id}/../../secret.json",
    )
    for url in over_http:
        r = web.client.get(url)
        assert r.status_code in (400, 404), url
        assert SECRET not in r.content and b"[tool." not in r.content and b"root:" not in r.content
        assert r.content != pyproject

    exact = (  # decoded paths as uvicorn hands them over
        "/snapshots/../secret.json",
        "/snapshots/../../../../etc/passwd",
        "/snapshots//etc/passwd",
        f"/snapshots/{directory.parent / 'secret.json'}",
        "/snapshots/..\\secret.json",
        "/snapshots/elections.json\x00",
        "/snapshots/./elections.json",
        "/snapshots/%2e%2e/secret.json",
        "/snapshots/up/secret.json",
    )
    for path in exact:
        status, headers, body = asgi_get(web, path)
        assert status == 404, path
        assert SECRET not in body and b"root:" not in body
        assert headers[b"content-type"] == b"application/json"
    assert "secret.json" not in " ".join(files_of(web)._cache)


def test_cache_is_bounded(tmp_path: Path) -> None:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the inner app is not called for /snapshots/")

    for i in range(10):
        (tmp_path / f"{i}.json").write_bytes(b"[%d]" % i)
    files = SnapshotFiles(inner, tmp_path, max_entries=3)
    for i in range(10):
        assert files.lookup(f"{i}.json") is not None
        assert len(files) <= 3
    for i in range(1000):
        assert files.lookup(f"missing-{i}.json") is None
    assert len(files) <= 3  # paths that do not exist are never cached

    small = SnapshotFiles(inner, tmp_path, max_bytes=8)
    for i in range(10):
        assert small.lookup(f"{i}.json") is not None
    assert sum(len(e.body) for e in small._cache.values()) <= 8


def test_everything_else_goes_to_the_app(snapshot_app: WebElection) -> None:
    web = snapshot_app
    assert web.client.get("/healthz").json() == {"status": "ok"}
    assert web.client.get("/static/observer.js").status_code == 200
    r = web.client.get("/snapshots")  # no trailing slash: not the fast path
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert "/snapshots" not in str(web.client.get("/openapi.json").json()["paths"])


def test_request_paths_are_not_logged(
    snapshot_app: WebElection, caplog: pytest.LogCaptureFixture
) -> None:
    web = snapshot_app
    caplog.set_level(logging.DEBUG)
    web.services.snapshots.run_once()
    web.client.get("/snapshots/zz-marker-path.json")
    web.client.get(f"/snapshots/{web.election_id}/turnout.json")
    web.client.post("/snapshots/zz-marker-path.json")
    server = [r for r in caplog.records if not r.name.startswith("httpx")]  # not the client's
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in server)
    assert "zz-marker-path" not in logged
