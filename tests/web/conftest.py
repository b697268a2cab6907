"""Fixtures for the web tests: a running web service, the ASGI app over a fresh database
(SQLite and PostgreSQL), a file sender whose outbox the tests read codes from, one
election made from the demo manifest with a key ceremony, and a small roll (the builders
are in tests/factories.py); for the browser tests, one Chromium per module.

``WebElection.sign_in(client, national_id)`` signs a voter in through the JSON API
exactly as the ballot page does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.databases import KINDS, fresh_database
from tests.factories import (
    WEB_ELECTION,
    DemoCeremonies,
    DemoCeremony,
    WebElection,
    key_ceremony,
    open_web_election,
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
    """An open election on a running app, once on SQLite and once on PostgreSQL."""
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        open_web_election(web_ceremony, tmp_path, url, open_=True) as election,
    ):
        yield election


@pytest.fixture(params=KINDS)
def web_setup(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[WebElection]:
    """The same election still in setup (roll imported, not open)."""
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        open_web_election(web_ceremony, tmp_path, url, open_=False) as election,
    ):
        yield election


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
