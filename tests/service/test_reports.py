"""Anonymous reports: validation, attachments by magic bytes, metadata removal, and the
organiser's publish / reject flow, on both databases."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from honestballot.errors import InvalidInput
from honestballot.service.reports import PNG_SIGNATURE, Reports, strip_jpeg_metadata
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


# A real, decodable JPEG is assembled here (Pillow is not a dependency): 8-bit grey,
# quantisation all 1, a DC Huffman table "0" -> no change, "10" -> an 8-bit change, and an AC
# table "0" -> end of block.  Every block is flat; each block row of the baseline image is
# three mid-grey blocks and one 255 brighter, whose bits 00000010 11111111 0 put a stuffed
# 0xFF00 in the scan data, and a restart marker separates the two rows.
DQT = jpeg_segment(0xDB, b"\x00" + b"\x01" * 64)
DHT_DC = jpeg_segment(0xC4, b"\x00" + bytes([1, 1] + [0] * 14) + b"\x00\x08")
DHT_AC = jpeg_segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")


def jpeg_frame(marker: int, width: int, height: int) -> bytes:
    return jpeg_segment(marker, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00")


JFIF_KEPT = b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x00\x00"
JPEG_IMAGE = (  # what is left of JPEG: the picture and nothing else
    jpeg_frame(0xC0, 32, 16)
    + DHT_DC
    + DHT_AC
    + jpeg_segment(0xDD, b"\x00\x04")  # a restart marker every 4 blocks
    + jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
)
JPEG_SCAN = b"\x02\xff\x00\x7f\xff\xd0\x02\xff\x00\x7f"
JPEG_STRIPPED = (
    b"\xff\xd8" + jpeg_segment(0xE0, JFIF_KEPT) + DQT + JPEG_IMAGE + JPEG_SCAN + b"\xff\xd9"
)
#: a phone's second picture, appended after the first one's end of image (Multi-Picture)
SECOND_JPEG = (
    b"\xff\xd8"
    + jpeg_segment(0xE1, b"Exif\x00\x00MM\x00*GPS 55.755826,37.617300 Galaxy S23 serial R5CW")
    + DQT
    + JPEG_IMAGE
    + JPEG_SCAN
    + b"\xff\xd9"
)
SEFT_TRAILER = (
    b"\x00\x00\x0a\x01Image_UTC_Data1709296440000\x00\x00\x01\x0aOwner: Ivan Petrov"
    + b"SEFH\x6b\x00\x00\x00\x02\x00\x00\x00\x2a\x00\x00\x00SEFT"
)
MOTION_PHOTO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"MotionPhoto_Data"
JPEG = (
    b"\xff\xd8"
    + jpeg_segment(0xE0, JFIF_KEPT[:-2] + b"\x01\x01" + b"GPS")  # a 1x1 JFIF thumbnail
    + jpeg_segment(0xE1, b"Exif\x00\x00GPS 43.238949,76.889709 serial 12345")
    + jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Ivan Petrov</x:xmpmeta>")
    + jpeg_segment(0xE2, b"ICC_PROFILE\x00\x01\x01profile by Ivan's phone")
    + jpeg_segment(0xE2, b"MPF\x00MM\x00*\x00\x00\x00\x08 second image, serial 12345")
    + jpeg_segment(0xED, b"Photoshop 3.0\x008BIM GPS")
    + jpeg_segment(0xFE, b"Photo by Ivan Petrov")
    + DQT
    + JPEG_IMAGE
    + JPEG_SCAN
    + b"\xff\xd9"
    + SECOND_JPEG
    + SEFT_TRAILER
    + MOTION_PHOTO
)
#: a progressive 16x8 image: a DC scan, then (after more tables and metadata) an AC scan
PROGRESSIVE_SCANS = (
    jpeg_segment(0xDA, b"\x01\x01\x00\x00\x00\x00"),  # DC: one flat block, one brighter
    b"\x5f\xff\x00",
    DHT_AC,
    jpeg_segment(0xDA, b"\x01\x01\x00\x01\x3f\x00"),  # AC: end of band, both blocks
    b"\x3f",
)
ADOBE = b"Adobe\x00\x64\x00\x00\x00\x00\x00"
PROGRESSIVE_JPEG = (
    b"\xff\xd8"
    + jpeg_segment(0xEE, ADOBE + b" Ivan Petrov")
    + DQT
    + jpeg_frame(0xC2, 16, 8)
    + DHT_DC
    + PROGRESSIVE_SCANS[0]
    + PROGRESSIVE_SCANS[1]
    + b"\xff\xff"  # fill bytes before a marker
    + jpeg_segment(0xFE, b"Owner: Ivan Petrov")
    + jpeg_segment(0xE1, b"Exif\x00\x00GPS 43.238949,76.889709")
    + b"".join(PROGRESSIVE_SCANS[2:])
    + b"\xff\xd9"
    + SEFT_TRAILER
)
PROGRESSIVE_STRIPPED = (
    b"\xff\xd8"
    + jpeg_segment(0xEE, ADOBE)
    + DQT
    + jpeg_frame(0xC2, 16, 8)
    + DHT_DC
    + b"".join(PROGRESSIVE_SCANS)
    + b"\xff\xd9"
)
IDENTIFYING = (b"GPS", b"Ivan", b"serial", b"Exif", b"xap", b"MPF", b"8BIM", b"ICC_PROFILE")
IDENTIFYING += (b"Galaxy", b"SEF", b"Image_UTC", b"ftyp", b"MotionPhoto")
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
    # Exif, XMP, ICC, MPF, IPTC, the comment, the JFIF thumbnail and everything after the
    # end of image (a second picture with its Exif, a Samsung trailer, a motion photo) are
    # gone; the tables, the frame and the scan data are kept byte for byte.
    assert kept_jpeg == JPEG_STRIPPED
    assert kept_jpeg.startswith(b"\xff\xd8") and kept_jpeg.endswith(JPEG_SCAN + b"\xff\xd9")
    for word in IDENTIFYING:
        assert word not in kept_jpeg, word
    assert b"IHDR" in kept_png and b"IDAT" in kept_png and kept_png.endswith(b"IEND\xaeB`\x82")


def test_jpeg_metadata_between_progressive_scans_is_removed() -> None:
    kept = strip_jpeg_metadata(PROGRESSIVE_JPEG)
    assert kept == PROGRESSIVE_STRIPPED  # both scans and the table between them are kept
    assert kept.startswith(b"\xff\xd8") and kept.endswith(b"\xff\xd9")
    for word in IDENTIFYING:
        assert word not in kept, word
    assert strip_jpeg_metadata(kept) == kept


@pytest.mark.parametrize(
    "trailer", [SECOND_JPEG, SEFT_TRAILER, MOTION_PHOTO, b"\xff\xd9", b"\x00" * 100]
)
def test_nothing_after_the_jpeg_end_of_image_is_kept(trailer: bytes) -> None:
    assert strip_jpeg_metadata(JPEG_STRIPPED + trailer) == JPEG_STRIPPED


# Pillow warns that the originals' made-up Exif and MPF data are malformed
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("original", "stripped"), [(JPEG, JPEG_STRIPPED), (PROGRESSIVE_JPEG, PROGRESSIVE_STRIPPED)]
)
def test_a_stripped_jpeg_decodes_to_the_same_pixels(original: bytes, stripped: bytes) -> None:
    from PIL import Image  # a dev dependency: an independent JPEG decoder

    assert strip_jpeg_metadata(original) == stripped
    with Image.open(BytesIO(original)) as before, Image.open(BytesIO(stripped)) as after:
        assert after.format == "JPEG" and after.size == before.size and after.mode == "L"
        assert after.tobytes() == before.tobytes()
        assert set(after.tobytes()) == {128, 160}  # mid grey, and the brighter blocks


def jpeg_without(data: bytes, part: bytes) -> bytes:
    assert part in data
    return data.replace(part, b"", 1)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (JPEG_STRIPPED[:-2], r"it ends inside scan data, before its end-of-image marker"),
        (JPEG_STRIPPED[:-1], r"it ends inside scan data"),
        (JPEG_STRIPPED[:-5], r"it ends inside scan data"),
        (JPEG_STRIPPED[:25], r"the segment of marker 0xFFDB at offset 20 is cut short"),
        (JPEG_STRIPPED[:22], r"the segment of marker 0xFFDB at offset 20 is cut short"),
        (JPEG_STRIPPED[:21], r"it ends before its end-of-image marker"),
        (JPEG_STRIPPED[:20], r"it ends before its end-of-image marker"),
        (JPEG[:30], r"the segment of marker 0xFFE1 at offset 23 is cut short"),
        (PROGRESSIVE_JPEG[: -len(SEFT_TRAILER) - 2], r"it ends inside scan data"),
        (
            JPEG_STRIPPED.replace(DQT, DQT + b"\x00"),
            r"byte 0x00 at offset 89 where a marker must be",
        ),
        (
            JPEG_STRIPPED.replace(DQT, DQT + b"\xff\xd0"),
            r"marker 0xFFD0 at offset 89 is not allowed there",
        ),
        (
            JPEG_STRIPPED.replace(DQT, DQT + b"\xff\xd8"),
            r"marker 0xFFD8 at offset 89 is not allowed there",
        ),
        (
            JPEG_STRIPPED.replace(DQT, DQT + jpeg_segment(0xF7, b"\x08")),
            r"marker 0xFFF7 at offset 89 is not a JPEG marker this service accepts",
        ),
        (
            JPEG_STRIPPED.replace(DQT, jpeg_segment(0xDB, b"\x00" + b"\x01" * 63)),
            r"the length of marker 0xFFDB at offset 20 does not match its content",
        ),
        (
            JPEG_STRIPPED.replace(JPEG_SCAN, JPEG_SCAN + jpeg_frame(0xC0, 32, 16)),
            r"marker 0xFFC0 at offset \d+ is a second frame header",
        ),
        (
            jpeg_without(JPEG_STRIPPED, jpeg_frame(0xC0, 32, 16)),
            r"marker 0xFFDA at offset \d+ is a scan before the frame header",
        ),
        (
            b"\xff\xd8" + DQT + jpeg_frame(0xC0, 32, 16) + b"\xff\xd9" + JPEG_STRIPPED[2:],
            r"it has no image data before the end-of-image marker 0xFFD9 at offset 84",
        ),
        (
            JPEG_STRIPPED.replace(
                jpeg_segment(0xE0, JFIF_KEPT), jpeg_segment(0xE0, b"JFIF\x00\x01")
            ),
            r"the JFIF segment of marker 0xFFE0 at offset 2 is cut short",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else f"{len(value)}-bytes",
)
def test_a_damaged_jpeg_is_refused(
    store: SqlStore, service: Reports, data: bytes, reason: str
) -> None:
    with pytest.raises(InvalidInput, match="the JPEG attachment is damaged: " + reason):
        submit(service, attachment=data, attachment_type="image/jpeg")
    assert stored(store) == 0


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
