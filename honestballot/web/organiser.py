"""The organiser's API and pages: elections, the roll, phases, reports, the integrity audit.

The organiser creates an election from its manifest and the trustees' election key,
imports the roll, records shared-contact exceptions, opens, closes and publishes the
encrypted tally, moderates anonymous reports and downloads the audit's input files.
Nothing here shows a one-time code or a credential secret, and no route adds a ballot.

The API (``/api/organiser/…``) takes ``Authorization: Bearer <token>``; the pages
(``/organiser…``) take the ``hb_organiser`` cookie that signing in sets, and every form
carries the ``csrf`` field.  Pages that change something answer with a 303 redirect.
Tokens are never logged: the log names the organiser by its label.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Annotated, Any, Final

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from honestballot.audit.config import AuditConfig
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditInputError, Severity, to_json
from honestballot.errors import (
    EncodingError,
    HonestBallotError,
    InvalidInput,
    NotSignedIn,
    ProtocolError,
    RollRejected,
)
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.manifest import Manifest
from honestballot.record.codec import Reader, parse_json
from honestballot.record.manifest import load_manifest, manifest_from_json
from honestballot.record.trustee import decode_election_key
from honestballot.service.activity import export_activity_csv, export_roll_csv
from honestballot.service.reports import ReportRow
from honestballot.store.sql import SqlStore
from honestballot.web.deps import ORGANISER, cookie, organiser, require_csrf, services
from honestballot.web.errors import ApiError, classify
from honestballot.web.i18n import language_of
from honestballot.web.openapi import csv_body, file_response, json_body, strings
from honestballot.web.pages import render
from honestballot.web.state import Services

log = logging.getLogger("honestballot.web.organiser")
router = APIRouter()

#: how long the page cookie lasts after signing in
SIGNED_IN_S: Final = 8 * 60 * 60
#: the phase change each button makes, by the phase it is allowed in
NEXT_ACTION: Final = {"setup": "open", "open": "close", "closed": "tally"}
#: ``?done=`` values the dashboard confirms (anything else is ignored)
DONE: Final = frozenset(
    {"created", "roll", "exception", "open", "close", "tally", "published", "rejected"}
)
ATTACHMENT_EXT: Final = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/pdf": "pdf",
    "text/plain": "txt",
}


async def _raw_body(request: Request) -> bytes:
    return await request.body()


Label = Annotated[str, Depends(organiser)]
Body = Annotated[bytes, Depends(_raw_body)]


def _organiser_for_election(request: Request, election_id: str, label: Label) -> str:
    """The organiser's label once the path's election is known to exist (401 before 404,
    and 404 before the body is looked at)."""
    _phase_of(services(request), election_id)
    return label


ForElection = Annotated[str, Depends(_organiser_for_election)]
FormText = Annotated[str, Form()]
FormFile = Annotated[UploadFile | None, File()]


# -- the use cases, shared by the API and the pages -------------------------------------------


def _phase_of(s: Services, election_id: str) -> str:
    """The election's phase; 404 if there is no such election."""
    with s.store.engine.connect() as conn:
        row = s.store.election_row(conn, election_id)
    if row is None:
        raise ApiError(404, "not_found", f"there is no election {election_id[:64]!r}")
    return str(row["phase"])


def _in_setup(s: Services, election_id: str, what: str) -> None:
    phase = _phase_of(s, election_id)
    if phase != "setup":
        raise ProtocolError(f"{what} is possible only in setup; the election is {phase}")


def _create(s: Services, label: str, manifest: Manifest, key: ElectionKey) -> dict[str, str]:
    """``honestballot election create``: the service re-verifies the whole ceremony and
    checks it was run for this manifest; the two cheap checks come first here, so that a
    wrong file is named before the slow verification."""
    wanted = manifest_hash(manifest)
    ceremony = key.ceremony
    if ceremony.election_id != manifest.election_id or ceremony.manifest_hash != wanted:
        raise InvalidInput(
            "the election key comes from a key ceremony for another manifest: the ceremony "
            f"is for election {ceremony.election_id!r} with manifest hash "
            f"{ceremony.manifest_hash.hex()}, this manifest is election "
            f"{manifest.election_id!r} with manifest hash {wanted.hex()}; the trustees must "
            "run the ceremony for this manifest's hash ('honestballot election manifest-hash')"
        )
    with s.store.engine.connect() as conn:
        if s.store.election_row(conn, manifest.election_id) is not None:
            raise ProtocolError(f"election {manifest.election_id!r} already exists")
    ctx = s.elections.create(manifest, key)
    log.info("organiser %r created election %s", label, manifest.election_id)
    return {
        "election_id": manifest.election_id,
        "base_hash": ctx.base_hash.hex(),
        "phase": s.elections.phase(manifest.election_id),
    }


def _import_roll(s: Services, label: str, election_id: str, data: bytes) -> dict[str, int]:
    _in_setup(s, election_id, "importing the roll")
    imported = s.roll.import_csv(election_id, data)
    log.info("organiser %r imported %d voters into %s", label, imported, election_id)
    return {"imported": imported, "voters": s.roll.count(election_id)}


def _add_exception(s: Services, label: str, election_id: str, contact: str, reason: str) -> str:
    _in_setup(s, election_id, "recording a contact exception")
    normal = s.roll.add_exception(election_id, contact, reason)
    log.info("organiser %r recorded a contact exception in %s", label, election_id)
    return normal


def _change_phase(s: Services, label: str, election_id: str, action: str) -> str:
    """Open (posting the roll summary first), close, or publish the encrypted tally."""
    phase = _phase_of(s, election_id)
    if action == "open":
        if phase == "setup" and s.roll.count(election_id) == 0:
            raise ProtocolError("the roll is empty: import it before opening the election")
        s.elections.open(election_id, roll=lambda conn: s.roll.summary_body(election_id, conn))
    elif action == "close":
        s.elections.close(election_id)
    elif action == "tally":
        s.elections.tally(election_id)
    else:
        raise ApiError(404, "not_found", f"there is no action {action[:32]!r}")
    log.info("organiser %r: %s %s", label, action, election_id)
    return s.elections.phase(election_id)


def _status(s: Services, election_id: str) -> dict[str, Any]:
    phase = _phase_of(s, election_id)
    per_unit = s.roll.per_unit(election_id)
    return {
        "phase": phase,
        "voters": sum(per_unit.values()),
        "per_unit": per_unit,
        "exceptions": s.roll.exception_count(election_id),
        "notices_pending": s.outbox.pending_count(election_id),
        "reports_pending": s.reports.counts(election_id)["pending"],
    }


def _export(
    store: SqlStore, election_id: str, write: Callable[[SqlStore, str, IO[str]], int], path: Path
) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        write(store, election_id, out)


def _csv_download(s: Services, election_id: str, name: str) -> FileResponse:
    """One of the audit's input files (docs/audit.md), written to a private temporary file
    and deleted once sent."""
    _phase_of(s, election_id)
    write = export_activity_csv if name == "activity" else export_roll_csv
    fd, tmp = tempfile.mkstemp(prefix="hb-organiser-", suffix=".csv")
    os.close(fd)
    try:
        _export(s.store, election_id, write, Path(tmp))
    except BaseException:
        os.unlink(tmp)
        raise
    return FileResponse(
        tmp,
        media_type="text/csv; charset=utf-8",
        filename=f"{election_id}-{name}.csv",
        background=BackgroundTask(os.unlink, tmp),
    )


def _audit(s: Services, election_id: str) -> dict[str, Any]:
    """The integrity audit's organiser findings over the service's two exports.

    What the service does not know (birth dates, enrolment times) is empty in its roll
    export; the audit counts those rows in ``roll_rows_without`` and skips them only in
    the checks that need the value.  Times are UTC.  An audit that cannot read the
    service's own files is a fault of this server: 500 ``audit_failed``, saying why."""
    _phase_of(s, election_id)
    with tempfile.TemporaryDirectory(prefix="hb-audit-") as tmp:
        roll, activity = Path(tmp, "roll.csv"), Path(tmp, "activity.csv")
        names = {str(roll): "roll-audit.csv", str(activity): "activity.csv"}
        _export(s.store, election_id, export_roll_csv, roll)
        _export(s.store, election_id, export_activity_csv, activity)
        try:
            result = run_audit(roll, activity, AuditConfig(), "skip", threads=2)
        except (AuditInputError, EncodingError) as exc:
            reason = str(exc)
            for path, name in names.items():
                reason = reason.replace(path, name)
            log.error("the integrity audit failed on %s: %s", election_id, reason)
            raise ApiError(
                500, "audit_failed", f"the integrity audit could not read the exports: {reason}"
            ) from None
        findings = to_json(result)
    for bad in findings["bad_rows"]:
        bad["file"] = names.get(bad["file"], bad["file"])
    for finding in findings["findings"]:
        for record in finding.get("records", ()):
            if finding["check"] == "input.bad_row":
                record["group"] = names.get(str(record["group"]), record["group"])
    return findings


def _report_json(r: ReportRow) -> dict[str, Any]:
    return {
        "report_id": r.report_id,
        "what": r.what,
        "place": r.place,
        "happened": r.happened,
        "created_ms": r.created_ms,
        "attachment_type": r.attachment_type,
        "attachment_size": r.attachment_size,
    }


# -- the API ----------------------------------------------------------------------------------


def _content_type(request: Request, expected: str) -> None:
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if given != expected:
        raise ApiError(
            415, "unsupported_media_type", f"send {expected} (got {given[:64] or 'nothing'})"
        )


def _json(request: Request, body: bytes, limit: int = 64 * 1024) -> Reader:
    _content_type(request, "application/json")
    return Reader(parse_json(body, limit=limit, what="the request body"), "request")


@router.post(
    "/api/organiser/elections",
    status_code=201,
    summary="Create an election",
    openapi_extra=json_body('{"manifest": manifest, "election_key": election-key file}'),
)
def api_create(request: Request, label: Label, body: Body) -> dict[str, str]:
    """``{"manifest": …, "election_key": …}``: the same checks as ``election create``."""
    r = _json(request, body, limit=16 * 1024 * 1024)
    manifest = manifest_from_json(r.raw("manifest"), "manifest")
    key = decode_election_key(r.raw("election_key"), "election_key")
    r.done()
    return _create(services(request), label, manifest, key)


@router.post(
    "/api/organiser/e/{election_id}/roll",
    status_code=201,
    summary="Import voters",
    openapi_extra=csv_body("national_id,name,phone,email,unit"),
)
def api_roll(request: Request, election_id: str, label: ForElection, body: Body) -> dict[str, int]:
    """A CSV file (``text/csv``): every voter of it, or none (400 with every problem)."""
    _content_type(request, "text/csv")
    return _import_roll(services(request), label, election_id, body)


@router.post(
    "/api/organiser/e/{election_id}/exceptions",
    status_code=201,
    openapi_extra=json_body("a shared phone or e-mail allowed", strings("contact", "reason")),
)
def api_add_exception(
    request: Request, election_id: str, label: ForElection, body: Body
) -> dict[str, str]:
    """Allow several voters to share a phone or e-mail, with a reason (``{contact, reason}``)."""
    r = _json(request, body)
    contact, reason = r.text("contact", max_len=320), r.text("reason", max_len=1000)
    r.done()
    return {"contact": _add_exception(services(request), label, election_id, contact, reason)}


@router.get("/api/organiser/e/{election_id}/exceptions")
def api_exceptions(request: Request, election_id: str, label: ForElection) -> dict[str, Any]:
    s = services(request)
    found = s.roll.exceptions(election_id)
    return {"exceptions": [{"contact": c, "reason": r} for c, r in found]}


@router.post("/api/organiser/e/{election_id}/open", summary="Post the roll summary and open")
def api_open(request: Request, election_id: str, label: ForElection) -> dict[str, str]:
    return {"phase": _change_phase(services(request), label, election_id, "open")}


@router.post("/api/organiser/e/{election_id}/close", summary="Close the election")
def api_close(request: Request, election_id: str, label: ForElection) -> dict[str, str]:
    return {"phase": _change_phase(services(request), label, election_id, "close")}


@router.post("/api/organiser/e/{election_id}/tally", summary="Publish the encrypted tally")
def api_tally(request: Request, election_id: str, label: ForElection) -> dict[str, str]:
    return {"phase": _change_phase(services(request), label, election_id, "tally")}


@router.get("/api/organiser/e/{election_id}/status")
def api_status(request: Request, election_id: str, label: ForElection) -> dict[str, Any]:
    return _status(services(request), election_id)


@router.get("/api/organiser/e/{election_id}/reports", summary="Reports awaiting a decision")
def api_reports(request: Request, election_id: str, label: ForElection) -> dict[str, Any]:
    s = services(request)
    return {
        "reports": [_report_json(r) for r in s.reports.pending(election_id)],
        "counts": s.reports.counts(election_id),
    }


@router.post(
    "/api/organiser/e/{election_id}/reports/{report_id}/publish",
    openapi_extra=json_body("the edited public text", strings("text")),
)
def api_publish(
    request: Request, election_id: str, report_id: int, label: ForElection, body: Body
) -> dict[str, Any]:
    """``{"text", "attachment_public"}``: the edited text, personal data removed."""
    r = _json(request, body)
    text = r.text("text")
    public = r.boolean("attachment_public") if r.has("attachment_public") else False
    r.done()
    s = services(request)
    s.reports.publish(election_id, report_id, text, public)
    log.info("organiser %r published report %d of %s", label, report_id, election_id)
    return {"report_id": report_id, "status": "published"}


@router.post(
    "/api/organiser/e/{election_id}/reports/{report_id}/reject",
    openapi_extra=json_body("why it is not published", strings("reason")),
)
def api_reject(
    request: Request, election_id: str, report_id: int, label: ForElection, body: Body
) -> dict[str, Any]:
    r = _json(request, body)
    reason = r.text("reason")
    r.done()
    s = services(request)
    s.reports.reject(election_id, report_id, reason)
    log.info("organiser %r rejected report %d of %s", label, report_id, election_id)
    return {"report_id": report_id, "status": "rejected"}


@router.get(
    "/api/organiser/e/{election_id}/reports/{report_id}/attachment",
    responses=file_response("application/octet-stream", "the attachment"),
)
def api_attachment(
    request: Request, election_id: str, report_id: int, label: ForElection
) -> Response:
    """Always a download, in a sandbox: the file came from an anonymous stranger."""
    s = services(request)
    data, kind = s.reports.attachment(election_id, report_id, public_only=False)
    name = f"report-{report_id}.{ATTACHMENT_EXT.get(kind, 'bin')}"
    return Response(
        data,
        media_type=kind,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "content-security-policy": "sandbox; default-src 'none'",
        },
    )


@router.get(
    "/api/organiser/e/{election_id}/activity.csv",
    summary="Activity log for the audit",
    responses=file_response("text/csv", "docs/audit.md activity log"),
)
def api_activity_csv(request: Request, election_id: str, label: ForElection) -> FileResponse:
    return _csv_download(services(request), election_id, "activity")


@router.get(
    "/api/organiser/e/{election_id}/roll-audit.csv",
    summary="The roll for the audit",
    responses=file_response("text/csv", "docs/audit.md roll"),
)
def api_roll_csv(request: Request, election_id: str, label: ForElection) -> FileResponse:
    return _csv_download(services(request), election_id, "roll-audit")


@router.get("/api/organiser/e/{election_id}/audit", summary="Integrity audit findings")
def api_audit(request: Request, election_id: str, label: ForElection) -> dict[str, Any]:
    return _audit(services(request), election_id)


# -- the pages --------------------------------------------------------------------------------


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _page_label(request: Request) -> str | None:
    """The signed-in organiser's label from the page cookie, or None."""
    token = request.cookies.get(ORGANISER, "")
    if not token:
        return None
    try:
        return services(request).organisers.check(token)
    except NotSignedIn:
        return None


def _form_guard(request: Request, csrf: str) -> str:
    """A page form that changes something: its CSRF field, then the cookie."""
    require_csrf(request, csrf)
    label = _page_label(request)
    if label is None:
        raise NotSignedIn("organisers sign in with their organiser token")
    return label


def _read(upload: UploadFile | None, what: str) -> bytes:
    data = upload.file.read() if upload is not None else b""
    if not data:
        raise InvalidInput(f"choose the {what} file")
    return data


def _failure(exc: HonestBallotError | ApiError) -> tuple[int, str]:
    if isinstance(exc, ApiError):
        return exc.status, exc.message
    return classify(exc)[0], str(exc)


def _when(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@router.get("/organiser", include_in_schema=False)
def page_signin(request: Request) -> Response:
    if _page_label(request) is not None:
        return _see_other("/organiser/elections")
    return render(request, "organiser_signin.html")


@router.post("/organiser/signin", include_in_schema=False)
def page_signin_post(request: Request, token: FormText = "", csrf: FormText = "") -> Response:
    require_csrf(request, csrf)
    token = token.strip()
    try:
        label = services(request).organisers.check(token)
    except NotSignedIn:
        return render(request, "organiser_signin.html", 401, failed=True)
    response = _see_other("/organiser/elections")
    cookie(response, request, ORGANISER, token, SIGNED_IN_S)
    log.info("organiser %r signed in", label)
    return response


@router.post("/organiser/signout", include_in_schema=False)
def page_signout(request: Request, csrf: FormText = "") -> Response:
    require_csrf(request, csrf)
    response = _see_other("/organiser")
    cookie(response, request, ORGANISER, "", 0)
    return response


def _elections_page(request: Request, status: int = 200, error: str = "") -> Response:
    s = services(request)
    lang = language_of(request)
    elections = [
        {
            "election_id": eid,
            "title": s.elections.context(eid).manifest.title.get(lang),
            "phase": s.elections.phase(eid),
        }
        for eid in s.store.list_elections()
    ]
    return render(request, "organiser_elections.html", status, elections=elections, error=error)


@router.get("/organiser/elections", include_in_schema=False)
def page_elections(request: Request) -> Response:
    if _page_label(request) is None:
        return _see_other("/organiser")
    return _elections_page(request)


@router.post("/organiser/elections", include_in_schema=False)
def page_create(
    request: Request, manifest: FormFile = None, election_key: FormFile = None, csrf: FormText = ""
) -> Response:
    """The manifest and election-key files, read exactly as ``election create`` reads them."""
    label = _form_guard(request, csrf)
    try:
        m = load_manifest(_read(manifest, "manifest"))
        raw_key = parse_json(_read(election_key, "election key"), limit=64 << 20, what="key")
        created = _create(services(request), label, m, decode_election_key(raw_key, "election-key"))
    except (HonestBallotError, ApiError) as exc:
        return _elections_page(request, *_failure(exc))
    return _see_other(f"/organiser/e/{created['election_id']}?done=created")


def _dashboard(
    request: Request,
    election_id: str,
    status: int = 200,
    *,
    error: str = "",
    problems: list[str] | None = None,
    done: str = "",
) -> Response:
    s = services(request)
    lang = language_of(request)
    phase = _phase_of(s, election_id)
    manifest = s.elections.context(election_id).manifest
    per_unit = s.roll.per_unit(election_id)
    units = [
        {
            "id": u.id,
            "name": u.name.get(lang),
            "voters": per_unit.get(u.id, 0),
            "small": per_unit.get(u.id, 0) < manifest.min_unit_size,
        }
        for u in manifest.units
    ]
    reports = [
        {
            **_report_json(r),
            "created": _when(r.created_ms),
            "draft": "\n\n".join(x for x in (r.what, r.place, r.happened) if x),
        }
        for r in s.reports.pending(election_id)
    ]
    return render(
        request,
        "organiser_dashboard.html",
        status,
        election_id=election_id,
        title=manifest.title.get(lang),
        phase=phase,
        next_action=NEXT_ACTION.get(phase),
        units=units,
        min_unit_size=manifest.min_unit_size,
        voters=sum(per_unit.values()),
        exceptions=s.roll.exceptions(election_id),
        notices_pending=s.outbox.pending_count(election_id),
        reports=reports,
        report_counts=s.reports.counts(election_id),
        done=done if done in DONE else "",
        error=error,
        problems=(problems or [])[:1000],
        problem_count=len(problems or []),
    )


def _dashboard_after(
    request: Request, election_id: str, done: str, change: Callable[[Services], object]
) -> Response:
    """Run ``change``; then back to the dashboard (303), or the dashboard with the error."""
    try:
        change(services(request))
    except RollRejected as exc:
        return _dashboard(request, election_id, 400, problems=exc.problems)
    except HonestBallotError as exc:
        return _dashboard(request, election_id, classify(exc)[0], error=str(exc))
    return _see_other(f"/organiser/e/{election_id}?done={done}")


@router.get("/organiser/e/{election_id}", include_in_schema=False)
def page_dashboard(request: Request, election_id: str, done: str = "") -> Response:
    if _page_label(request) is None:
        return _see_other("/organiser")
    return _dashboard(request, election_id, done=done)


@router.post("/organiser/e/{election_id}/roll", include_in_schema=False)
def page_roll(
    request: Request, election_id: str, roll: FormFile = None, csrf: FormText = ""
) -> Response:
    label = _form_guard(request, csrf)
    return _dashboard_after(
        request,
        election_id,
        "roll",
        lambda s: _import_roll(s, label, election_id, _read(roll, "roll")),
    )


@router.post("/organiser/e/{election_id}/exceptions", include_in_schema=False)
def page_exception(
    request: Request,
    election_id: str,
    contact: FormText = "",
    reason: FormText = "",
    csrf: FormText = "",
) -> Response:
    label = _form_guard(request, csrf)
    return _dashboard_after(
        request,
        election_id,
        "exception",
        lambda s: _add_exception(s, label, election_id, contact, reason),
    )


def _known_action(action: str) -> str:
    if action not in NEXT_ACTION.values():
        raise ApiError(404, "not_found", f"there is no action {action[:32]!r}")
    return action


@router.get("/organiser/e/{election_id}/phase/{action}", include_in_schema=False)
def page_confirm(request: Request, election_id: str, action: str) -> Response:
    """The confirm step before a phase change (no script: a page of its own)."""
    if _page_label(request) is None:
        return _see_other("/organiser")
    s = services(request)
    _known_action(action)
    status = _status(s, election_id)
    return render(
        request,
        "organiser_confirm.html",
        election_id=election_id,
        title=s.elections.context(election_id).manifest.title.get(language_of(request)),
        action=action,
        allowed=NEXT_ACTION.get(status["phase"]) == action,
        **status,
    )


@router.post("/organiser/e/{election_id}/phase/{action}", include_in_schema=False)
def page_change_phase(
    request: Request, election_id: str, action: str, csrf: FormText = ""
) -> Response:
    label = _form_guard(request, csrf)
    _known_action(action)
    return _dashboard_after(
        request, election_id, action, lambda s: _change_phase(s, label, election_id, action)
    )


@router.post("/organiser/e/{election_id}/reports/{report_id}/publish", include_in_schema=False)
def page_publish(
    request: Request,
    election_id: str,
    report_id: int,
    text: FormText = "",
    attachment_public: FormText = "",
    csrf: FormText = "",
) -> Response:
    label = _form_guard(request, csrf)
    public = attachment_public in ("on", "1", "yes", "true")

    def publish(s: Services) -> None:
        s.reports.publish(election_id, report_id, text, public)
        log.info("organiser %r published report %d of %s", label, report_id, election_id)

    _phase_of(services(request), election_id)
    return _dashboard_after(request, election_id, "published", publish)


@router.post("/organiser/e/{election_id}/reports/{report_id}/reject", include_in_schema=False)
def page_reject(
    request: Request, election_id: str, report_id: int, reason: FormText = "", csrf: FormText = ""
) -> Response:
    label = _form_guard(request, csrf)

    def reject(s: Services) -> None:
        s.reports.reject(election_id, report_id, reason)
        log.info("organiser %r rejected report %d of %s", label, report_id, election_id)

    _phase_of(services(request), election_id)
    return _dashboard_after(request, election_id, "rejected", reject)


def _by_severity(findings: list[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    order = [s.label for s in sorted(Severity, reverse=True)]
    return [(sev, [f for f in findings if f["severity"] == sev]) for sev in order]


@router.get("/organiser/e/{election_id}/audit", include_in_schema=False)
def page_audit(request: Request, election_id: str) -> Response:
    if _page_label(request) is None:
        return _see_other("/organiser")
    s = services(request)
    _phase_of(s, election_id)
    title = s.elections.context(election_id).manifest.title.get(language_of(request))
    try:
        found = _audit(s, election_id)
    except ApiError as exc:
        if exc.code != "audit_failed":
            raise
        return render(
            request,
            "organiser_audit.html",
            exc.status,
            election_id=election_id,
            title=title,
            unavailable=exc.message,
        )
    return render(
        request,
        "organiser_audit.html",
        election_id=election_id,
        title=title,
        unavailable="",
        rows_read=found["rows_read"],
        bad_rows=len(found["bad_rows"]),
        groups=_by_severity(found["findings"]),
    )
