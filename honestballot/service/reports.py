"""Anonymous reports of coercion or pressure, public to observers once edited.

Anyone may report, without signing in: what happened, where, when, and optionally one
attachment (a photo, a PDF or a text file).  The organiser reads the pending reports,
removes personal data and either publishes an edited text (and, if it is safe, the
attachment) or rejects the report with a reason.  Observers see only published text.

What is stored about the reporter: nothing.  This module is given no IP address, no
User-Agent, no cookie and no session, and the ``reports`` table has no column for any of
them; the only time kept is the submission's ``created_ms``.  JPEG and PNG attachments are
stored without their metadata (Exif with GPS position and camera serial number, XMP, IPTC,
comments, text chunks), which would otherwise often identify the reporter's phone and
home.  A PDF's own metadata (author, software) is not removed: PDFs stay private unless
the organiser, having checked them, makes them public.  Keeping the web server's access
log free of report submissions is the deployment's part of this promise (docs).

Every refusal raises :class:`~honestballot.errors.InvalidInput` naming the problem, and
nothing is stored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from honestballot.errors import InvalidInput
from honestballot.store.schema import elections, reports
from honestballot.store.sql import SqlStore

MIN_WHAT: Final = 10
MAX_WHAT: Final = 5_000
MAX_FIELD: Final = 500
MAX_PUBLISHED: Final = 5_000
MAX_ATTACHMENT: Final = 5 * 1024 * 1024
#: the attachment types accepted, each with the file-name suffix it is downloaded with
ATTACHMENT_SUFFIX: Final = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}
ATTACHMENT_TYPES: Final = tuple(ATTACHMENT_SUFFIX)
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A report as the organiser sees it before deciding (the attachment by size only)."""

    report_id: int
    election_id: str
    what: str
    place: str
    happened: str
    created_ms: int
    attachment_type: str | None
    attachment_size: int


@dataclass(frozen=True, slots=True)
class PublicReport:
    """A published report as observers see it."""

    report_id: int
    text: str
    published_ms: int
    has_attachment: bool

    def to_json(self) -> dict[str, object]:
        return {
            "report_id": self.report_id,
            "text": self.text,
            "published_ms": self.published_ms,
            "has_attachment": self.has_attachment,
        }


# -- checks -----------------------------------------------------------------------------------


def _text(value: str, name: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text")
    text = value.replace("\r\n", "\n").strip()
    if _CONTROL.search(text):
        raise InvalidInput(f"{name} contains control characters")
    if len(text) < low:
        raise InvalidInput(f"{name} is too short: at least {low} characters, got {len(text)}")
    if len(text) > high:
        raise InvalidInput(f"{name} is too long: at most {high} characters, got {len(text)}")
    return text


def _attachment(data: bytes | None, declared: str | None) -> tuple[bytes | None, str | None]:
    """The attachment as it will be stored (metadata removed) and its type, or refuse it."""
    if data is None and declared is None:
        return None, None
    if data is None:
        raise InvalidInput("an attachment type was given without an attachment")
    if not declared:
        raise InvalidInput("the attachment has no type")
    kind = declared.split(";", 1)[0].strip().lower()
    if kind not in ATTACHMENT_TYPES:
        allowed = ", ".join(ATTACHMENT_TYPES)
        raise InvalidInput(f"attachment type {kind[:64]!r} is not accepted (only {allowed})")
    if not data:
        raise InvalidInput("the attachment is empty")
    if len(data) > MAX_ATTACHMENT:
        raise InvalidInput(f"the attachment is {len(data)} bytes; at most 5 MiB is accepted")
    if kind == "image/jpeg":
        if not data.startswith(b"\xff\xd8\xff"):
            raise InvalidInput("the attachment is declared image/jpeg but is not a JPEG image")
        return strip_jpeg_metadata(data), kind
    if kind == "image/png":
        if not data.startswith(PNG_SIGNATURE):
            raise InvalidInput("the attachment is declared image/png but is not a PNG image")
        return strip_png_metadata(data), kind
    if kind == "application/pdf":
        if not data.startswith(b"%PDF-"):
            raise InvalidInput("the attachment is declared application/pdf but is not a PDF")
        return data, kind
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the attachment is declared text/plain but is not UTF-8 text") from None
    if "\x00" in text or text.startswith("%PDF-"):
        raise InvalidInput("the attachment is declared text/plain but is not plain text")
    return data, kind


def strip_jpeg_metadata(data: bytes) -> bytes:
    """``data`` without its APP1–APP13, APP15 and comment segments (Exif, XMP, IPTC).

    JFIF (APP0), ICC profiles (APP2 ``ICC_PROFILE``) and Adobe colour data (APP14) are
    kept; everything from the start of the scan on is copied unchanged.
    """
    out = bytearray(data[:2])
    i = 2
    while True:
        if i + 4 > len(data) or data[i] != 0xFF:
            raise InvalidInput("the JPEG attachment is damaged")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xDA, 0xD9):  # start of scan, end of image
            out += data[i:]
            return bytes(out)
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        end = i + 2 + length
        if length < 2 or end > len(data):
            raise InvalidInput("the JPEG attachment is damaged")
        icc = marker == 0xE2 and data[i + 4 : i + 16] == b"ICC_PROFILE\x00"
        drop = marker == 0xFE or (0xE1 <= marker <= 0xEF and marker != 0xEE and not icc)
        if not drop:
            out += data[i:end]
        i = end


_PNG_METADATA: Final = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})


def strip_png_metadata(data: bytes) -> bytes:
    """``data`` without its text, Exif and time chunks; the image chunks are unchanged."""
    out = bytearray(PNG_SIGNATURE)
    i = len(PNG_SIGNATURE)
    while True:
        if i + 12 > len(data):
            raise InvalidInput("the PNG attachment is damaged")
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            raise InvalidInput("the PNG attachment is damaged")
        if kind not in _PNG_METADATA:
            out += data[i:end]
        if kind == b"IEND":
            return bytes(out)
        i = end


def _check_id(report_id: int) -> None:
    # report numbers are SQL integers; anything else is no report (not a database error)
    if not 0 < report_id < 2**31:
        raise InvalidInput(f"there is no report {report_id}")


# -- the service ------------------------------------------------------------------------------


class Reports:
    def __init__(self, store: SqlStore, clock: Callable[[], int] = _now_ms) -> None:
        self.store = store
        self.clock = clock

    def submit(
        self,
        election_id: str,
        what: str,
        place: str,
        happened: str,
        attachment: bytes | None,
        attachment_type: str | None,
    ) -> int:
        """Store an anonymous report as ``pending``; return its number."""
        what_text = _text(what, "'what happened'", MIN_WHAT, MAX_WHAT)
        place_text = _text(place, "'where'", 0, MAX_FIELD)
        happened_text = _text(happened, "'when'", 0, MAX_FIELD)
        data, kind = _attachment(attachment, attachment_type)
        with self.store.transaction() as conn:
            known = conn.execute(
                select(elections.c.election_id).where(elections.c.election_id == election_id)
            ).first()
            if known is None:
                raise InvalidInput(f"there is no election {election_id[:64]!r}")
            result = conn.execute(
                reports.insert().values(
                    election_id=election_id,
                    what=what_text,
                    place=place_text,
                    happened=happened_text,
                    attachment=data,
                    attachment_type=kind,
                    created_ms=self.clock(),
                    status="pending",
                    published_text=None,
                    attachment_public=False,
                    published_ms=None,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def pending(self, election_id: str) -> list[ReportRow]:
        """Reports awaiting the organiser's decision, oldest first."""
        q = (
            select(
                reports.c.report_id,
                reports.c.election_id,
                reports.c.what,
                reports.c.place,
                reports.c.happened,
                reports.c.created_ms,
                reports.c.attachment_type,
                func.coalesce(func.length(reports.c.attachment), 0),
            )
            .where(reports.c.election_id == election_id, reports.c.status == "pending")
            .order_by(reports.c.report_id)
        )
        with self.store.engine.connect() as conn:
            return [
                ReportRow(int(r[0]), r[1], r[2], r[3], r[4], int(r[5]), r[6], int(r[7]))
                for r in conn.execute(q)
            ]

    def publish(self, election_id: str, report_id: int, text: str, attachment_public: bool) -> None:
        """Make the organiser's edited ``text`` (personal data removed) public."""
        _check_id(report_id)
        public = _text(text, "the published text", 1, MAX_PUBLISHED)
        with self.store.transaction() as conn:
            row = self._pending_row(conn, election_id, report_id)
            if attachment_public and row["attachment_type"] is None:
                raise InvalidInput(f"report {report_id} has no attachment to make public")
            conn.execute(
                update(reports)
                .where(reports.c.report_id == report_id)
                .values(
                    status="published",
                    published_text=public,
                    attachment_public=bool(attachment_public),
                    published_ms=self.clock(),
                )
            )

    def reject(self, election_id: str, report_id: int, reason: str) -> None:
        """Refuse to publish a report; the reason is kept for the organiser, never shown."""
        _check_id(report_id)
        why = _text(reason, "the reason", 1, MAX_FIELD)
        with self.store.transaction() as conn:
            self._pending_row(conn, election_id, report_id)
            # A rejected report's published_text holds the reason; ``published`` and
            # ``attachment`` read only status = 'published'.
            conn.execute(
                update(reports)
                .where(reports.c.report_id == report_id)
                .values(status="rejected", published_text=why, published_ms=self.clock())
            )

    def published(self, election_id: str) -> list[PublicReport]:
        """What observers see: the edited text of each published report, oldest first."""
        q = (
            select(
                reports.c.report_id,
                reports.c.published_text,
                reports.c.published_ms,
                reports.c.attachment_public,
            )
            .where(reports.c.election_id == election_id, reports.c.status == "published")
            .order_by(reports.c.report_id)
        )
        with self.store.engine.connect() as conn:
            return [
                PublicReport(int(r[0]), str(r[1]), int(r[2]), bool(r[3])) for r in conn.execute(q)
            ]

    def counts(self, election_id: str) -> dict[str, int]:
        """How many reports are pending, published and rejected: observers can see that
        reports are not silently dropped."""
        q = (
            select(reports.c.status, func.count())
            .where(reports.c.election_id == election_id)
            .group_by(reports.c.status)
        )
        result = {"pending": 0, "published": 0, "rejected": 0}
        with self.store.engine.connect() as conn:
            for status, n in conn.execute(q):
                result[str(status)] = int(n)
        return result

    def attachment(
        self, election_id: str, report_id: int, *, public_only: bool
    ) -> tuple[bytes, str]:
        """(bytes, type) of a report's attachment; with ``public_only``, only one the
        organiser published (any other case looks the same: no public attachment)."""
        _check_id(report_id)
        q = select(
            reports.c.attachment,
            reports.c.attachment_type,
            reports.c.status,
            reports.c.attachment_public,
        ).where(reports.c.election_id == election_id, reports.c.report_id == report_id)
        with self.store.engine.connect() as conn:
            row = conn.execute(q).first()
        if public_only:
            if row is None or row[2] != "published" or not row[3] or row[0] is None:
                raise InvalidInput(f"report {report_id} has no public attachment")
        elif row is None or row[0] is None:
            raise InvalidInput(f"report {report_id} has no attachment")
        return bytes(row[0]), str(row[1])

    @staticmethod
    def _pending_row(conn: Connection, election_id: str, report_id: int) -> dict[str, Any]:
        # FOR UPDATE on PostgreSQL (SQLite's write transaction already serialises): two
        # organisers deciding on one report at once cannot both succeed.
        row = (
            conn.execute(
                select(reports.c.status, reports.c.attachment_type)
                .where(reports.c.election_id == election_id, reports.c.report_id == report_id)
                .with_for_update()
            )
            .mappings()
            .first()
        )
        if row is None:
            raise InvalidInput(f"there is no report {report_id} in this election")
        if row["status"] != "pending":
            raise InvalidInput(f"report {report_id} is already {row['status']}")
        return dict(row)
