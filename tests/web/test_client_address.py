"""The client's address behind reverse proxies (issue 13, item 3: forged client addresses).

The client writes the leftmost ``X-Forwarded-For`` entry itself.  Behind a trusted proxy
the client is the rightmost hop that is not a trusted proxy, so a forged first hop changes
neither the per-address rate limits nor the addresses in the activity log the integrity
audit reads; from a peer that is not a trusted proxy the header is ignored.  The election
has re-voting protection: the module's (``voters_web``), whose activity log each test
reads from where it found it (``logged``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from starlette.types import Receive, Scope, Send

from honestballot.service.activity import export_activity_csv
from honestballot.service.runtime import ServerConfig
from honestballot.service.security.proxies import TrustedProxies
from honestballot.web.app import asgi
from honestballot.web.client_address import ClientAddress
from tests.factories import WEB_ROLL, WebElection
from tests.helpers import run_cli

BORIS = WEB_ROLL[1][0]
WRONG_CODE = "000000"
REAL = "198.51.100.7"  # the voter, as the trusted proxy saw it
PROXY = "10.0.0.5"


@contextmanager
def behind(web: WebElection, tmp_path: Path, peer: str, *trusted: str) -> Iterator[TestClient]:
    """A second server process over the election's database that trusts ``trusted``,
    reached from the socket address ``peer``."""
    config = ServerConfig(
        database_url=web.database_url,
        sender=f"file:{web.outbox}",
        snapshot_dir=tmp_path / "proxied-snapshots",
        background=False,
        trusted_proxies=TrustedProxies.parse(trusted),
    )
    with TestClient(asgi(config), base_url="http://testserver", client=(peer, 40000)) as client:
        yield client


def ask_code(web: WebElection, client: TestClient, forwarded: str) -> None:
    """Boris's browser asks for a code (a code is checked only against the request of the
    browser that asked for it, whose id its ``hb_signin`` cookie carries)."""
    r = client.post(
        f"/api/e/{web.election_id}/signin",
        json={"national_id": BORIS},
        headers={"x-csrf-token": web.csrf(client), "x-forwarded-for": forwarded},
    )
    assert r.status_code == 202, r.text


def check_code(web: WebElection, client: TestClient, forwarded: str | None) -> Response:
    headers = {"x-csrf-token": web.csrf(client)}
    if forwarded is not None:
        headers["x-forwarded-for"] = forwarded
    return client.post(
        f"/api/e/{web.election_id}/session",
        json={"national_id": BORIS, "code": WRONG_CODE},
        headers=headers,
    )


def logged_addresses(web: WebElection) -> list[str]:
    """The ``address`` column of the activity log as exported for the integrity audit."""
    out = io.StringIO()
    export_activity_csv(web.services.store, web.election_id, out)
    return [row["address"] for row in csv.DictReader(io.StringIO(out.getvalue()))]


@pytest.fixture
def logged(voters_web: WebElection) -> Callable[[], list[str]]:
    """The addresses of the activity log's rows written since the test began (the
    module's tests share the election and its log)."""
    before = len(logged_addresses(voters_web))
    return lambda: logged_addresses(voters_web)[before:]


def first_limited(answers: list[Response]) -> int | None:
    codes = [a.status_code for a in answers]
    assert set(codes) <= {401, 429}, codes
    return codes.index(429) if 429 in codes else None


def test_a_forged_first_hop_does_not_escape_the_per_address_limit(
    voters_web: WebElection, logged: Callable[[], list[str]], tmp_path: Path
) -> None:
    """100 code checks from one voter behind the proxy, each with a different forged
    first hop, meet the per-address limit where the control does: after 60."""
    web = voters_web
    with behind(web, tmp_path, PROXY, "10.0.0.0/8") as client:
        ask_code(web, client, f"203.0.113.250, {REAL}")
        forged = [check_code(web, client, f"203.0.113.{i}, {REAL}") for i in range(100)]
    with behind(web, tmp_path, PROXY, "10.0.0.0/8") as client:
        ask_code(web, client, "192.0.2.44")
        control = [check_code(web, client, "192.0.2.44") for _ in range(100)]
    assert first_limited(control) == 60
    assert first_limited(forged) == 60
    addresses = logged()
    assert set(addresses) == {REAL, "192.0.2.44"}, set(addresses)


def test_the_activity_log_records_the_real_client(
    voters_web: WebElection, logged: Callable[[], list[str]], tmp_path: Path
) -> None:
    """A whole sign-in with a forged first hop: every row the audit reads has the
    address the proxy saw."""
    web = voters_web
    with behind(web, tmp_path, PROXY, "10.0.0.0/8") as client:
        client.headers["x-forwarded-for"] = f"203.0.113.99, {REAL}"
        web.sign_in(client, BORIS)
    addresses = logged()
    assert addresses and set(addresses) == {REAL}, addresses


def test_an_untrusted_peer_is_taken_at_its_address(
    voters_web: WebElection, logged: Callable[[], list[str]], tmp_path: Path
) -> None:
    """The header of a peer that is not a trusted proxy is ignored, whatever it says."""
    web = voters_web
    with behind(web, tmp_path, "192.0.2.50", "10.0.0.0/8") as client:
        ask_code(web, client, REAL)
        for forwarded in ("203.0.113.9", f"203.0.113.9, {PROXY}", f"{REAL}, 10.0.0.6"):
            assert check_code(web, client, forwarded).status_code == 401
    assert logged() == ["192.0.2.50"] * 4


def test_ipv6_proxies_and_clients(
    voters_web: WebElection, logged: Callable[[], list[str]], tmp_path: Path
) -> None:
    """IPv6 networks are trusted like IPv4 ones and addresses are normalised: one
    client, however its proxy spells it, has one address."""
    web = voters_web
    with behind(web, tmp_path, "2001:db8:1::5", "2001:db8:1::/48") as client:
        ask_code(web, client, "2001:db8:2::7")
        for spelling in ("2001:0DB8:0002::0007", "[2001:db8:2:0::7]:51000"):
            assert check_code(web, client, f"2001:db8:ffff::1, {spelling}").status_code == 401
        mapped = check_code(web, client, f"2001:db8:ffff::1, ::ffff:{REAL}, 2001:db8:1::9")
        assert mapped.status_code == 401
    assert logged() == ["2001:db8:2::7"] * 3 + [REAL]


def test_a_chain_of_two_trusted_proxies(
    voters_web: WebElection, logged: Callable[[], list[str]], tmp_path: Path
) -> None:
    """Voter -> edge proxy (172.16.0.9) -> inner proxy (10.0.0.5) -> server: the client
    is the hop the edge proxy saw; a malformed hop stops the walk at the proxy that
    passed it on, never at the value the client wrote."""
    web = voters_web
    with behind(web, tmp_path, PROXY, "10.0.0.0/8", "172.16.0.0/12") as client:
        ask_code(web, client, f"{REAL}, 172.16.0.9")
        assert check_code(web, client, f"203.0.113.1, {REAL}, 172.16.0.9").status_code == 401
        assert check_code(web, client, "203.0.113.1, not-an-ip, 172.16.0.9").status_code == 401
        assert check_code(web, client, "10.9.9.9, 172.16.0.9").status_code == 401
    # all trusted: the furthest hop a trusted proxy vouched for
    assert logged() == [REAL, REAL, "172.16.0.9", "10.9.9.9"]


@pytest.mark.parametrize(
    ("peer", "proto", "scheme"),
    [(PROXY, "https", "https"), (PROXY, "gopher", "http"), ("192.0.2.50", "https", "http")],
)
def test_forwarded_proto_only_from_a_trusted_proxy(peer: str, proto: str, scheme: str) -> None:
    seen: dict[str, object] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update(scheme=scope["scheme"], client=scope["client"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    wrapped = ClientAddress(app, TrustedProxies.parse(["10.0.0.0/8"]))
    client = TestClient(wrapped, base_url="http://testserver", client=(peer, 40000))
    headers = {"x-forwarded-proto": proto, "x-forwarded-for": f"203.0.113.1, {REAL}"}
    assert client.get("/", headers=headers).status_code == 204
    assert seen["scheme"] == scheme
    assert seen["client"] == ((REAL, 0) if peer == PROXY else (peer, 40000))


def test_trust_proxy_is_refused_with_the_way_forward(tmp_path: Path) -> None:
    """The old flag believed the client's own first hop; it now stops the server before
    anything starts and names ``--trusted-proxy``."""
    missing = f"sqlite:///{tmp_path}/no-such-dir/election.db"
    result = run_cli("serve", "--database", missing, "--trust-proxy", cwd=tmp_path)
    usage_error(result, "--trust-proxy", "is gone", "--trusted-proxy 127.0.0.1")
    everyone = run_cli("serve", "--database", missing, "--trusted-proxy", "0.0.0.0/0", cwd=tmp_path)
    usage_error(everyone, "--trusted-proxy", "every address")


def usage_error(result: CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "serving" not in result.stderr, result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1, result.stderr
    for word in words:
        assert word in error[0], result.stderr
