"""A database that cannot be reached (down, its file gone, its disk full) is 503
``storage_unavailable`` with ``Retry-After``, not a 500, and ``/healthz`` says so; on
SQLite and PostgreSQL.

The store's engine is swapped for one that cannot connect (a closed PostgreSQL port, a
SQLite file in a directory that does not exist), as a database that went away would be,
under the module's election with re-voting protection (``voters_web``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import create_engine

from tests.factories import WEB_ROLL, WebElection
from tests.web.test_voter_api import api, csrf_headers, new_client, signed_in

AIGERIM = WEB_ROLL[0][0]


@contextmanager
def database_down(web: WebElection) -> Iterator[None]:
    store = web.services.store
    working = store.engine
    if store.is_sqlite:
        url = "sqlite:////nonexistent-honestballot-dir/store.sqlite"
    else:
        url = "postgresql+psycopg://127.0.0.1:1/honestballot?connect_timeout=2"
    store.engine = create_engine(url)
    try:
        yield
    finally:
        store.engine.dispose()
        store.engine = working


def _unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0


def test_a_database_that_is_down_is_503_with_retry_after(
    voters_web: WebElection, caplog: pytest.LogCaptureFixture
) -> None:
    web = voters_web
    assert web.client.get("/healthz").json() == {"status": "ok"}
    client = signed_in(web, AIGERIM)
    headers = csrf_headers(web, client)
    with database_down(web), caplog.at_level("DEBUG", logger="honestballot"):
        for r in (
            web.client.get("/healthz"),
            client.get(api(web, "/me")),
            web.client.get(api(web, "/board"), params={"q": "0" * 8}),
            client.post(api(web, "/signin"), json={"national_id": AIGERIM}, headers=headers),
            client.post(api(web, "/revoting/registration-start"), headers=headers),
            web.client.get(api(web, f"/revoting/ballots/{'0' * 64}")),
        ):
            _unavailable(r)
            error = r.json()["error"]
            assert error["code"] == "storage_unavailable", r.text
            assert "postgresql" not in error["message"] and "sqlite" not in error["message"]
        page = new_client(web).get(
            f"/e/{web.election_id}/board", params={"q": "0" * 8}, headers={"accept": "text/html"}
        )
        _unavailable(page)
        assert 'data-code="storage_unavailable"' in page.text
        for language, words in (
            ("ru", "Сервис временно недоступен"),
            ("kk", "Қызмет уақытша қолжетімсіз"),
            ("en", "The service is briefly unavailable"),
        ):
            translated = new_client(web).get(
                f"/e/{web.election_id}/board",
                params={"q": "0" * 8, "lang": language},
                headers={"accept": "text/html"},
            )
            _unavailable(translated)
            assert words in translated.text
    assert "internal error" not in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert "storage unavailable" in caplog.text
    # and back when the database is
    assert web.client.get("/healthz").json() == {"status": "ok"}
    assert client.get(api(web, "/me")).status_code == 200
