"""Anonymous reports of pressure: the form, the published reports and their attachments.
No sign-in anywhere.

Reports are published only after the organiser removes personal data.  The reporter's
address, device and cookies are neither stored nor logged.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from honestballot.errors import InvalidInput, Text
from honestballot.service.reports import ATTACHMENT_SUFFIX, MAX_ATTACHMENT
from honestballot.service.runtime import Services
from honestballot.web.deps import require_csrf
from honestballot.web.errors import ApiError
from honestballot.web.i18n import language_of
from honestballot.web.messages import message_of, say
from honestballot.web.observer_common import page, utc
from honestballot.web.trustee import election_row

router = APIRouter()


@router.get("/e/{election_id}/report", response_class=HTMLResponse, include_in_schema=False)
def report_form(request: Request, election_id: str) -> HTMLResponse:
    services, row = election_row(request, election_id)
    return page(request, "observer_report.html", services, row, form={}, error="")


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _attachment(form: FormData) -> tuple[bytes | None, str | None]:
    upload = form.get("attachment")
    if not isinstance(upload, UploadFile) or (not upload.filename and not upload.size):
        return None, None
    data = await upload.read(MAX_ATTACHMENT + 1)
    if not data and not upload.filename:
        return None, None
    declared = (upload.content_type or "").split(";", 1)[0].strip().lower()
    if declared in ("", "application/octet-stream"):
        declared = _sniff(data, upload.filename or "")
    return data, declared


def _sniff(data: bytes, filename: str) -> str:
    """A type for an upload the browser did not label (the service checks it anyway)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return "text/plain" if filename.lower().endswith(".txt") else "application/octet-stream"


@router.post("/e/{election_id}/report", response_class=HTMLResponse, include_in_schema=False)
async def report_submit(request: Request, election_id: str) -> HTMLResponse:
    services, row = election_row(request, election_id)
    async with request.form(max_files=1, max_fields=10, max_part_size=64 * 1024) as form:
        require_csrf(request, _field(form, "csrf"))
        fields = {name: _field(form, name) for name in ("what", "place", "happened")}
        data, kind = await _attachment(form)
    try:
        number = await run_in_threadpool(
            services.reports.submit,
            election_id,
            fields["what"],
            fields["place"],
            fields["happened"],
            data,
            kind,
        )
    except InvalidInput as exc:
        if not _wants_html(request):
            raise
        return page(
            request,
            "observer_report.html",
            services,
            row,
            400,
            form=fields,
            error=say(message_of(exc), language_of(request)),
        )
    return page(request, "observer_report_thanks.html", services, row, number=number)


def _public_reports(services: Services, election_id: str) -> list[dict[str, Any]]:
    return [r.to_json() for r in services.reports.published(election_id)]


@router.get("/api/e/{election_id}/reports", summary="Published reports of pressure")
def api_reports(request: Request, election_id: str) -> dict[str, Any]:
    services, _ = election_row(request, election_id)
    return {
        "reports": _public_reports(services, election_id),
        "counts": services.reports.counts(election_id),
    }


@router.get("/e/{election_id}/reports", response_class=HTMLResponse, include_in_schema=False)
def reports_page(request: Request, election_id: str) -> HTMLResponse:
    services, row = election_row(request, election_id)
    reports = _public_reports(services, election_id)
    for report in reports:
        report["published"] = utc(report["published_ms"])
    return page(
        request,
        "observer_reports.html",
        services,
        row,
        reports=reports,
        counts=services.reports.counts(election_id),
    )


@router.get("/e/{election_id}/reports/{report_id}/attachment", include_in_schema=False)
def report_attachment(request: Request, election_id: str, report_id: int) -> Response:
    services, _ = election_row(request, election_id)
    try:
        if not 0 < report_id < 2**31:  # report ids are SQL integers
            raise InvalidInput(
                Text("report.unknown", f"there is no report {report_id}", report=report_id)
            )
        data, kind = services.reports.attachment(election_id, report_id, public_only=True)
    except InvalidInput as exc:
        raise ApiError(  # English only: never; both InvalidInput above carry a Text
            404, "not_found", message_of(exc)
        ) from None
    name = f"report-{report_id}{ATTACHMENT_SUFFIX.get(kind, '')}"
    return Response(
        data,
        media_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
