"""Plain helpers shared by several test modules (the shared fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from honestballot.audit.ids import iin_control_digit
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.manifest import Manifest


def make_iin(born: dt.date, serial: int) -> str:
    """A valid IIN (check digit and encoded birth date) for someone born on ``born``."""
    century = "3" if born.year < 2000 else "5"
    for s in range(serial, serial + 100):
        first = f"{born:%y%m%d}{century}{s % 10000:04d}"
        control = iin_control_digit(first)
        if control is not None:
            return first + str(control)
    raise AssertionError("no issuable IIN")  # pragma: no cover


@dataclass(frozen=True)
class DemoCeremony:
    """The demo manifest for one election id, and the election key and trustee secrets
    of a 2-of-3 key ceremony run for it."""

    manifest: Manifest
    key: ElectionKey
    secrets: list[TrusteeSecret]


#: the ``demo_ceremony`` fixture: election id -> its ceremony (run once per session)
DemoCeremonies = Callable[[str], DemoCeremony]


def run_threads(target: Callable[..., None], arguments: Iterable[tuple[Any, ...]]) -> None:
    """Run ``target`` once per argument tuple, each in a thread of its own, and wait for
    all of them."""
    threads = [threading.Thread(target=target, args=args) for args in arguments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@contextmanager
def statements_on(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent through ``engine`` inside the ``with`` block, as a list
    that grows while the block runs (clear it to count again)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``honestballot ARGS`` in a subprocess, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "honestballot", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """The command failed with exit code 2 and one ``error:`` line naming ``words``."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for word in words:
        assert word in lines[0], result.stderr
