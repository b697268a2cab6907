"""Anonymous reports of coercion or pressure, public to observers once edited.

Anyone may report, without signing in: what happened, where, when, and optionally one
attachment (a photo, a PDF or a text file).  The organiser reads the pending reports,
removes personal data and either publishes an edited text (and, if it is safe, the
attachment) or rejects the report with a reason.  Observers see only published text.

What is stored about the reporter: nothing.  This module is given no IP address, no
User-Agent, no cookie and no session, and the ``reports`` table has no column for any of
them; the only time kept is the submission's ``created_ms``.  JPEG and PNG attachments are
stored without their metadata (Exif with GPS position and camera serial number, XMP, IPTC,
comments, text chunks, and for JPEG everything after the image: a second embedded picture
with its own Exif, maker trailers, motion-photo videos), which would otherwise often
identify the reporter's phone and home.  A PDF's own metadata (author, software) is not
removed: PDFs stay private unless the organiser, having checked them, makes them public.
Keeping the web server's access log free of report submissions is the deployment's part
of this promise (docs).

Every refusal raises :class:`~honestballot.errors.InvalidInput` naming the problem, and
nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from honestballot.errors import InvalidInput, Text
from honestballot.service.clock import now_ms
from honestballot.store.sql import SqlStore, Tx

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


#: a report's fields as the reporter's messages name them (catalogue keys)
_FIELD_KEYS: Final = {
    "'what happened'": "report.field.what",
    "'where'": "report.field.where",
    "'when'": "report.field.when",
    "the published text": "report.field.published",
    "the reason": "report.field.reason",
}


def _text(value: str, name: str, low: int, high: int) -> str:
    field = Text(_FIELD_KEYS.get(name, "report.field.what"), name)
    if not isinstance(value, str):
        raise InvalidInput(Text("report.not_text", f"{name} must be text", field=field))
    text = value.replace("\r\n", "\n").strip()
    if _CONTROL.search(text):
        raise InvalidInput(
            Text("report.control", f"{name} contains control characters", field=field)
        )
    if len(text) < low:
        raise InvalidInput(
            Text(
                "report.too_short",
                f"{name} is too short: at least {low} characters, got {len(text)}",
                field=field,
                low=low,
                got=len(text),
            )
        )
    if len(text) > high:
        raise InvalidInput(
            Text(
                "report.too_long",
                f"{name} is too long: at most {high} characters, got {len(text)}",
                field=field,
                high=high,
                got=len(text),
            )
        )
    return text


def _attachment(data: bytes | None, declared: str | None) -> tuple[bytes | None, str | None]:
    """The attachment as it will be stored (metadata removed) and its type, or refuse it."""
    if data is None and declared is None:
        return None, None
    if data is None:
        raise InvalidInput(
            Text("report.attachment_missing", "an attachment type was given without an attachment")
        )
    if not declared:
        raise InvalidInput(Text("report.attachment_type_missing", "the attachment has no type"))
    kind = declared.split(";", 1)[0].strip().lower()
    if kind not in ATTACHMENT_TYPES:
        allowed = ", ".join(ATTACHMENT_TYPES)
        raise InvalidInput(
            Text(
                "report.attachment_type",
                f"attachment type {kind[:64]!r} is not accepted (only {allowed})",
                kind=kind[:64],
                allowed=allowed,
            )
        )
    if not data:
        raise InvalidInput(Text("report.attachment_empty", "the attachment is empty"))
    if len(data) > MAX_ATTACHMENT:
        raise InvalidInput(
            Text(
                "report.attachment_large",
                f"the attachment is {len(data)} bytes; at most 5 MiB is accepted",
                size=len(data),
            )
        )
    if kind == "image/jpeg":
        if not data.startswith(b"\xff\xd8\xff"):
            raise InvalidInput(
                Text(
                    "report.attachment_not_kind",
                    "the attachment is declared image/jpeg but is not a JPEG image",
                    kind=kind,
                )
            )
        return strip_jpeg_metadata(data), kind
    if kind == "image/png":
        if not data.startswith(PNG_SIGNATURE):
            raise InvalidInput(
                Text(
                    "report.attachment_not_kind",
                    "the attachment is declared image/png but is not a PNG image",
                    kind=kind,
                )
            )
        return strip_png_metadata(data), kind
    if kind == "application/pdf":
        if not data.startswith(b"%PDF-"):
            raise InvalidInput(
                Text(
                    "report.attachment_not_kind",
                    "the attachment is declared application/pdf but is not a PDF",
                    kind=kind,
                )
            )
        return data, kind
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            Text(
                "report.attachment_not_kind",
                "the attachment is declared text/plain but is not UTF-8 text",
                kind=kind,
            )
        ) from None
    if "\x00" in text or text.startswith("%PDF-"):
        raise InvalidInput(
            Text(
                "report.attachment_not_kind",
                "the attachment is declared text/plain but is not plain text",
                kind=kind,
            )
        )
    return data, kind


#: start-of-frame markers SOF0–SOF15 (0xC4 DHT, 0xC8 JPG and 0xCC DAC are not frames)
_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_DHT: Final = 0xC4
_DAC: Final = 0xCC
_RST0: Final = 0xD0
_RST7: Final = 0xD7
_SOI: Final = 0xD8
_EOI: Final = 0xD9
_SOS: Final = 0xDA
_DQT: Final = 0xDB
_DNL: Final = 0xDC
_DRI: Final = 0xDD
_APP0: Final = 0xE0
_APP14: Final = 0xEE
_APP15: Final = 0xEF
_COM: Final = 0xFE


def _jpeg_damaged(reason: str) -> InvalidInput:
    return InvalidInput(
        Text(
            "report.jpeg_damaged",
            f"the JPEG attachment is damaged: {reason}",
            detail=reason,
        )
    )


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(body) + 2).to_bytes(2, "big") + body


def _jpeg_body_ok(marker: int, body: bytes) -> bool:
    """Whether a kept segment's body has exactly the structure its marker defines, so that
    a kept segment cannot carry anything else."""
    n = len(body)
    if marker in _SOF:
        return n >= 6 and body[5] > 0 and n == 6 + 3 * body[5]
    if marker == _SOS:
        return n >= 1 and 1 <= body[0] <= 4 and n == 4 + 2 * body[0]
    if marker in (_DRI, _DNL):
        return n == 2
    if marker == _DAC:
        return n > 0 and n % 2 == 0
    p = 0
    while p < n:
        if marker == _DQT:  # precision and table number, then 64 values of 1 or 2 bytes
            if body[p] >> 4 > 1:
                return False
            p += 1 + 64 * (1 + (body[p] >> 4))
        elif p + 17 <= n:  # DHT: class and number, 16 code-length counts, the symbols
            p += 17 + sum(body[p + 1 : p + 17])
        else:
            return False
    return n > 0 and p == n


def strip_jpeg_metadata(data: bytes) -> bytes:
    """``data`` reduced to what a decoder needs, or refused if it is not a well-formed JPEG.

    The file is read marker by marker up to its first end-of-image (EOI) marker.  Kept:
    frame headers (SOFn), Huffman, quantisation and arithmetic-coding tables (DHT, DQT, DAC),
    the restart interval (DRI), the number of lines (DNL), each scan header (SOS) with its
    entropy-coded data byte for byte (stuffed 0xFF00 bytes and RST0–RST7 markers included),
    and EOI.  Dropped, wherever they appear (before the frame, between progressive scans):
    every comment (COM) and every APPn segment except the two below, so Exif (GPS position,
    camera serial number, Exif thumbnail), XMP, IPTC, ICC profiles, Multi-Picture (MPF)
    indexes and maker data are gone.  Everything after the first EOI is dropped too: phones
    append a second JPEG with its own Exif (MPF), Samsung ``SEFT`` trailers and motion-photo
    MP4 videos there.  Not keeping the ICC profile means a wide-gamut (Display P3) photo is
    shown as sRGB, slightly less saturated; a profile can name the device and its date.

    Two APPn segments are kept before the first scan, rebuilt from their fixed fields only:

    * APP14 ``Adobe`` (version, flags, colour transform): decoders read from it whether
      three components are YCbCr or RGB and four are CMYK or YCCK, and its presence tells
      them that CMYK data is stored inverted; without it such images decode to wrong colours
      or to a negative.
    * APP0 ``JFIF`` (version, density units, pixel density): declares YCbCr and the pixel
      aspect ratio that viewers honour; its thumbnail (an uncropped copy of the picture) is
      removed.  No other APP0 (a JFXX thumbnail) is kept.

    Anything that is not a well-formed JPEG is refused with :class:`InvalidInput`: a segment
    or scan cut short, no EOI, a byte where a marker must be, a marker where none may be
    (a second SOI, a restart marker outside a scan, a scan before the frame header, EOI before
    any scan), an unknown marker, or a kept segment whose length does not match its content.
    """
    if not data.startswith(b"\xff\xd8"):
        raise _jpeg_damaged("it does not start with a start-of-image marker")
    out = bytearray(data[:2])
    i = 2
    frame = False
    scans = 0
    jfif = adobe = False
    while True:
        if i >= len(data):
            raise _jpeg_damaged("it ends before its end-of-image marker")
        if data[i] != 0xFF:
            raise _jpeg_damaged(f"byte 0x{data[i]:02X} at offset {i} where a marker must be")
        while i + 1 < len(data) and data[i + 1] == 0xFF:  # fill bytes may precede a marker
            i += 1
        if i + 1 >= len(data):
            raise _jpeg_damaged("it ends before its end-of-image marker")
        start = i
        marker = data[i + 1]
        i += 2
        name = f"marker 0xFF{marker:02X} at offset {start}"
        if marker == _EOI:
            if not scans:
                raise _jpeg_damaged(f"it has no image data before the end-of-image {name}")
            out += b"\xff\xd9"
            return bytes(out)  # whatever follows the image is dropped
        if marker == _SOI or _RST0 <= marker <= _RST7 or marker < 0xC0:
            raise _jpeg_damaged(f"{name} is not allowed there")
        if i + 2 > len(data):
            raise _jpeg_damaged(f"the segment of {name} is cut short")
        end = i + int.from_bytes(data[i : i + 2], "big")
        if end < i + 2 or end > len(data):
            raise _jpeg_damaged(f"the segment of {name} is cut short")
        body = data[i + 2 : end]
        i = end
        if _APP0 <= marker <= _APP15 or marker == _COM:
            if marker == _APP0 and not jfif and not scans and body[:5] == b"JFIF\x00":
                if len(body) < 14:
                    raise _jpeg_damaged(f"the JFIF segment of {name} is cut short")
                out += _jpeg_segment(_APP0, body[:12] + b"\x00\x00")  # no thumbnail
                jfif = True
            elif marker == _APP14 and not adobe and not scans and body[:5] == b"Adobe":
                if len(body) < 12:
                    raise _jpeg_damaged(f"the Adobe segment of {name} is cut short")
                out += _jpeg_segment(_APP14, body[:12])
                adobe = True
            continue
        if marker in _SOF:
            if frame:
                raise _jpeg_damaged(f"{name} is a second frame header")
            frame = True
        elif marker == _SOS:
            if not frame:
                raise _jpeg_damaged(f"{name} is a scan before the frame header")
        elif marker == _DNL:
            if not scans:
                raise _jpeg_damaged(f"{name} defines the number of lines before any scan")
        elif marker not in (_DHT, _DQT, _DAC, _DRI):
            raise _jpeg_damaged(f"{name} is not a JPEG marker this service accepts")
        if not _jpeg_body_ok(marker, body):
            raise _jpeg_damaged(f"the length of {name} does not match its content")
        out += data[start:end]
        if marker != _SOS:
            continue
        # Entropy-coded data: 0xFF00 is a stuffed 0xFF byte and RST0–RST7 restart markers
        # belong to the scan; any other marker ends it and is read by the loop above.
        j = i
        while True:
            j = data.find(b"\xff", j)
            if j < 0 or j + 1 >= len(data):
                raise _jpeg_damaged("it ends inside scan data, before its end-of-image marker")
            after = data[j + 1]
            if after == 0x00 or _RST0 <= after <= _RST7:
                j += 2
                continue
            break
        out += data[i:j]
        i = j
        scans += 1


_PNG_METADATA: Final = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})


PNG_DAMAGED = Text("report.png_damaged", "the PNG attachment is damaged")


def strip_png_metadata(data: bytes) -> bytes:
    """``data`` without its text, Exif and time chunks; the image chunks are unchanged."""
    out = bytearray(PNG_SIGNATURE)
    i = len(PNG_SIGNATURE)
    while True:
        if i + 12 > len(data):
            raise InvalidInput(PNG_DAMAGED)
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            raise InvalidInput(PNG_DAMAGED)
        if kind not in _PNG_METADATA:
            out += data[i:end]
        if kind == b"IEND":
            return bytes(out)
        i = end


def _check_id(report_id: int) -> None:
    # report numbers are SQL integers; anything else is no report (not a database error)
    if not 0 < report_id < 2**31:
        raise InvalidInput(
            Text("report.unknown", f"there is no report {report_id}", report=report_id)
        )


# -- the service ------------------------------------------------------------------------------


class Reports:
    def __init__(self, store: SqlStore, clock: Callable[[], int] = now_ms) -> None:
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
            if not self.store.election_exists(conn, election_id):
                raise InvalidInput(
                    Text(
                        "election.unknown",
                        f"there is no election {election_id[:64]!r}",
                        election=election_id[:64],
                    )
                )
            return self.store.insert_report(
                conn,
                {
                    "election_id": election_id,
                    "what": what_text,
                    "place": place_text,
                    "happened": happened_text,
                    "attachment": data,
                    "attachment_type": kind,
                    "created_ms": self.clock(),
                    "status": "pending",
                    "published_text": None,
                    "attachment_public": False,
                    "published_ms": None,
                },
            )

    def pending(self, election_id: str) -> list[ReportRow]:
        """Reports awaiting the organiser's decision, oldest first."""
        return [
            ReportRow(int(r[0]), r[1], r[2], r[3], r[4], int(r[5]), r[6], int(r[7]))
            for r in self.store.pending_reports(election_id)
        ]

    def publish(self, election_id: str, report_id: int, text: str, attachment_public: bool) -> None:
        """Make the organiser's edited ``text`` (personal data removed) public."""
        _check_id(report_id)
        public = _text(text, "the published text", 1, MAX_PUBLISHED)
        with self.store.transaction() as conn:
            row = self._pending_row(conn, election_id, report_id)
            if attachment_public and row["attachment_type"] is None:
                message = f"report {report_id} has no attachment to make public"
                raise InvalidInput(Text("report.no_attachment", message, report=report_id))
            self.store.decide_report(
                conn,
                report_id,
                status="published",
                published_text=public,
                attachment_public=bool(attachment_public),
                published_ms=self.clock(),
            )

    def reject(self, election_id: str, report_id: int, reason: str) -> None:
        """Refuse to publish a report; the reason is kept for the organiser, never shown."""
        _check_id(report_id)
        why = _text(reason, "the reason", 1, MAX_FIELD)
        with self.store.transaction() as conn:
            self._pending_row(conn, election_id, report_id)
            # A rejected report's published_text holds the reason; ``published`` and
            # ``attachment`` read only status = 'published'.
            self.store.decide_report(
                conn, report_id, status="rejected", published_text=why, published_ms=self.clock()
            )

    def published(self, election_id: str) -> list[PublicReport]:
        """What observers see: the edited text of each published report, oldest first."""
        return [PublicReport(*r) for r in self.store.published_reports(election_id)]

    def counts(self, election_id: str) -> dict[str, int]:
        """How many reports are pending, published and rejected: observers can see that
        reports are not silently dropped."""
        result = {"pending": 0, "published": 0, "rejected": 0}
        result.update(self.store.report_counts(election_id))
        return result

    def attachment(
        self, election_id: str, report_id: int, *, public_only: bool
    ) -> tuple[bytes, str]:
        """(bytes, type) of a report's attachment; with ``public_only``, only one the
        organiser published (any other case looks the same: no public attachment)."""
        _check_id(report_id)
        row = self.store.report_attachment(election_id, report_id)
        if public_only:
            if row is None or row[2] != "published" or not row[3] or row[0] is None:
                message = f"report {report_id} has no public attachment"
                raise InvalidInput(Text("report.no_public_attachment", message, report=report_id))
        elif row is None or row[0] is None:
            message = f"report {report_id} has no attachment"
            raise InvalidInput(Text("report.no_attachment", message, report=report_id))
        return bytes(row[0]), str(row[1])

    def _pending_row(self, conn: Tx, election_id: str, report_id: int) -> dict[str, Any]:
        # locked: two organisers deciding on one report at once cannot both succeed
        row = self.store.lock_report(conn, election_id, report_id)
        if row is None:
            message = f"there is no report {report_id} in this election"
            raise InvalidInput(Text("report.unknown", message, report=report_id))
        if row["status"] != "pending":
            message = f"report {report_id} is already {row['status']}"
            raise InvalidInput(
                Text(
                    f"report.already_{row['status']}",
                    message,
                    report=report_id,
                )
            )
        return dict(row)
