"""Which hop of X-Forwarded-For is the client (:mod:`honestballot.service.security.proxies`)."""

from __future__ import annotations

import pytest

from honestballot.service.runtime import ServerConfig
from honestballot.service.security.proxies import (
    MAX_HOPS,
    TrustedProxies,
    parse_address,
)

TRUSTED = TrustedProxies.parse(["10.0.0.0/8", "2001:db8::/32"])


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7:8080 ", "203.0.113.7"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::1"),
    ],
)
def test_addresses_are_normalised(text: str, address: str) -> None:
    assert str(parse_address(text)) == address


@pytest.mark.parametrize(
    "text",
    ["", "unknown", "_hidden", "203.0.113.7:http", "[2001:db8::1", "[2001:db8::1]x", "1" * 65],
)
def test_malformed_hops(text: str) -> None:
    assert parse_address(text) is None


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.7", ["10.0.0.1"], "203.0.113.7"),  # untrusted peer: header ignored
        ("10.0.0.1", [], "10.0.0.1"),  # the proxy's own request
        ("10.0.0.1", ["1.1.1.1, 203.0.113.7"], "203.0.113.7"),
        ("10.0.0.1", ["1.1.1.1", "203.0.113.7"], "203.0.113.7"),  # two header lines
        ("10.0.0.1", ["1.1.1.1, 203.0.113.7, 10.2.2.2"], "203.0.113.7"),
        ("10.0.0.1", ["1.1.1.1, garbage, 10.2.2.2"], "10.2.2.2"),
        ("10.0.0.1", ["1.1.1.1,, 10.2.2.2"], "10.2.2.2"),
        ("10.0.0.1", ["10.3.3.3, 10.2.2.2"], "10.3.3.3"),  # all trusted
        ("2001:db8::5", ["1.1.1.1, 2001:DB9::1, 2001:db8:ffff::1"], "2001:db9::1"),
        ("::ffff:10.0.0.1", ["203.0.113.7"], "203.0.113.7"),
        (None, ["203.0.113.7"], "unknown"),
        ("testclient", ["203.0.113.7"], "testclient"),
    ],
)
def test_the_client_is_the_rightmost_untrusted_hop(
    peer: str | None, forwarded: list[str], client: str
) -> None:
    assert TRUSTED.client_address(peer, forwarded) == client


def test_the_walk_is_bounded() -> None:
    """A header of trusted hops longer than the walk stops at the last one walked; the
    client's own leftmost entry is not reached."""
    hops = ["1.1.1.1"] + [f"10.0.0.{i}" for i in range(1, 2 * MAX_HOPS)]
    client = TRUSTED.client_address("10.0.0.254", [", ".join(hops)])
    assert client == hops[-MAX_HOPS]


def test_nothing_trusted_means_the_peer() -> None:
    assert TrustedProxies().client_address("10.0.0.1", ["203.0.113.7"]) == "10.0.0.1"


@pytest.mark.parametrize("bad", ["0.0.0.0/0", "::/0", "10.0.0.1/8", "10.0.0.0/33", "proxy.lan"])
def test_bad_trusted_proxies_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        TrustedProxies.parse([bad])


def test_the_list_reaches_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    config = ServerConfig(trusted_proxies=TrustedProxies.parse(["127.0.0.1", "10.0.0.0/8,::1"]))
    env = config.to_env()
    assert env["HONESTBALLOT_TRUSTED_PROXIES"] == "127.0.0.1/32,10.0.0.0/8,::1/128"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert ServerConfig.from_env().trusted_proxies == config.trusted_proxies
    monkeypatch.setenv("HONESTBALLOT_TRUST_PROXY", "1")
    with pytest.raises(ValueError, match="--trusted-proxy"):
        ServerConfig.from_env()
