"""Witness commands: ``honestballot witness keygen`` and ``honestballot witness run``.

A witness runs on its own machine, never on the board's server.  ``keygen`` makes its
key pair (the public key goes to the organiser, who names it in the election's setup);
``run`` polls the public board over HTTP and co-signs each head that extends the last one
it co-signed (honestballot/service/witness.py, docs/deployment.md "Witnesses").
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from honestballot.cli.keys import WITNESS_KEY, load_key_file, make_key_file
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.record.codec import Reader, decode_hex, parse_json
from honestballot.service.clock import now_ms
from honestballot.service.witness import Refused, SplitView, Witness

#: fetch(url, json_body or None) -> response bytes; raises ProtocolError on failure.
Fetch = Callable[[str, bytes | None], bytes]


#: the largest answer read from a board: a whole record (a hostile server cannot make a
#: witness or an observer read without end)
MAX_RESPONSE_BYTES = 4 << 30


class HttpError(ProtocolError):
    """The server answered with an HTTP error ``status``."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


#: the answers that say the server will not take a request, rather than "not now"
_REFUSALS = frozenset(range(400, 500)) - {408, 425, 429}


def urllib_fetch(url: str, body: bytes | None, *, timeout: float = 60) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ProtocolError(f"{url}: only http(s) addresses are fetched")
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = bytes(response.read(MAX_RESPONSE_BYTES + 1))
            if len(data) > MAX_RESPONSE_BYTES:
                raise ProtocolError(f"{url}: the answer is larger than {MAX_RESPONSE_BYTES} bytes")
            return data
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise HttpError(f"{url}: HTTP {exc.code}: {detail}", exc.code) from None
    except (urllib.error.URLError, TimeoutError) as exc:
        raise ProtocolError(f"{url}: {exc}") from None


class HttpBoardSource:
    """The board as its public HTTP API shows it (docs/api: the observer endpoints)."""

    def __init__(self, base_url: str, election_id: str, fetch: Fetch = urllib_fetch) -> None:
        self.base = base_url.rstrip("/")
        self.election = urllib.parse.quote(election_id, safe="")
        self.fetch = fetch

    def record(self) -> Iterable[bytes]:
        data = self.fetch(f"{self.base}/e/{self.election}/record.jsonl", None)
        return [line for line in data.split(b"\n") if line]

    def latest_head(self) -> Any:
        return parse_json(self.fetch(f"{self.base}/api/e/{self.election}/tree-heads/latest", None))

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        url = f"{self.base}/api/e/{self.election}/consistency?old={old_size}&new={new_size}"
        r = Reader(parse_json(self.fetch(url, None)), "consistency proof")
        return [
            decode_hex(p, f"consistency proof[{i}]", 32) for i, p in enumerate(r.array("proof"))
        ]

    def publish(self, cosignature: dict[str, Any]) -> None:
        url = f"{self.base}/api/e/{self.election}/cosignatures"
        try:
            self.fetch(url, json.dumps(cosignature).encode())
        except HttpError as exc:
            if exc.status in _REFUSALS:
                raise Refused(str(exc)) from None
            raise


@click.group("witness")
def witness_group() -> None:
    """Witness: co-sign the board's tree heads from your own machine."""


@witness_group.command("keygen")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Secret key file.")
def keygen(out: str) -> None:
    """Make a witness key pair; give the printed public key to the organiser."""
    make_key_file(out, WITNESS_KEY)


def run_witness(
    url: str,
    election_id: str,
    fingerprint: str,
    key: str,
    state: str,
    *,
    interval: float,
    once: bool,
    fetch: Fetch = urllib_fetch,
) -> int:
    witness = Witness(
        election_id,
        fingerprint,
        load_key_file(key, WITNESS_KEY),
        Path(state),
        HttpBoardSource(url, election_id, fetch),
        SYSTEM_RANDOMNESS,
        now_ms,
    )
    if url.startswith("http://") and urllib.parse.urlsplit(url).hostname not in (
        "localhost",
        "127.0.0.1",
        "::1",
    ):
        click.echo(
            "warning: plain http: anyone on the way can garble the board's answers (this "
            "witness then co-signs nothing until they check out again); use https",
            err=True,
        )
    while True:
        try:
            click.echo(witness.step())
        except SplitView as exc:
            click.echo(f"SPLIT VIEW: {exc}", err=True)
            return 3
        except HonestBallotError as exc:
            if once:
                raise
            # the board unreachable, a transient refusal: say so and poll again
            click.echo(f"error: {exc}", err=True)
        if once:
            return 0
        time.sleep(interval)


@witness_group.command("run")
@click.option("--url", required=True, help="The board's public address (https://...).")
@click.option("--election", "election_id", required=True)
@click.option(
    "--fingerprint",
    required=True,
    help="The election's fingerprint (first 16+ hex digits of the base hash), got from the "
    "organiser out of band.",
)
@click.option("--key", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--state",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where the last co-signed head is kept (one file per election).",
)
@click.option("--interval", default=10.0, show_default=True, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Poll once and exit.")
def run(
    url: str, election_id: str, fingerprint: str, key: str, state: str, interval: float, once: bool
) -> int:
    """Poll the board and co-sign each head that extends the last one co-signed; stop and
    write the evidence if the board ever shows a head that does not (exit code 3)."""
    return run_witness(url, election_id, fingerprint, key, state, interval=interval, once=once)
