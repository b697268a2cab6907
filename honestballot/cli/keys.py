"""Signing keys kept in files on their owner's machine: a witness's key, the organiser's
key, a polling station commission's key.  A key file is ``{"type": T, "secret": hex,
"public_key": hex}``, created 0600 and never overwritten
(honestballot/cli/common.write_secret)."""

from __future__ import annotations

import json

import click

from honestballot.cli.common import read_bytes, write_secret
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import random_nonzero_scalar
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import ProtocolError
from honestballot.record.codec import Reader, parse_json

WITNESS_KEY = "honestballot-witness-key"
ORGANISER_KEY = "honestballot-organiser-key"
COMMISSION_KEY = "honestballot-commission-key"


def make_key_file(path: str, kind: str) -> str:
    """Create a new key pair in ``path``; return the public key (hex)."""
    secret = random_nonzero_scalar(SYSTEM_RANDOMNESS)
    public = base_mul(secret).hex()
    write_secret(path, json.dumps({"type": kind, "secret": secret.hex(), "public_key": public}))
    click.echo(f"wrote {path} (SECRET: keep it on this machine)")
    click.echo(f"public key: {public}")
    return public


def load_key_file(path: str, kind: str) -> Scalar:
    r = Reader(parse_json(read_bytes(path)), path)
    if r.text("type", max_len=64) != kind:
        raise ProtocolError(f"{path} is not a {kind.removeprefix('honestballot-')} file")
    secret = r.scalar("secret")
    if r.point("public_key") != base_mul(secret):
        raise ProtocolError(f"{path}: the public key is not the secret's")
    r.done()
    return secret
