"""Anonymous reports of pressure through the web (SQLite and PostgreSQL): the form, a
multipart submission with a photo, CSRF and input refusals that store nothing, and
observers seeing only what the organiser published.  The tests share the module's
election with re-voting protection, open (``voters_web``), and read its reports from where
they found them: those the test's own requests stored.
"""

from __future__ import annotations

import logging
import struct
import zlib

import pytest

from honestballot.service.reports import ReportRow
from honestballot.web.i18n import STRINGS
from tests.factories import WebElection
from tests.web.test_observer import assert_clean_page

WHAT = "My manager told everyone in the office to send him a photo of the ballot screen."
HTML = {"accept": "text/html"}


def png(*, with_text: bool) -> bytes:
    """A 1x1 grey PNG, optionally with a text chunk naming its author."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return len(data).to_bytes(4, "big") + kind + data + crc

    parts = [chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))]
    if with_text:
        parts.append(chunk(b"tEXt", b"Author\x00Jane Reporter"))
    parts += [chunk(b"IDAT", zlib.compress(b"\x00\x80")), chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(parts)


def new_pending(web: WebElection, before: list[ReportRow]) -> list[ReportRow]:
    """The election's pending reports stored since ``before`` was read, oldest first."""
    seen = {r.report_id for r in before}
    return [r for r in web.services.reports.pending(web.election_id) if r.report_id not in seen]


def _post(web: WebElection, csrf: str | None, **fields: str) -> object:
    data = {"what": WHAT, "place": "Office 5, Almaty", "happened": "Monday morning", **fields}
    if csrf is not None:
        data["csrf"] = csrf
    files = {"attachment": ("screen.png", png(with_text=True), "image/png")}
    return web.client.post(f"/e/{web.election_id}/report", data=data, files=files, headers=HTML)


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_report_form(voters_web: WebElection, lang: str) -> None:
    web = voters_web
    r = web.client.get(f"/e/{web.election_id}/report", params={"lang": lang})
    assert r.status_code == 200
    assert 'enctype="multipart/form-data"' in r.text and 'name="attachment"' in r.text
    assert STRINGS["observer.report_intro"][("ru", "kk", "en").index(lang)][:60] in r.text
    assert "/signin" not in r.text
    assert_clean_page(r.text)


def test_report_end_to_end(voters_web: WebElection, caplog: pytest.LogCaptureFixture) -> None:
    web = voters_web
    eid = web.election_id
    before = web.services.reports.pending(eid)
    counts = web.services.reports.counts(eid)
    published = web.client.get(f"/api/e/{eid}/reports").json()["reports"]
    csrf = web.csrf()
    with caplog.at_level(logging.DEBUG):
        r = _post(web, csrf)
    assert r.status_code == 200, r.text
    assert "data-report-number" in r.text
    assert_clean_page(r.text)
    assert "testclient" not in caplog.text  # the reporter's address is not logged
    [pending] = new_pending(web, before)
    assert f">{pending.report_id}</strong>" in r.text
    assert pending.what == WHAT and pending.attachment_type == "image/png"
    assert pending.attachment_size == len(png(with_text=False))  # metadata removed

    # Unpublished: invisible to observers, counted only.
    api = web.client.get(f"/api/e/{eid}/reports").json()
    assert api["reports"] == published
    assert api["counts"] == {**counts, "pending": counts["pending"] + 1}
    assert WHAT not in web.client.get(f"/e/{eid}/reports").text
    attachment = f"/e/{eid}/reports/{pending.report_id}/attachment"
    assert web.client.get(attachment).status_code == 404

    edited = "A manager demanded photos of the ballot screen from his staff."
    web.services.reports.publish(eid, pending.report_id, edited, attachment_public=True)
    *earlier, public = web.client.get(f"/api/e/{eid}/reports").json()["reports"]
    assert earlier == published
    assert public["report_id"] == pending.report_id and public["text"] == edited
    assert public["has_attachment"] is True
    for lang in ("ru", "kk", "en"):
        page = web.client.get(f"/e/{eid}/reports", params={"lang": lang})
        assert page.status_code == 200 and edited in page.text and WHAT not in page.text
        assert f'href="{attachment}"' in page.text
        assert_clean_page(page.text)
    r = web.client.get(attachment)
    assert r.status_code == 200
    assert r.content == png(with_text=False)
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in r.headers["content-security-policy"]


def test_published_without_public_attachment(voters_web: WebElection) -> None:
    web = voters_web
    eid = web.election_id
    before = web.services.reports.pending(eid)
    r = web.client.post(
        f"/e/{eid}/report",
        data={"csrf": web.csrf(), "what": WHAT},
        files={"attachment": ("note.txt", b"names of my colleagues", "text/plain")},
    )
    assert r.status_code == 200, r.text
    [pending] = new_pending(web, before)
    web.services.reports.publish(eid, pending.report_id, "Pressure at an office.", False)
    public = web.client.get(f"/api/e/{eid}/reports").json()["reports"][-1]
    assert public["report_id"] == pending.report_id
    assert public["has_attachment"] is False
    r = web.client.get(f"/e/{eid}/reports/{pending.report_id}/attachment")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    for missing in ("999", "0", "-1", "9" * 30):
        assert web.client.get(f"/e/{eid}/reports/{missing}/attachment").status_code == 404


def test_report_refusals_store_nothing(voters_web: WebElection) -> None:
    web = voters_web
    eid = web.election_id
    counts = web.services.reports.counts(eid)
    r = _post(web, None)
    assert r.status_code == 403
    r = web.client.post(f"/e/{eid}/report", data={"what": WHAT})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = web.client.post(f"/e/{eid}/report", data={"what": WHAT, "csrf": "x" * 40})
    assert r.status_code == 403
    csrf = web.csrf()

    r = web.client.post(f"/e/{eid}/report", data={"csrf": csrf, "what": "too short"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_input"
    r = _post(web, csrf, what="short", place="Office 7")
    assert r.status_code == 400 and 'data-code="invalid_input"' in r.text
    assert 'value="Office 7"' in r.text  # the form keeps what was typed
    assert_clean_page(r.text)
    r = web.client.post(
        f"/e/{eid}/report",
        data={"csrf": csrf, "what": WHAT},
        files={"attachment": ("a.gif", b"GIF89a....", "image/gif")},
    )
    assert r.status_code == 400 and "image/gif" in r.json()["error"]["message"]
    r = web.client.post(
        f"/e/{eid}/report",
        data={"csrf": csrf, "what": WHAT},
        files={"attachment": ("fake.png", b"not a png at all", "image/png")},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_input"
    assert web.services.reports.counts(eid) == counts

    r = web.client.post("/e/no-such-election/report", data={"csrf": csrf, "what": WHAT})
    assert r.status_code == 404


def test_report_without_attachment_and_unlabelled_upload(voters_web: WebElection) -> None:
    web = voters_web
    eid = web.election_id
    before = web.services.reports.pending(eid)
    csrf = web.csrf()
    # A browser sends an empty file part when no file was chosen.
    r = web.client.post(
        f"/e/{eid}/report",
        data={"csrf": csrf, "what": WHAT},
        files={"attachment": ("", b"", "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    # An upload without a useful type is recognised by its content.
    r = web.client.post(
        f"/e/{eid}/report",
        data={"csrf": csrf, "what": WHAT},
        files={"attachment": ("photo", png(with_text=False), "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    first, second = new_pending(web, before)
    assert first.attachment_type is None and second.attachment_type == "image/png"
