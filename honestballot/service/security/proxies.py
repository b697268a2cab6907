"""Which address is the client's: the operator's trusted proxies and ``X-Forwarded-For``.

Every hop of ``X-Forwarded-For`` is written by the hop to its right, so an entry is only
as credible as whoever wrote it.  The socket peer is the one address nobody can forge.
The client is found by walking from the peer to the left:

- if the peer is not a trusted proxy, the peer is the client and the header is ignored
  (whoever sent it could have written anything in it);
- otherwise each entry, from the rightmost, was written by a trusted proxy: the first
  one that is not itself a trusted proxy is the client;
- if the walk runs out first (the header ends, an entry is not an IP address, or more
  than :data:`MAX_HOPS` entries are all trusted proxies), the client is the last
  trusted hop the walk reached: the furthest address a trusted proxy vouched for.

The leftmost entry, which the client writes itself when it sends its own header, is
therefore never believed unless every hop to its right is a trusted proxy.  A malformed
entry never lets a request escape the per-address limits: it leaves the request at the
address of the proxy that passed it on, shared with every such request.

Addresses are normalised with :mod:`ipaddress` (an IPv4-mapped IPv6 address is the IPv4
address; an IPv6 zone is dropped), so one client has one spelling in the rate limits
and the activity log.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: the longest entry read as an address ("[" IPv6 with an IPv4 tail "]:" port is 53)
MAX_ADDRESS_CHARS = 64
#: at most this many entries of ``X-Forwarded-For`` are walked, from the right
MAX_HOPS = 16
#: what a request without a socket peer (a Unix socket) is counted as
UNKNOWN = "unknown"


def parse_address(text: str) -> IPAddress | None:
    """The IP address in one hop (``1.2.3.4``, ``1.2.3.4:80``, ``2001:db8::1``,
    ``[2001:db8::1]:80``), normalised; None if it is not one."""
    text = text.strip()
    if not text or len(text) > MAX_ADDRESS_CHARS:
        return None
    if text.startswith("["):
        end = text.find("]")
        rest = text[end + 1 :] if end > 0 else "x"
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # IPv4 with a port
        text, port = text.split(":")
        if not port.isdigit():
            return None
    text = text.split("%", 1)[0]  # an IPv6 zone names an interface, not a client
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_network(text: str) -> IPNetwork:
    """A trusted proxy as configured: an address (``10.0.0.5``, ``::1``) or a network
    (``10.0.0.0/8``, ``2001:db8::/32``).  ValueError, with a message for the operator,
    for anything else, for a network with host bits set (``10.0.0.1/8`` is probably a
    typo), and for a network holding every address (trusting it would believe any
    client's own ``X-Forwarded-For``)."""
    text = text.strip()
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise ValueError(f"not an IP address or network: {text!r} ({exc})") from None
    if network.prefixlen == 0:
        raise ValueError(
            f"{text!r} trusts every address as a proxy, which would let any client "
            "choose its own address; name the proxies' addresses or networks"
        )
    return network


@dataclass(frozen=True)
class TrustedProxies:
    """The reverse proxies whose ``X-Forwarded-For`` entries are believed (none by
    default: the socket peer is the client)."""

    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, items: Iterable[str]) -> TrustedProxies:
        """From addresses and networks, each item possibly a comma-separated list (as in
        ``HONESTBALLOT_TRUSTED_PROXIES``); ValueError as :func:`parse_network`."""
        networks: list[IPNetwork] = []
        for item in items:
            for part in item.split(","):
                if part.strip():
                    network = parse_network(part)
                    if network not in networks:
                        networks.append(network)
        return cls(tuple(networks))

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __str__(self) -> str:
        return ",".join(str(network) for network in self.networks)

    def trusts(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)

    def client_address(self, peer: str | None, forwarded: Sequence[str] = ()) -> str:
        """The client's address, from the socket peer and the ``X-Forwarded-For`` header
        lines in the order received (see the module's docstring for the rule)."""
        if not peer:
            return UNKNOWN
        hop = parse_address(peer)
        if hop is None:  # not an IP socket: what it is called, never the header
            return peer.strip()[:MAX_ADDRESS_CHARS] or UNKNOWN
        if not self.trusts(hop):
            return str(hop)
        for entry in _rightmost_entries(forwarded):
            written = parse_address(entry)  # written by ``hop``, a trusted proxy
            if written is None:
                break
            hop = written
            if not self.trusts(hop):
                break
        return str(hop)


def _rightmost_entries(lines: Sequence[str]) -> list[str]:
    """The last :data:`MAX_HOPS` entries of the header, rightmost first.  Several header
    lines are one list, in order (RFC 9110 section 5.3)."""
    entries = ",".join(lines).rsplit(",", MAX_HOPS)
    entries.reverse()
    return entries[:MAX_HOPS] if "".join(lines) else []
