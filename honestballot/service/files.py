"""Files a process keeps on its own disk: written so that a crash or a power cut leaves
either the old content or the new, never a part (the witness's state and evidence, the
turnout snapshots, a trustee's verified state)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data``: a temporary file of its own beside it (made anew,
    so two writers at once never write into one, and never followed through a link),
    fsync'd, given ``mode``, renamed over ``path``, and the directory fsync'd so that the
    rename itself is on disk.  A write that fails removes its temporary file; one a power
    cut left behind is never read."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not every platform opens directories
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
