"""Helpers shared by the command-line adapters."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from honestballot.errors import ProtocolError
from honestballot.service.election import ElectionService
from honestballot.store.sql import SqlStore, default_url

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DATABASE = os.environ.get("HONESTBALLOT_DATABASE", default_url())


def database_option(f: F) -> F:
    return click.option(
        "--database",
        default=DEFAULT_DATABASE,
        show_default=True,
        help="SQLAlchemy URL of the store (sqlite:///file or postgresql://...).",
    )(f)


def open_service(database: str) -> ElectionService:
    return ElectionService(SqlStore(database))


def read_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=1, ensure_ascii=False))


def write_secret(path: str, data: str) -> None:
    """Create a file only its owner can read; refuse to overwrite one (a voter's
    credential or a ballot's opening lost to a second run, or left readable by others
    if the existing file was)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ProtocolError(f"{path} exists: refusing to overwrite a secret file") from None
    with os.fdopen(fd, "w") as f:
        f.write(data)
