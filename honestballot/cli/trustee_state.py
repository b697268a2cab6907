"""The verified-state file of ``honestballot trustee close-round`` (docs/trustees.md,
docs/coercion.md §5.2): what the trustee's tool verified of the record, kept beside the
trustee's secret so that the next round checks only what is new (verify/state.py).

The file is a JSON object (a local file of the trustee's, not part of the record)::

    {"type": "trustee-verified-state", "version": 1,
     "election_id": "...", "ceremony": "<64 hex: the key ceremony's hash>",
     "trustee": 2,
     "base_hash": "<64 hex>", "size": 1234, "root": "<64 hex: the Merkle root of the
     first size events, the last tree head verified>",
     "close_read": 56, "close_ignored": [],
     "mac": "<64 hex>"}

``mac`` is HMAC-SHA256 over the canonical JSON of the other members, keyed with
``hash_bytes("trustee/verified-state", x_l)`` (``x_l`` the trustee's key share): a file
another trustee wrote, or one altered, is refused, and so is one of another election
(the record's election and base hash must be the file's).  It is written atomically: a
temporary file beside it, flushed to the disk (fsync), then renamed over it, so that a
crash leaves the old file or the new one, never half of one; a temporary file a crash
left behind is written over by the next run.
"""

from __future__ import annotations

import hmac
import os
import tempfile
from pathlib import Path
from typing import Any, Final

from honestballot.crypto.hashing import hash_bytes
from honestballot.errors import HonestBallotError, ProtocolError
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.record.codec import JsonObject, Reader, canonical_bytes, parse_json
from honestballot.verify.state import VerifiedState

STATE_TYPE: Final = "trustee-verified-state"
STATE_VERSION: Final = 1
MAC_TAG: Final = "trustee/verified-state"
#: a state file is small: a few hundred bytes, and the positions of the close's objects
#: not taken (each named as a failure with a remedy)
MAX_STATE_BYTES: Final = 1 << 20


def default_state_path(secret: Path) -> Path:
    """``trustee-2.verified-state.json`` beside ``trustee-2.secret.json`` (any other
    secret file name ``NAME``: ``NAME.verified-state.json``)."""
    name = secret.name
    stem = name.removesuffix(".secret.json") if name.endswith(".secret.json") else name
    return secret.with_name(f"{stem}.verified-state.json")


def _mac(secret: TrusteeSecret, body: JsonObject) -> str:
    assert secret.key_share is not None  # the caller checked that the key was accepted
    key = hash_bytes(MAC_TAG, secret.key_share)
    return hmac.new(key, canonical_bytes(body), "sha256").hexdigest()


def _body(state: VerifiedState, secret: TrusteeSecret) -> JsonObject:
    return {
        "type": STATE_TYPE,
        "version": STATE_VERSION,
        "election_id": state.election_id,
        "ceremony": secret.ceremony.hash.hex(),
        "trustee": secret.index,
        "base_hash": state.base_hash.hex(),
        "size": state.size,
        "root": state.root.hex(),
        "close_read": state.close_read,
        "close_ignored": list(state.close_ignored),
    }


def load_state(path: Path, secret: TrusteeSecret) -> VerifiedState | None:
    """The state in ``path`` (None when there is no such file), refused unless this
    trustee wrote it for this key ceremony."""
    if not path.exists():
        return None
    again = (
        f"Check that --state names this trustee's file for this election; to verify the "
        f"whole record again, move {path.name} away (the next run writes a new one)"
    )
    try:
        obj = parse_json(path.read_bytes(), limit=MAX_STATE_BYTES, what=path.name)
        r = Reader(obj, path.name)
        if r.text("type", max_len=64) != STATE_TYPE:
            raise ProtocolError(f"{path.name} is not a verified-state file")
        if r.integer("version") != STATE_VERSION:
            raise ProtocolError(f"{path.name}: unsupported version")
        election_id, ceremony = r.text("election_id", max_len=64), r.hexbytes("ceremony", 32)
        trustee = r.integer("trustee", minimum=1)
        state = VerifiedState(
            election_id,
            r.hexbytes("base_hash", 32),
            r.integer("size", minimum=1),
            r.hexbytes("root", 32),
            r.integer("close_read", minimum=0),
            tuple(r.items("close_ignored", _position)),
        )
        mac = r.hexbytes("mac", 32)
        r.done()
    except HonestBallotError as exc:
        raise ProtocolError(  # English only: the trustees' command line
            f"the verified-state file {path} cannot be read ({exc}). {again}"
        ) from None
    if ceremony != secret.ceremony.hash or trustee != secret.index:
        raise ProtocolError(  # English only: the trustees' command line
            f"the verified-state file {path} is trustee {trustee}'s of election "
            f"{election_id!r} (key ceremony {ceremony.hex()[:16]}), not trustee "
            f"{secret.index}'s of {secret.ceremony.election_id!r} (key ceremony "
            f"{secret.ceremony.hash.hex()[:16]}): another election's or another trustee's "
            f"state. {again}"
        )
    if not hmac.compare_digest(bytes.fromhex(_mac(secret, _body(state, secret))), mac):
        raise ProtocolError(  # English only: the trustees' command line
            f"the verified-state file {path} was not written with this trustee's key share, "
            f"or it was altered: its MAC does not verify. {again}"
        )
    return state


def _position(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError(f"{path}: expected a position (an integer from 0)")
    return value


def save_state(path: Path, state: VerifiedState, secret: TrusteeSecret) -> None:
    """Write ``state`` to ``path`` atomically (a temporary file of its own, made anew, not
    followed through a link, so two runs at once cannot write into one; fsync, rename,
    fsync of the directory), readable by its owner only."""
    body = _body(state, secret)
    data = canonical_bytes({**body, "mac": _mac(secret, body)}) + b"\n"
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
