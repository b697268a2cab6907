"""Fixtures for the web tests: a running web service, the ASGI app over a fresh database
(SQLite and PostgreSQL), a file sender whose outbox the tests read codes from, and the
key ceremony of the demo manifest's election (the builders are in tests/factories.py);
for the browser tests, one Chromium per module.

``protected_web``: the same election with re-voting protection (its roll, letters and
organiser's key: factories.open_revoting_election, small batches), open, one per module
and database; a test takes it through ``voters_web``, which gives the app with the rate
limits' windows emptied, the client's cookies cleared and the sign-in's clock and sender
put back after the test, so that the module's tests, which sign voters in and run into
the limits, do not see each other's.
``protected_setup``: that election still in setup (roll imported, no encrypted roll kept),
one per module and database, for tests that leave it as they found it; ``fresh_setup``:
the same, one per test, for a test that changes it.  ``web_app``: the
app alone, no election on it, shared by the module's tests; ``web``: the same, of the
test's own.

``WebElection.sign_in(client, national_id)`` signs a voter in through the JSON API
exactly as the ballot page does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.databases import KINDS, fresh_database
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ELECTION,
    DemoCeremonies,
    DemoCeremony,
    RevotingElection,
    WebElection,
    key_ceremony,
    open_web_app,
    protected_election,
    ranked_web_manifest,
)
from tests.web.chromium import launch


@pytest.fixture(scope="session")
def web_ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    """The key ceremony of the election every web test runs."""
    return demo_ceremony(WEB_ELECTION)


@pytest.fixture(scope="session")
def ranked_ceremony(tmp_path_factory: pytest.TempPathFactory) -> DemoCeremony:
    """The key ceremony of the web tests' ranked election (factories.ranked_web_manifest)."""
    return key_ceremony(ranked_web_manifest(), tmp_path_factory.mktemp("ranked-web"), "ranked-web")


@pytest.fixture(params=KINDS)
def web(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[WebElection]:
    """The app with no election on it, of the test's own, once on SQLite and once on
    PostgreSQL (for a test that creates elections on it)."""
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        open_web_app(web_ceremony, tmp_path, url) as app,
    ):
        yield app


@pytest.fixture(scope="module", params=KINDS)
def protected_web(
    request: pytest.FixtureRequest,
    web_ceremony: DemoCeremony,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RevotingElection]:
    """The web election with re-voting protection, open, shared by the module's tests
    (once on SQLite, once on PostgreSQL); take it through ``voters_web``."""
    directory = tmp_path_factory.mktemp("protected-web")
    with (
        fresh_database(request.param, directory / "db") as url,
        protected_election(
            web_ceremony, directory, "web voters", url=url, schedule=SMALL_SCHEDULE
        ) as election,
    ):
        yield election


@pytest.fixture
def voters_web(protected_web: RevotingElection) -> Iterator[WebElection]:
    """``protected_web``'s app and election for one test: no rate-limit window counts
    earlier tests' hits, its client holds no cookie of theirs (language, session), and the
    sign-in's clock and sender, which a test may replace, are put back."""
    services = protected_web.web.services
    clock, sender = services.signin.clock, services.signin.sender
    services.signin.limiter.purge(2**62)
    protected_web.web.client.cookies.clear()
    yield protected_web.web
    services.signin.clock, services.signin.sender = clock, sender


@contextmanager
def _in_setup(
    kind: str, ceremony: DemoCeremony, directory: Path, seed: str
) -> Iterator[RevotingElection]:
    """The web election with re-voting protection in setup (the roll imported, no
    encrypted roll kept) on an app of its own over a fresh database of ``kind``."""
    with (
        fresh_database(kind, directory / "db") as url,
        protected_election(
            ceremony, directory, seed, url=url, schedule=SMALL_SCHEDULE,
            open_=False, keep_roll=False,
        ) as election,
    ):  # fmt: skip
        yield election


@pytest.fixture(scope="module", params=KINDS)
def protected_setup(
    request: pytest.FixtureRequest,
    web_ceremony: DemoCeremony,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RevotingElection]:
    """The web election with re-voting protection in setup (the roll imported, no
    encrypted roll kept), shared by the module's tests, which must leave it in setup."""
    directory = tmp_path_factory.mktemp("protected-setup")
    with _in_setup(request.param, web_ceremony, directory, "web setup") as election:
        yield election


@pytest.fixture(params=KINDS)
def fresh_setup(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[RevotingElection]:
    """The same election on an app of the test's own, for a test that changes it (its
    roll, its phase, other elections beside it); ``RevotingElection.roll_again`` makes
    the encrypted roll that lets it open."""
    with _in_setup(request.param, web_ceremony, tmp_path, "fresh setup") as election:
        yield election


@pytest.fixture(scope="module", params=KINDS)
def web_app(
    request: pytest.FixtureRequest,
    web_ceremony: DemoCeremony,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WebElection]:
    """The app with no election on it, shared by the module's tests."""
    directory = tmp_path_factory.mktemp("web-app")
    with (
        fresh_database(request.param, directory / "db") as url,
        open_web_app(web_ceremony, directory, url) as web,
    ):
        yield web


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One Chromium for the browser tests of a module: launching it for each test cost
    a few seconds a time.  Each test opens contexts of its own (``browser``), so no
    cookie, storage or cache passes from one test to the next."""
    with sync_playwright() as playwright:
        launched = launch(playwright)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser(chromium: Browser) -> Iterator[Browser]:
    """The module's Chromium; the contexts the test opened are closed after it."""
    assert not chromium.contexts, "a context of an earlier test is still open"
    yield chromium
    for context in list(chromium.contexts):
        context.close()
