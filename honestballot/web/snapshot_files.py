"""The turnout snapshots under ``/snapshots/``, served by a small ASGI fast path.

Observers refresh turnout all day (50,000 of them every 10 s is 5,000 reads/s).  Going
through FastAPI's routing and ``StaticFiles`` costs a stat, an open and a read in a worker
thread per request, on the same processes and threads that cast ballots.  This wrapper
sits in front of the FastAPI app (inside :class:`~honestballot.web.security.SecurityMiddleware`,
so every answer still gets the security headers) and answers ``/snapshots/…`` itself from
memory:

* a cache maps a file's path to its bytes, a strong ETag, its content type and the
  ``(st_mtime_ns, st_ino, st_size)`` it was read at; the file is stat'ed again at most
  once per ``recheck_s`` (0.5 s), so a hot file costs no system call per request, and is
  read again only when that key changed (the writer replaces files by rename, so a new
  version is a new inode);
* ``If-None-Match`` with the current ETag gives 304 with no body;
  ``Cache-Control: public, max-age=N`` with N the snapshot interval;
* only GET and HEAD (anything else: 405 with ``Allow``);
* a path is served only if every segment is a plain name (letters, digits, ``.``, ``_``,
  ``-``, not starting with a dot: no ``..``, no hidden or temporary files, no empty
  segment, so no absolute path, no backslash, no NUL, no ``%``), and if it resolves to a
  regular file inside the directory (a symbolic link out of it is not followed);  anything
  else is 404 ``not_found`` in the API's JSON error format;
* the cache holds only files that exist, at most ``max_entries`` of them and
  ``max_bytes`` in all (least recently used first out), so random paths cannot grow it.

Snapshot files are small (one election's turnout is a few kilobytes per hundred units),
so a changed file is read on the event loop, at most once per change per process.
Request paths are never logged.
"""

from __future__ import annotations

import hashlib
import json
import math
import mimetypes
import os
import re
import stat
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from honestballot.web.errors import error_body

PREFIX: Final = "/snapshots/"
ALLOWED_METHODS: Final = ("GET", "HEAD")
#: one path segment: a plain file or directory name that is not hidden
_SEGMENT: Final = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}")
_MAX_PATH: Final = 1024
#: what the snapshot writer produces (``.json``), then anything mimetypes knows
_TYPES: Final = {".json": "application/json"}


@dataclass(frozen=True)
class _Version:
    """The identity of one version of a file: the writer renames a new file into place."""

    mtime_ns: int
    inode: int
    size: int

    @classmethod
    def of(cls, st: os.stat_result) -> _Version:
        return cls(st.st_mtime_ns, st.st_ino, st.st_size)


@dataclass
class _Entry:
    body: bytes
    etag: bytes
    version: _Version
    #: headers of a 200 (GET and HEAD alike) and of a 304
    ok_headers: list[tuple[bytes, bytes]]
    not_modified_headers: list[tuple[bytes, bytes]]
    checked_at: float


def content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    if guessed is None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def etag_of(body: bytes) -> bytes:
    """A strong ETag: a short hash of the bytes (the same file gives the same tag in every
    worker process)."""
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _error(code: str, message: str) -> bytes:
    return json.dumps(error_body(code, message)).encode()


_NOT_FOUND: Final = _error("not_found", "no such snapshot")
_NOT_ALLOWED: Final = _error("method_not_allowed", "snapshots can only be read (GET or HEAD)")


class SnapshotFiles:
    """ASGI wrapper: ``/snapshots/…`` from ``directory``, everything else to ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        directory: Path | str,
        *,
        max_age_s: float = 3.0,
        recheck_s: float = 0.5,
        max_entries: int = 2048,
        max_bytes: int = 64 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.root = os.path.realpath(directory)
        self.cache_control = f"public, max-age={max(1, math.ceil(max_age_s))}".encode()
        self.recheck_s = recheck_s
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.clock = clock
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._cached_bytes = 0

    @property
    def state(self) -> State:
        """The inner application's state (so ``wrapped.app.state`` keeps working)."""
        inner: Any = self.app
        found: State = inner.state
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        if method not in ALLOWED_METHODS:
            await _send(
                send, 405, _json_headers(_NOT_ALLOWED, (b"allow", b"GET, HEAD")), _NOT_ALLOWED
            )
            return
        entry = self.lookup(scope["path"][len(PREFIX) :])
        if entry is None:
            await _send(
                send, 404, _json_headers(_NOT_FOUND), _NOT_FOUND if method == "GET" else b""
            )
            return
        if _matches(_header(scope, b"if-none-match"), entry.etag):
            await _send(send, 304, entry.not_modified_headers, b"")
            return
        await _send(send, 200, entry.ok_headers, entry.body if method == "GET" else b"")

    # -- the cache -----------------------------------------------------------------------

    def lookup(self, relative: str) -> _Entry | None:
        """The current entry for a path below the directory, or None (not servable)."""
        entry = self._cache.get(relative)  # only safe paths are ever cached
        now = self.clock()
        if entry is not None and now - entry.checked_at < self.recheck_s:
            self._cache.move_to_end(relative)
            return entry
        full = self._resolve(relative)
        if full is None:
            self._forget(relative)
            return None
        try:
            st = os.stat(full)
        except OSError:
            self._forget(relative)
            return None
        if not stat.S_ISREG(st.st_mode):
            self._forget(relative)
            return None
        if entry is not None and entry.version == _Version.of(st):
            entry.checked_at = now
            self._cache.move_to_end(relative)
            return entry
        fresh = self._read(full, now)
        self._forget(relative)
        if fresh is not None:
            self._remember(relative, fresh)
        return fresh

    def _resolve(self, relative: str) -> str | None:
        if not relative or len(relative) > _MAX_PATH:
            return None
        if not all(_SEGMENT.fullmatch(part) for part in relative.split("/")):
            return None
        full = os.path.realpath(os.path.join(self.root, relative))
        if not full.startswith(self.root + os.sep):
            return None  # a symbolic link out of the directory
        return full

    def _read(self, full: str, now: float) -> _Entry | None:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(full, flags)
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as file:
                st = os.fstat(file.fileno())  # the version of exactly the bytes read
                if not stat.S_ISREG(st.st_mode):
                    return None
                body = file.read()
        except OSError:
            return None
        etag = etag_of(body)
        ctype = content_type(full).encode()
        return _Entry(
            body=body,
            etag=etag,
            version=_Version.of(st),
            ok_headers=[
                (b"content-type", ctype),
                (b"content-length", str(len(body)).encode()),
                (b"etag", etag),
                (b"cache-control", self.cache_control),
            ],
            not_modified_headers=[(b"etag", etag), (b"cache-control", self.cache_control)],
            checked_at=now,
        )

    def _remember(self, relative: str, entry: _Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return  # served this once, read again next time
        self._cache[relative] = entry
        self._cached_bytes += len(entry.body)
        while len(self._cache) > self.max_entries or self._cached_bytes > self.max_bytes:
            _, old = self._cache.popitem(last=False)
            self._cached_bytes -= len(old.body)

    def _forget(self, relative: str) -> None:
        old = self._cache.pop(relative, None)
        if old is not None:
            self._cached_bytes -= len(old.body)

    def __len__(self) -> int:
        return len(self._cache)


# -- HTTP details ------------------------------------------------------------------------


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            found: bytes = value
            return found
    return None


def _matches(if_none_match: bytes | None, etag: bytes) -> bool:
    """``If-None-Match`` uses the weak comparison: ``W/"x"`` matches ``"x"``."""
    if if_none_match is None:
        return False
    for candidate in if_none_match.split(b","):
        tag = candidate.strip()
        if tag == b"*":
            return True
        if tag.startswith(b"W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def _json_headers(body: bytes, *extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
