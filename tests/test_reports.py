"""Anonymous reports: validation, attachments by magic bytes, metadata removal, and the
organiser's publish / reject flow, on both databases."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from honestballot.errors import InvalidInput
from honestballot.service.reports import PNG_SIGNATURE, Reports
from honestballot.store.schema import elections, reports
from honestballot.store.sql import SqlStore

ELECTION = "report-test"
T0 = 1_709_296_440_000
WHAT = "My manager told us to send a screenshot of the ballot by Friday."


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG = (
    PNG_SIGNATURE
    + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    + png_chunk(b"tEXt", b"Author\x00Ivan Petrov")
    + png_chunk(b"eXIf", b"MM\x00*GPS 43.238949,76.889709")
    + png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    + png_chunk(b"IEND", b"")
)


def jpeg_segment(marker: int, data: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


JPEG = (
    b"\xff\xd8"
    + jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    + jpeg_segment(0xE1, b"Exif\x00\x00GPS 43.238949,76.889709 serial 12345")
    + jpeg_segment(0xE2, b"ICC_PROFILE\x00\x01\x01profile")
    + jpeg_segment(0xFE, b"Photo by Ivan Petrov")
    + jpeg_segment(0xDB, b"\x00" + bytes(64))
    + jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    + b"\x12\x34\xff\x00\x56"
    + b"\xff\xd9"
)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        self.now += 1000
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    s = SqlStore(database_url)
    with s.transaction() as conn:
        conn.execute(
            elections.insert().values(
                election_id=ELECTION,
                phase="open",
                manifest="{}",
                context="{}",
                board_secret="00",
                next_seq=0,
            )
        )
    yield s
    s.close()


@pytest.fixture
def service(store: SqlStore) -> Reports:
    return Reports(store, Clock())


def stored(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def submit(service: Reports, **changes: Any) -> int:
    args: dict[str, Any] = {
        "election_id": ELECTION,
        "what": WHAT,
        "place": "Polyclinic No. 3",
        "happened": "2024-03-01 morning",
        "attachment": None,
        "attachment_type": None,
    }
    args.update(changes)
    return service.submit(**args)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"what": "too short"}, r"'what happened' is too short: at least 10 characters, got 9"),
        ({"what": "   short      "}, r"'what happened' is too short"),
        ({"what": "x" * 5001}, r"'what happened' is too long: at most 5000 characters, got 5001"),
        ({"what": WHAT + "\x00"}, r"'what happened' contains control characters"),
        ({"place": "p" * 501}, r"'where' is too long: at most 500"),
        ({"happened": "h" * 501}, r"'when' is too long: at most 500"),
        ({"attachment": PNG}, r"the attachment has no type"),
        ({"attachment_type": "image/png"}, r"an attachment type was given without an attachment"),
        (
            {"attachment": b"GIF89a", "attachment_type": "image/gif"},
            r"attachment type 'image/gif' is not accepted \(only image/jpeg, image/png",
        ),
        ({"attachment": b"", "attachment_type": "image/png"}, r"the attachment is empty"),
        (
            {
                "attachment": b"\xff\xd8\xff" + bytes(5 * 1024 * 1024),
                "attachment_type": "image/jpeg",
            },
            r"the attachment is 5242883 bytes; at most 5 MiB",
        ),
        (
            {"attachment": PNG, "attachment_type": "image/jpeg"},
            r"declared image/jpeg but is not a JPEG image",
        ),
        (
            {"attachment": JPEG, "attachment_type": "image/png"},
            r"declared image/png but is not a PNG image",
        ),
        (
            {"attachment": b"<html><script>", "attachment_type": "application/pdf"},
            r"declared application/pdf but is not a PDF",
        ),
        (
            {"attachment": PNG, "attachment_type": "text/plain"},
            r"declared text/plain but is not UTF-8 text",
        ),
        (
            {"attachment": PDF, "attachment_type": "text/plain"},
            r"declared text/plain but is not plain text",
        ),
        (
            {"attachment": JPEG[:30], "attachment_type": "image/jpeg"},
            r"the JPEG attachment is damaged",
        ),
        (
            {"attachment": PNG[:40], "attachment_type": "image/png"},
            r"the PNG attachment is damaged",
        ),
        ({"election_id": "no-such-election"}, r"there is no election 'no-such-election'"),
    ],
)
def test_a_bad_report_is_refused_with_a_specific_message(
    store: SqlStore, service: Reports, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        submit(service, **changes)
    assert stored(store) == 0


def test_the_limits_themselves_are_accepted(store: SqlStore, service: Reports) -> None:
    submit(service, what="x" * 10, place="", happened="")
    submit(service, what="x" * 5000, place="p" * 500, happened="h" * 500)
    rows = service.pending(ELECTION)
    assert [len(r.what) for r in rows] == [10, 5000]
    assert [(r.place, r.happened) for r in rows] == [("", ""), ("p" * 500, "h" * 500)]


@pytest.mark.parametrize(
    ("data", "declared", "kind"),
    [
        (PDF, "application/pdf", "application/pdf"),
        ("Запись разговора".encode(), "text/plain; charset=utf-8", "text/plain"),
        (JPEG, "IMAGE/JPEG", "image/jpeg"),
        (PNG, "image/png", "image/png"),
    ],
)
def test_each_attachment_type_is_stored(
    service: Reports, data: bytes, declared: str, kind: str
) -> None:
    report = submit(service, attachment=data, attachment_type=declared)
    content, stored_kind = service.attachment(ELECTION, report, public_only=False)
    assert stored_kind == kind
    assert content.startswith(data[:3])
    assert service.pending(ELECTION)[0].attachment_size == len(content)


def test_image_metadata_is_removed_before_storing(service: Reports) -> None:
    jpeg = submit(service, attachment=JPEG, attachment_type="image/jpeg")
    png = submit(service, attachment=PNG, attachment_type="image/png")
    kept_jpeg, _ = service.attachment(ELECTION, jpeg, public_only=False)
    kept_png, _ = service.attachment(ELECTION, png, public_only=False)
    for data in (kept_jpeg, kept_png):
        assert b"GPS" not in data and b"Ivan" not in data and b"serial" not in data
    assert b"JFIF" in kept_jpeg and b"ICC_PROFILE" in kept_jpeg
    assert kept_jpeg.endswith(b"\x12\x34\xff\x00\x56\xff\xd9")  # the scan is untouched
    assert b"IHDR" in kept_png and b"IDAT" in kept_png and kept_png.endswith(b"IEND\xaeB`\x82")


def test_nothing_about_the_reporter_can_be_stored(store: SqlStore) -> None:
    columns = {c["name"] for c in inspect(store.engine).get_columns("reports")}
    for word in ("ip", "address", "agent", "device", "session", "voter", "contact", "cookie"):
        assert not [c for c in columns if word in c.split("_")], word


def test_publish_and_reject_flow(store: SqlStore, service: Reports) -> None:
    first = submit(
        service,
        what=WHAT + " Call me: +7 701 123 4567.",
        attachment=PNG,
        attachment_type="image/png",
    )
    second = submit(
        service, what="Spam spam spam spam", attachment=PDF, attachment_type="application/pdf"
    )
    third = submit(service, attachment=JPEG, attachment_type="image/jpeg")
    assert [r.report_id for r in service.pending(ELECTION)] == [first, second, third]
    assert service.published(ELECTION) == []
    with pytest.raises(InvalidInput, match=f"report {third} has no public attachment"):
        service.attachment(ELECTION, third, public_only=True)

    edited = "Employees of a polyclinic were told to send a screenshot of their ballot."
    service.publish(ELECTION, first, edited, attachment_public=True)
    service.reject(ELECTION, second, "advertising, not a report")

    assert [r.report_id for r in service.pending(ELECTION)] == [third]
    public = service.published(ELECTION)
    assert len(public) == 1
    assert public[0].report_id == first
    assert public[0].text == edited
    assert public[0].has_attachment
    assert public[0].published_ms > T0
    shown = repr([p.to_json() for p in public])
    assert "+7 701" not in shown and "advertising" not in shown and "Spam" not in shown
    assert service.attachment(ELECTION, first, public_only=True)[1] == "image/png"
    for hidden in (second, third, 999):
        with pytest.raises(InvalidInput, match=f"report {hidden} has no public attachment"):
            service.attachment(ELECTION, hidden, public_only=True)
    assert service.counts(ELECTION) == {"pending": 1, "published": 1, "rejected": 1}

    with pytest.raises(InvalidInput, match=f"report {first} is already published"):
        service.publish(ELECTION, first, "again", attachment_public=False)
    with pytest.raises(InvalidInput, match=f"report {second} is already rejected"):
        service.publish(ELECTION, second, "changed my mind", attachment_public=False)
    with pytest.raises(InvalidInput, match=f"report {first} is already published"):
        service.reject(ELECTION, first, "oops")
    with pytest.raises(InvalidInput, match=f"there is no report {third} in this election"):
        service.publish("other-election", third, "text", attachment_public=False)
    with pytest.raises(InvalidInput, match="the published text is too short"):
        service.publish(ELECTION, third, "   ", attachment_public=False)
    with pytest.raises(InvalidInput, match="the reason is too short"):
        service.reject(ELECTION, third, "")


def test_an_attachment_cannot_be_made_public_when_there_is_none(service: Reports) -> None:
    report = submit(service)
    with pytest.raises(InvalidInput, match=f"report {report} has no attachment to make public"):
        service.publish(ELECTION, report, "edited text", attachment_public=True)
    service.publish(ELECTION, report, "edited text", attachment_public=False)
    assert service.published(ELECTION)[0].has_attachment is False
    with pytest.raises(InvalidInput, match=f"report {report} has no attachment"):
        service.attachment(ELECTION, report, public_only=False)


def test_a_private_attachment_of_a_published_report_stays_private(service: Reports) -> None:
    report = submit(service, attachment=PDF, attachment_type="application/pdf")
    service.publish(ELECTION, report, "Edited.", attachment_public=False)
    assert service.published(ELECTION)[0].has_attachment is False
    with pytest.raises(InvalidInput, match="has no public attachment"):
        service.attachment(ELECTION, report, public_only=True)
    assert service.attachment(ELECTION, report, public_only=False) == (PDF, "application/pdf")
