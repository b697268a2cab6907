"""Plain helpers shared by several test modules: threads, one batch of the cast queue,
statement counts, the command line, verifying a record (and hbcheck's verdict on it).
The builders are in factories.py, the shared fixtures in the conftest files."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from honestballot.verify.verifier import Report, verify_record
from tests.independent import hbcheck


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


HEX = re.compile(r"[0-9a-f]{32,}")
TRACKING_CODE = re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}")

#: (statements, HTTP status, the answer's shape) of one request
Answered = tuple[list[str], int, Any]


def shape(value: Any) -> Any:
    """``value`` (parsed JSON) with every hex string and tracking code replaced by its
    kind and length, inside a longer string too (a ``check_url``): what the answer rule's
    comparisons keep of values that are the request's own or fresh randomness."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    if isinstance(value, str):
        value = HEX.sub(lambda m: f"<hex {len(m.group())}>", value)
        return TRACKING_CODE.sub(lambda m: f"<code {len(m.group())}>", value)
    return value


def answered(seen: list[str], request: Callable[[], Any], *, shaped: bool = True) -> Answered:
    """Run one HTTP ``request``; (the statements it ran, from ``seen`` of
    :func:`statements_on`, white space collapsed; its status; its body, parsed and, with
    ``shaped``, through :func:`shape`)."""
    seen.clear()
    answer = request()
    statements = [" ".join(s.split()) for s in seen]
    seen.clear()
    try:
        body = answer.json()
    except ValueError:
        body = answer.text
    return statements, answer.status_code, shape(body) if shaped else body



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


def verify(lines: list[bytes]) -> Report:
    """The verifier's report on a record given as lines without their newlines."""
    return verify_record([raw + b"\n" for raw in lines], workers=1)


def failed(report: Report) -> set[str]:
    return {c.name for c in report.failures}


def describe(report: Report) -> str:
    return "; ".join(f"{c.name}: {c.detail[:200]}" for c in report.failures) or "all passed"


def hb(lines: list[bytes]) -> str | None:
    """hbcheck's verdict on a record of an election with re-voting protection (its
    board, tree heads and close; lines without their newlines): None if it passes, else
    the name of the check it fails."""
    parsed = [json.loads(x) for x in lines]
    events = [e for e in parsed if e.get("type") == "event"]
    heads = [e["size"] for e in parsed if e.get("type") == "tree-head"]
    try:
        hbcheck.check_revoting(events, heads)
    except ValueError as exc:
        return str(exc).split(":", 1)[0]
    return None


#: the test vectors and the scripts that made them
VECTORS = Path(__file__).parent / "vectors"


def vector_script(name: str) -> ModuleType:
    """The vector script ``tests/vectors/<name>.py``, loaded as a module (they are not a
    package: each also runs as a script)."""
    spec = importlib.util.spec_from_file_location(name, VECTORS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
