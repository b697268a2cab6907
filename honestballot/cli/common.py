"""Helpers shared by the command-line adapters."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from honestballot.errors import ProtocolError
from honestballot.service.board.election import ElectionService
from honestballot.service.runtime import default_database_url, open_election_service

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DATABASE = os.environ.get("HONESTBALLOT_DATABASE", default_database_url())


def database_option(f: F) -> F:
    return click.option(
        "--database",
        default=DEFAULT_DATABASE,
        show_default=True,
        help="SQLAlchemy URL of the store (sqlite:///file or postgresql://...).",
    )(f)


def open_service(database: str) -> ElectionService:
    return open_election_service(database)


def read_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=1, ensure_ascii=False))


def _create_private(path: str, what: str) -> int:
    """A new file only its owner can read (0600), open for writing; never an existing one."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ProtocolError(f"{path} exists: refusing to overwrite {what}") from None


def write_secret(path: str, data: str) -> None:
    """Create a file only its owner can read; refuse to overwrite one (a voter's
    credential or a ballot's opening lost to a second run, or left readable by others
    if the existing file was)."""
    fd = _create_private(path, "a secret file")
    with os.fdopen(fd, "w") as f:
        f.write(data)


@contextmanager
def private_text_file(path: str, what: str) -> Iterator[IO[str]]:
    """A new UTF-8 text file only its owner can read (0600), for personal data such as the
    activity log; an existing file is refused (as :func:`write_secret` does), and a file
    whose writing fails is removed, never left half-written."""
    fd = _create_private(path, what)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
    except BaseException:
        with suppress(OSError):
            os.unlink(path)
        raise


def check_fingerprint(base_hash: bytes, fingerprint: str, what: str) -> None:
    """Refuse unless ``fingerprint`` (at least 16 hex digits, as 'election create' printed
    it) begins the base hash of the election ``what`` is for: the organiser's tools sign
    nothing for another setup than the one the organiser pinned."""
    pinned = fingerprint.strip().lower()
    if len(pinned) < 16 or not base_hash.hex().startswith(pinned):
        raise click.ClickException(
            f"{what} is for the election with fingerprint {base_hash.hex()[:16]}, "
            f"not {pinned}: nothing signed"
        )
