"""A running web service for tests: the ASGI app over a fresh database (SQLite and
PostgreSQL), a file sender whose outbox the tests read codes from, one election made
from the demo manifest with a key ceremony, and a small roll.

``WebElection.sign_in(client, national_id)`` signs a voter in through the JSON API
exactly as the ballot page does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from honestballot.service.messages.senders import latest_code_for
from honestballot.service.runtime import ServerConfig, Services
from honestballot.web.app import asgi
from tests.databases import KINDS, fresh_database
from tests.helpers import DemoCeremonies, DemoCeremony

ELECTION = "web-test"

#: national_id, name, phone, email, unit
ROLL = [
    ("900101300001", "Aigerim Test", "+7 701 000 0001", "a1@example.org", "station-1"),
    ("900101300002", "Boris Test", "+7 701 000 0002", "", "station-1"),
    ("900101300003", "Clara Test", "", "c3@example.org", "station-2"),
    ("900101300004", "Daniyar Test", "87010000004", "d4@example.org", "station-3"),
    ("900101300005", "Elena Test", "+7 701 000 0005", "", "station-4"),
    ("900101300006", "Farid Test", "+7 701 000 0006", "", "station-small"),
]


def roll_csv(rows: list[tuple[str, str, str, str, str]] = ROLL) -> bytes:
    lines = ["national_id,name,phone,email,unit"] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="session")
def web_ceremony(demo_ceremony: DemoCeremonies) -> DemoCeremony:
    """The key ceremony of the election every web test runs."""
    return demo_ceremony(ELECTION)


@dataclass
class WebElection:
    client: TestClient
    services: Services
    election_id: str
    outbox: Path
    organiser_token: str
    ceremony: DemoCeremony
    database_url: str
    extra: dict[str, Any] = field(default_factory=dict)

    def organiser_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.organiser_token}"}

    def csrf(self, client: TestClient | None = None) -> str:
        c = client or self.client
        r = c.get("/api/csrf")
        assert r.status_code == 200, r.text
        token: str = r.json()["csrf"]
        return token

    def code_for(self, destination: str) -> str | None:
        return latest_code_for(self.outbox, destination)

    def sign_in(self, client: TestClient, national_id: str) -> dict[str, Any]:
        """Request a code, read it from the outbox, exchange it for a session."""
        token = self.csrf(client)
        headers = {"x-csrf-token": token}
        r = client.post(
            f"/api/e/{self.election_id}/signin", json={"national_id": national_id}, headers=headers
        )
        assert r.status_code == 202, r.text
        voter = self.services.roll.voter_by_national_id(self.election_id, national_id)
        assert voter is not None
        destination = voter.phone or voter.email
        assert destination is not None
        code = self.code_for(destination)
        assert code is not None, "no code was sent"
        r = client.post(
            f"/api/e/{self.election_id}/session",
            json={"national_id": national_id, "code": code},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def context(self) -> dict[str, Any]:
        r = self.client.get(f"/api/e/{self.election_id}/context")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


def _make(
    ceremony: DemoCeremony, tmp_path: Path, url: str, *, open_: bool
) -> Iterator[WebElection]:
    outbox = tmp_path / "outbox"
    config = ServerConfig(
        database_url=url,
        sender=f"file:{outbox}",
        snapshot_dir=tmp_path / "snapshots",
        background=False,
        tree_head_interval_s=0.0,  # sign a head whenever a receipt check needs one
    )
    app = asgi(config)
    with TestClient(app, base_url="http://testserver") as client:
        services: Services = app.app.state.services  # type: ignore[attr-defined]
        services.elections.create(ceremony.manifest, ceremony.key)
        services.roll.import_csv(ELECTION, roll_csv())
        token = str(services.organisers.create_token("test organiser"))
        if open_:
            services.elections.open(
                ELECTION, roll=lambda conn: services.roll.summary_body(ELECTION, conn)
            )
        yield WebElection(client, services, ELECTION, outbox, token, ceremony, url)


@pytest.fixture(params=KINDS)
def web(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[WebElection]:
    """An open election on a running app, once on SQLite and once on PostgreSQL."""
    with fresh_database(request.param, tmp_path / "db") as url:
        yield from _make(web_ceremony, tmp_path, url, open_=True)


@pytest.fixture(params=KINDS)
def web_setup(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[WebElection]:
    """The same election still in setup (roll imported, not open)."""
    with fresh_database(request.param, tmp_path / "db") as url:
        yield from _make(web_ceremony, tmp_path, url, open_=False)


def as_json(obj: Any) -> bytes:
    return json.dumps(obj).encode()
