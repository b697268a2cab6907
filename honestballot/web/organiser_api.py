"""The organiser's JSON API (``/api/organiser/…``): elections, the roll, phases, reports,
the integrity audit's findings and the roll file it reads.

Every route takes ``Authorization: Bearer <token>`` (or the page cookie with the CSRF
header); a route under an election answers 401 before 404, and 404 before it looks at
the body.  A token scoped to one election gets, under any other election, exactly the
404 of an election that does not exist, and may create only its own election (403).
The use cases are in :mod:`honestballot.service.organiser_cases`, shared with the pages.
Nothing here shows a one-time code or a credential secret, and no route adds a ballot.

No route hands out the activity log (who signed in and cast when, from where): with it an
organiser would see which voter cast again, and re-voting, the answer to coercion, must
stay invisible to organisers.  The audit reads the log on the server; the operator, who
holds the database, writes it with ``honestballot election activity`` (docs/audit.md).
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from honestballot.errors import Text
from honestballot.record.ballot import schnorr_from_json
from honestballot.record.codec import Reader, parse_json
from honestballot.record.manifest import manifest_from_json
from honestballot.record.trustee import decode_election_key
from honestballot.record.witness import schedule_from_json, witness_from_json
from honestballot.service.organiser_cases import (
    add_exception,
    audit_findings,
    change_phase,
    create_election,
    election_status,
    import_roll,
    phase_of,
    publish_report,
    reject_report,
    report_json,
    roll_audit_csv,
    roll_summary_to_sign,
    upload_encrypted_roll,
)
from honestballot.service.reports import ATTACHMENT_SUFFIX
from honestballot.service.security.organisers import Organiser
from honestballot.web.deps import organiser, services_of
from honestballot.web.errors import ApiError
from honestballot.web.i18n import language_of
from honestballot.web.messages import say
from honestballot.web.openapi import csv_body, file_response, json_body, strings

router = APIRouter()


async def _raw_body(request: Request) -> bytes:
    return await request.body()


SignedIn = Annotated[Organiser, Depends(organiser)]
Body = Annotated[bytes, Depends(_raw_body)]


def _organiser_for_election(request: Request, election_id: str, who: SignedIn) -> Organiser:
    """The organiser once the path's election is known to exist and to be one it may
    manage (401 before 404, and 404 before the body is looked at); another election than
    a scoped token's own answers exactly as one that does not exist."""
    phase_of(services_of(request), who, election_id)
    return who


ForElection = Annotated[Organiser, Depends(_organiser_for_election)]


def _content_type(request: Request, expected: str) -> None:
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if given != expected:
        raise ApiError(
            415,
            "unsupported_media_type",
            Text(
                "organiser.media_type",
                f"send {expected} (got {given[:64] or 'nothing'})",
                expected=expected,
                given=given[:64] or "—",
            ),
        )


def _json(request: Request, body: bytes, limit: int = 64 * 1024) -> Reader:
    _content_type(request, "application/json")
    return Reader(parse_json(body, limit=limit, what="the request body"), "request")


@router.post(
    "/api/organiser/elections",
    status_code=201,
    summary="Create an election",
    openapi_extra=json_body(
        '{"manifest": manifest, "election_key": election-key file, "witnesses": '
        '[{"name": …, "key": hex}], "witness_quorum": n, "organiser_key": hex, '
        '"schedule": {"interval": seconds, "hours": [[rows, registrations], …], '
        '"cover": {"k0": K0, "epsilon_milli": ε in thousandths}}, "expected_voters": n}'
    ),
)
def api_create(request: Request, who: SignedIn, body: Body) -> dict[str, Any]:
    """``{"manifest": …, "election_key": …}``: the same checks as ``election create``;
    optionally the witnesses who co-sign the board (``witness_quorum`` of them needed,
    default all) and the organiser's key that signs the roll summary.  Re-voting
    protection is the default: the body carries its batch schedule with its cover's
    ``K0`` and ``ε`` (docs/coercion.md §4; the setup's form, docs/record-format.md §3),
    which needs the organiser's key; without a schedule the request is refused (400
    ``invalid_input``).  A token scoped to one election creates only
    that one (403 ``forbidden``).  The answer's ``warnings`` name each contest counted by
    mixing with the voters it needs on the roll (``message`` in English, ``text`` in the
    request's language; docs/ranked.md); ``expected_voters``, when given and fewer, is
    named beside them (``roll_needs.expected*``). Nothing is refused for it: the roll
    is held to the rule when the encrypted roll is uploaded."""
    r = _json(request, body, limit=16 * 1024 * 1024)
    manifest = manifest_from_json(r.raw("manifest"), "manifest")
    key = decode_election_key(r.raw("election_key"), "election_key")
    witnesses = r.items("witnesses", witness_from_json, max_items=32) if r.has("witnesses") else []
    quorum = r.integer("witness_quorum", minimum=0) if r.has("witness_quorum") else None
    organiser_key = r.point("organiser_key") if r.has("organiser_key") else None
    schedule = schedule_from_json(r.raw("schedule"), "schedule") if r.has("schedule") else None
    expected = r.integer("expected_voters", minimum=1) if r.has("expected_voters") else None
    r.done()
    created = create_election(
        services_of(request).elections,
        who,
        manifest,
        key,
        witnesses=witnesses,
        quorum=quorum,
        organiser_key=organiser_key,
        schedule=schedule,
        expected_voters=expected,
    )
    lang = language_of(request)
    created["warnings"] = [
        {"key": w.key, "message": str(w), "text": say(w, lang)} for w in created["warnings"]
    ]
    return created


@router.post(
    "/api/organiser/e/{election_id}/roll",
    status_code=201,
    summary="Import voters",
    openapi_extra=csv_body("national_id,name,phone,email,unit"),
)
def api_roll(request: Request, election_id: str, who: ForElection, body: Body) -> dict[str, int]:
    """A CSV file (``text/csv``): every voter of it, or none (400 with every problem)."""
    _content_type(request, "text/csv")
    return import_roll(services_of(request), who, election_id, body)


@router.post(
    "/api/organiser/e/{election_id}/exceptions",
    status_code=201,
    openapi_extra=json_body("a shared phone or e-mail allowed", strings("contact", "reason")),
)
def api_add_exception(
    request: Request, election_id: str, who: ForElection, body: Body
) -> dict[str, str]:
    """Allow several voters to share a phone or e-mail, with a reason (``{contact, reason}``)."""
    r = _json(request, body)
    contact, reason = r.text("contact", max_len=320), r.text("reason", max_len=1000)
    r.done()
    return {"contact": add_exception(services_of(request), who, election_id, contact, reason)}


@router.get("/api/organiser/e/{election_id}/exceptions")
def api_exceptions(request: Request, election_id: str, who: ForElection) -> dict[str, Any]:
    services = services_of(request)
    found = services.roll.exceptions(election_id)
    return {"exceptions": [{"contact": c, "reason": r} for c, r in found]}


@router.get(
    "/api/organiser/e/{election_id}/roll-summary",
    summary="The roll summary open will post, for the organiser's key to sign",
)
def api_roll_summary(request: Request, election_id: str, who: ForElection) -> dict[str, Any]:
    return roll_summary_to_sign(services_of(request), who, election_id)


@router.post(
    "/api/organiser/e/{election_id}/encrypted-roll",
    summary="Upload the encrypted roll (re-voting protection), posted at open",
    openapi_extra=json_body("the file 'honestballot organiser make-roll' wrote (--out)"),
)
async def api_encrypted_roll(
    request: Request, election_id: str, who: ForElection
) -> dict[str, Any]:
    services = services_of(request)
    upload = parse_json(await request.body(), limit=192 << 20, what="the encrypted roll")
    return await run_in_threadpool(upload_encrypted_roll, services, who, election_id, upload)


@router.post("/api/organiser/e/{election_id}/open", summary="Post the roll summary and open")
async def api_open(request: Request, election_id: str, who: ForElection) -> dict[str, str]:
    """With an organiser's key in the setup, the body is ``{"roll_signature": {"c", "s"}}``
    as ``honestballot organiser sign-roll`` wrote it."""
    body = await request.body()
    signature = None
    if body.strip():
        r = _json(request, body)
        signature = schnorr_from_json(r.raw("roll_signature"), "roll_signature")
        r.done()
    return {"phase": change_phase(services_of(request), who, election_id, "open", signature)}


@router.post("/api/organiser/e/{election_id}/close", summary="Close the election")
def api_close(request: Request, election_id: str, who: ForElection) -> dict[str, str]:
    return {"phase": change_phase(services_of(request), who, election_id, "close")}


@router.get("/api/organiser/e/{election_id}/status")
def api_status(request: Request, election_id: str, who: ForElection) -> dict[str, Any]:
    return election_status(services_of(request), who, election_id)


@router.get("/api/organiser/e/{election_id}/reports", summary="Reports awaiting a decision")
def api_reports(request: Request, election_id: str, who: ForElection) -> dict[str, Any]:
    services = services_of(request)
    return {
        "reports": [report_json(r) for r in services.reports.pending(election_id)],
        "counts": services.reports.counts(election_id),
    }


@router.post(
    "/api/organiser/e/{election_id}/reports/{report_id}/publish",
    openapi_extra=json_body("the edited public text", strings("text")),
)
def api_publish(
    request: Request, election_id: str, report_id: int, who: ForElection, body: Body
) -> dict[str, Any]:
    """``{"text", "attachment_public"}``: the edited text, personal data removed."""
    r = _json(request, body)
    text = r.text("text")
    public = r.boolean("attachment_public") if r.has("attachment_public") else False
    r.done()
    publish_report(services_of(request), who, election_id, report_id, text, public)
    return {"report_id": report_id, "status": "published"}


@router.post(
    "/api/organiser/e/{election_id}/reports/{report_id}/reject",
    openapi_extra=json_body("why it is not published", strings("reason")),
)
def api_reject(
    request: Request, election_id: str, report_id: int, who: ForElection, body: Body
) -> dict[str, Any]:
    r = _json(request, body)
    reason = r.text("reason")
    r.done()
    reject_report(services_of(request), who, election_id, report_id, reason)
    return {"report_id": report_id, "status": "rejected"}


@router.get(
    "/api/organiser/e/{election_id}/reports/{report_id}/attachment",
    responses=file_response("application/octet-stream", "the attachment"),
)
def api_attachment(
    request: Request, election_id: str, report_id: int, who: ForElection
) -> Response:
    """Always a download, in a sandbox: the file came from an anonymous stranger."""
    services = services_of(request)
    data, kind = services.reports.attachment(election_id, report_id, public_only=False)
    name = f"report-{report_id}{ATTACHMENT_SUFFIX.get(kind, '.bin')}"
    return Response(
        data,
        media_type=kind,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "content-security-policy": "sandbox; default-src 'none'",
        },
    )


@router.get(
    "/api/organiser/e/{election_id}/roll-audit.csv",
    summary="The roll for the audit",
    responses=file_response("text/csv", "docs/audit.md roll"),
)
def api_roll_csv(request: Request, election_id: str, who: ForElection) -> FileResponse:
    made = roll_audit_csv(services_of(request), who, election_id)
    return FileResponse(
        made.path,
        media_type=made.media_type,
        filename=made.filename,
        background=BackgroundTask(os.unlink, made.path),
    )


@router.get("/api/organiser/e/{election_id}/audit", summary="Integrity audit findings")
def api_audit(request: Request, election_id: str, who: ForElection) -> dict[str, Any]:
    return audit_findings(services_of(request), who, election_id)
