"""The organiser's pages (``/organiser…``): sign in, elections, the dashboard (roll,
exceptions, phases, reports) and the integrity audit.

The pages take the ``hb_organiser`` cookie that signing in sets, and every form carries
the ``csrf`` field.  Pages that change something answer with a 303 redirect, or with
the dashboard showing what went wrong.  The use cases are in
:mod:`honestballot.service.organiser_cases`, shared with the API.  A token scoped to
one election lists only that election, and every page of another election answers as for
one that does not exist (404), after the sign-in check (a page without a valid cookie
redirects to the sign-in page first).
Tokens are never logged: the log names the organiser by its label.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from honestballot.audit.findings import Severity
from honestballot.errors import (
    AuditFailed,
    HonestBallotError,
    InvalidInput,
    NotSignedIn,
    RollRejected,
    Text,
)
from honestballot.protocol.encrypted_roll import roll_needs
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.schedule import DEFAULT_EPSILON_MILLI, DEFAULT_K0, Schedule
from honestballot.protocol.schedule_plan import (
    INTERVALS,
    Plan,
    epsilon_text,
    hour_runs,
    parse_epsilon,
    ratio_text,
    slots,
)
from honestballot.record.ballot import schnorr_from_json
from honestballot.record.codec import Reader, decode_point, parse_json
from honestballot.record.manifest import load_manifest
from honestballot.record.trustee import decode_election_key
from honestballot.service.organiser_cases import (
    add_exception,
    audit_findings,
    change_phase,
    check_may_create,
    create_election,
    election_status,
    import_roll,
    managed_elections,
    phase_of,
    publish_report,
    reject_report,
    report_json,
    roll_summary_to_sign,
    upload_encrypted_roll,
)
from honestballot.service.runtime import Services
from honestballot.service.security.organisers import Organiser
from honestballot.web.deps import ORGANISER, cookie, require_csrf, services_of
from honestballot.web.errors import ApiError, classify
from honestballot.web.i18n import language_of
from honestballot.web.messages import describe, finding_texts, message_of, say_all
from honestballot.web.pages import render

log = logging.getLogger("honestballot.web.organiser")
router = APIRouter()

#: how long the page cookie lasts after signing in
SIGNED_IN_S: Final = 8 * 60 * 60
#: the phase change each button makes, by the phase it is allowed in: the trustees count
#: the election in its close (no encrypted tally to publish), so nothing is left to switch
#: once it is closed
NEXT_ACTION: Final = {"setup": "open", "open": "close"}


def next_action(phase: str) -> str | None:
    """The phase change the organiser's button offers in ``phase``, if any."""
    return NEXT_ACTION.get(phase)


def idle_text(phase: str) -> str:
    """The catalogue key of what the phase section says when no button is offered: the
    results are out (``done``), or the trustees count the election in its close."""
    return "organiser.phase.done" if phase == "done" else "organiser.phase.nothing.close"


#: ``?done=`` values the dashboard confirms (anything else is ignored)
DONE: Final = frozenset(
    {
        "created",
        "roll",
        "exception",
        "encrypted_roll",
        "open",
        "close",
        "published",
        "rejected",
    }
)

FormText = Annotated[str, Form()]
FormFile = Annotated[UploadFile | None, File()]

#: the plan's fields (protocol/schedule_plan.py), in the query of the proposal and as the
#: create form's hidden fields
PLAN_FIELDS: Final = ("voters", "opens_at", "hours", "interval", "k0", "epsilon")


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _page_organiser(request: Request) -> Organiser | None:
    """The organiser signed in by the page cookie, or None."""
    token = request.cookies.get(ORGANISER, "")
    if not token:
        return None
    try:
        return services_of(request).organisers.check(token)
    except NotSignedIn:
        return None


def _form_guard(request: Request, csrf: str) -> Organiser:
    """A page form that changes something: its CSRF field, then the cookie."""
    require_csrf(request, csrf)
    who = _page_organiser(request)
    if who is None:
        raise NotSignedIn(
            Text("organiser.not_signed_in", "organisers sign in with their organiser token")
        )
    return who


def _election_form_guard(request: Request, csrf: str, election_id: str) -> Organiser:
    """A form under an election: as :func:`_form_guard`, then 404 unless the election
    exists and the organiser may manage it (before the form's content is looked at)."""
    who = _form_guard(request, csrf)
    phase_of(services_of(request), who, election_id)
    return who


def _read(upload: UploadFile | None, what: str) -> bytes:
    data = upload.file.read() if upload is not None else b""
    if not data:
        raise InvalidInput(
            Text(f"organiser.choose_{what.replace(' ', '_')}", f"choose the {what} file")
        )
    return data


def _looks_like(data: bytes, field: str) -> bool:
    """Whether ``data`` is a JSON object with ``field`` at its top (a cheap guess at which
    file it is: an election key has ``ceremony``, a manifest ``contests``)."""
    try:
        obj = json.loads(data)
    except ValueError:
        return False
    return isinstance(obj, dict) and field in obj


def _manifest_or_why(manifest_data: bytes, key_data: bytes) -> Manifest:
    """The manifest, or an error that says what the file is: the election key put in the
    manifest's field (the two files swapped), or no manifest at all."""
    try:
        return load_manifest(manifest_data)
    except HonestBallotError as exc:
        if _looks_like(manifest_data, "ceremony"):
            raise InvalidInput(
                Text("organiser.files_swapped", "the manifest and election key files are swapped")
            ) from exc
        raise InvalidInput(
            Text("organiser.not_a_manifest", f"not a manifest: {exc}", detail=str(exc))
        ) from exc


def _failure(request: Request, exc: HonestBallotError | ApiError) -> tuple[int, str, str]:
    """The status, what to tell the organiser in the page's language, and the English
    detail of an error the catalogue has no text for."""
    if isinstance(exc, ApiError):
        status, code, message = exc.status, exc.code, exc.message
    else:
        (status, code), message = classify(exc), message_of(exc)
    return (status, *describe(code, message, language_of(request)))


def _when(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@router.get("/organiser", include_in_schema=False)
def page_signin(request: Request) -> Response:
    if _page_organiser(request) is not None:
        return _see_other("/organiser/elections")
    return render(request, "organiser_signin.html")


@router.post("/organiser/signin", include_in_schema=False)
def page_signin_post(request: Request, token: FormText = "", csrf: FormText = "") -> Response:
    require_csrf(request, csrf)
    token = token.strip()
    try:
        who = services_of(request).organisers.check(token)
    except NotSignedIn:
        return render(request, "organiser_signin.html", 401, failed=True)
    response = _see_other("/organiser/elections")
    cookie(response, request, ORGANISER, token, SIGNED_IN_S)
    log.info("organiser %r signed in", who.label)
    return response


@router.post("/organiser/signout", include_in_schema=False)
def page_signout(request: Request, csrf: FormText = "") -> Response:
    require_csrf(request, csrf)
    response = _see_other("/organiser")
    cookie(response, request, ORGANISER, "", 0)
    return response


def _elections_page(
    request: Request,
    who: Organiser,
    status: int = 200,
    error: str = "",
    detail: str = "",
    *,
    plan: dict[str, Any] | None = None,
    plan_failed: bool = False,
) -> Response:
    """The elections ``who`` may manage (a scoped token's own only), the form that
    creates one and, with ``plan``, the batch schedule proposed for re-voting protection
    (``plan_failed``: the error is the plan's, nothing was to be created)."""
    services = services_of(request)
    lang = language_of(request)
    elections = [
        {
            "election_id": eid,
            "title": services.elections.context(eid).manifest.title.get(lang),
            "phase": services.elections.phase(eid),
        }
        for eid in managed_elections(services, who)
    ]
    return render(
        request,
        "organiser_elections.html",
        status,
        elections=elections,
        error=error,
        error_detail=detail,
        intervals=INTERVALS,
        plan=plan or {"values": {}, "shown": False},
        plan_failed=plan_failed,
    )


def _not_a_number(name: str) -> Text:
    """What the organiser is told of a plan's field that is no whole number."""
    if name == "voters":
        return Text("schedule.voters_number", "the expected voters: enter a whole number")
    if name == "opens_at":
        return Text("schedule.opens_at_number", "the opening hour: enter a whole number")
    if name == "hours":
        return Text("schedule.hours_number", "the hours of the vote: enter a whole number")
    if name == "k0":
        return Text("schedule.k0_number", "K0 (cover replacements): enter a whole number")
    return Text("schedule.interval_number", "the batch interval: enter a whole number")


def _plan_of(values: Mapping[str, str]) -> Plan:
    """The plan the form's fields name (a number may be written with spaces: 10 000; the
    cover's K0 and epsilon left empty are their defaults, 300 and 0.1)."""
    numbers: dict[str, int] = {}
    for name in PLAN_FIELDS:
        raw = values.get(name, "").replace(" ", "").replace("\u00a0", "").strip()
        if name == "epsilon":
            numbers["epsilon_milli"] = parse_epsilon(raw) if raw else DEFAULT_EPSILON_MILLI
            continue
        if name == "k0" and not raw:
            numbers[name] = DEFAULT_K0
            continue
        if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
            raise InvalidInput(_not_a_number(name))
        numbers[name] = int(raw)
    return Plan(**numbers)


def _plan_view(values: Mapping[str, str], plan: Plan | None) -> dict[str, Any]:
    """What the page shows of a plan: the values to fill the fields with again and, for a
    valid plan, its schedule in runs of hours of equal sizes (clock times from
    ``opens_at``, the day named when the vote runs past midnight)."""
    view: dict[str, Any] = {
        "values": {name: values.get(name, "")[:16] for name in PLAN_FIELDS},
        "shown": plan is not None,
    }
    if plan is None:
        return view
    schedule: Schedule = plan.schedule()
    days = (plan.opens_at + plan.hours - 1) // 24 > 0
    view["runs"] = [
        {
            "day": (plan.opens_at + run.first) // 24 + 1 if days else 0,
            "start": f"{(plan.opens_at + run.first) % 24:02d}:00",
            "end": f"{(plan.opens_at + run.last + 1) % 24:02d}:00",
            "expected": run.expected,
            "rows": run.rows,
            "registrations": run.registrations,
        }
        for run in hour_runs(plan, schedule)
    ]
    view["slots"] = slots(schedule)
    view["interval"] = plan.interval
    view["voters"] = plan.voters
    view["hours"] = plan.hours
    view["k0"] = schedule.cover.k0
    view["epsilon"] = epsilon_text(schedule.cover.epsilon_milli)
    view["ratio"] = ratio_text(schedule.cover.epsilon_milli)
    # the create form's hidden fields: the plan's values as read, not the raw text
    view["hidden"] = {
        "voters": str(plan.voters),
        "opens_at": str(plan.opens_at),
        "hours": str(plan.hours),
        "interval": str(plan.interval),
        "k0": str(view["k0"]),
        "epsilon": view["epsilon"],
    }
    return view


@router.get("/organiser/elections", include_in_schema=False)
def page_elections(request: Request) -> Response:
    """The elections; with the plan's fields in the query (the "show the proposed
    schedule" form), the batch schedule they give, or what is wrong with them."""
    who = _page_organiser(request)
    if who is None:
        return _see_other("/organiser")
    query = request.query_params
    if not any(name in query for name in PLAN_FIELDS):
        return _elections_page(request, who)
    try:
        plan = _plan_of(query)
    except HonestBallotError as exc:
        failure = _failure(request, exc)
        view = _plan_view(query, None)
        return _elections_page(request, who, *failure, plan=view, plan_failed=True)
    return _elections_page(request, who, plan=_plan_view(query, plan))


@router.post("/organiser/elections", include_in_schema=False)
def page_create(
    request: Request,
    manifest: FormFile = None,
    election_key: FormFile = None,
    csrf: FormText = "",
    organiser_key: FormText = "",
    voters: FormText = "",
    opens_at: FormText = "",
    hours: FormText = "",
    interval: FormText = "",
    k0: FormText = "",
    epsilon: FormText = "",
) -> Response:
    """The manifest and election-key files, read exactly as ``election create`` reads them;
    re-voting protection: the plan's fields, whose proposed schedule the page showed, are
    required, and the organiser's key (it signs the encrypted roll). A scoped token's 403
    for another election comes before the plan is read, as the API's comes before its
    schedule."""
    who = _form_guard(request, csrf)
    values = {
        "voters": voters,
        "opens_at": opens_at,
        "hours": hours,
        "interval": interval,
        "k0": k0,
        "epsilon": epsilon,
    }
    plan: Plan | None = None
    try:
        manifest_data = _read(manifest, "manifest")
        key_data = _read(election_key, "election key")
        m = _manifest_or_why(manifest_data, key_data)
        # a scoped token's 403 comes first, as the API's does
        check_may_create(who, m.election_id)
        plan = _required_plan(values)
        raw_key = parse_json(key_data, limit=64 << 20, what="key")
        try:
            key = decode_election_key(raw_key, "election-key")
        except HonestBallotError as exc:
            raise InvalidInput(
                Text("organiser.not_a_key", f"not an election key file: {exc}", detail=str(exc))
            ) from exc
        signer = organiser_key.strip().lower()
        created = create_election(
            services_of(request).elections,
            who,
            m,
            key,
            organiser_key=decode_point(signer, "organiser_key") if signer else None,
            schedule=plan.schedule(),
            expected_voters=plan.voters,
        )

    except (HonestBallotError, ApiError) as exc:
        failure = _failure(request, exc)
        return _elections_page(request, who, *failure, plan=_plan_view(values, plan))
    # with a contest counted by mixing, the dashboard warns of the roll it needs, beside
    # the voters expected (docs/ranked.md)
    voters = f"&voters={plan.voters}" if created["warnings"] else ""
    return _see_other(f"/organiser/e/{created['election_id']}?done=created{voters}#encrypted-roll")


def _required_plan(values: Mapping[str, str]) -> Plan:
    """The plan of an election with re-voting protection; none given at all (the
    proposed schedule never shown) is said as such, not as a field's bad number."""
    if not any(values.get(name, "").strip() for name in PLAN_FIELDS):
        raise InvalidInput(
            Text(
                "organiser.revoting_no_plan",
                "re-voting protection needs its batch schedule: enter the expected voters, "
                "show the proposed schedule, then create the election",
            )
        )
    return _plan_of(values)


def _dashboard(
    request: Request,
    who: Organiser,
    election_id: str,
    status: int = 200,
    *,
    error: str = "",
    detail: str = "",
    problems: list[str] | None = None,
    done: str = "",
    expected_voters: int | None = None,
) -> Response:
    services = services_of(request)
    lang = language_of(request)
    phase = phase_of(services, who, election_id)
    context = services.elections.context(election_id)
    manifest = context.manifest
    schedule = services.elections.board_keys(election_id).schedule
    per_unit = services.roll.per_unit(election_id)
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
            **report_json(r),
            "created": _when(r.created_ms),
            "draft": "\n\n".join(x for x in (r.what, r.place, r.happened) if x),
        }
        for r in services.reports.pending(election_id)
    ]
    return render(
        request,
        "organiser_dashboard.html",
        status,
        election_id=election_id,
        title=manifest.title.get(lang),
        phase=phase,
        next_action=next_action(phase),
        idle_text=idle_text(phase),
        units=units,
        min_unit_size=manifest.min_unit_size,
        voters=sum(per_unit.values()),
        exceptions=services.roll.exceptions(election_id),
        notices_pending=services.outbox.pending_count(election_id),
        reports=reports,
        report_counts=services.reports.counts(election_id),
        done=done if done in DONE else "",
        error=error,
        error_detail=detail,
        problems=say_all((problems or [])[:1000], lang),
        shared_contacts=_shared_contacts(problems or []),
        problem_count=len(problems or []),
        schedule=schedule,
        cover_epsilon=epsilon_text(schedule.cover.epsilon_milli) if schedule else "",
        cover_ratio=ratio_text(schedule.cover.epsilon_milli) if schedule else "",
        fingerprint=context.base_hash.hex()[:16],
        # before the encrypted roll: the roll each contest counted by mixing needs
        roll_needs=say_all(list(roll_needs(manifest, expected_voters)), lang)
        if phase == "setup"
        else [],
    )


def _dashboard_after(
    request: Request,
    who: Organiser,
    election_id: str,
    done: str,
    change: Callable[[Services], object],
) -> Response:
    """Run ``change``; then back to the dashboard (303), or the dashboard with the error."""
    try:
        change(services_of(request))
    except RollRejected as exc:
        return _dashboard(request, who, election_id, 400, problems=exc.problems)
    except HonestBallotError as exc:
        status, error, detail = _failure(request, exc)
        return _dashboard(request, who, election_id, status, error=error, detail=detail)

    return _see_other(f"/organiser/e/{election_id}?done={done}")


@router.get("/organiser/e/{election_id}", include_in_schema=False)
def page_dashboard(
    request: Request, election_id: str, done: str = "", voters: str = ""
) -> Response:
    """The election's dashboard; ``voters`` (the create form's expected voters, given by
    its redirect) only phrases the warning of the roll a contest counted by mixing needs."""
    who = _page_organiser(request)
    if who is None:
        return _see_other("/organiser")
    expected = int(voters) if voters.isdigit() and 0 < len(voters) <= 12 else None
    return _dashboard(request, who, election_id, done=done, expected_voters=expected)


@router.post("/organiser/e/{election_id}/roll", include_in_schema=False)
def page_roll(
    request: Request, election_id: str, roll: FormFile = None, csrf: FormText = ""
) -> Response:
    who = _election_form_guard(request, csrf, election_id)
    return _dashboard_after(
        request,
        who,
        election_id,
        "roll",
        lambda services: import_roll(services, who, election_id, _read(roll, "roll")),
    )


@router.post("/organiser/e/{election_id}/encrypted-roll", include_in_schema=False)
def page_encrypted_roll(
    request: Request, election_id: str, encrypted_roll: FormFile = None, csrf: FormText = ""
) -> Response:
    """The file ``honestballot organiser make-roll`` wrote (``--out``), checked and kept
    exactly as ``POST /api/organiser/e/ID/encrypted-roll`` keeps it."""
    who = _election_form_guard(request, csrf, election_id)

    def keep(services: Services) -> None:
        data = _read(encrypted_roll, "encrypted roll")
        upload = parse_json(data, limit=192 << 20, what="the encrypted roll")
        upload_encrypted_roll(services, who, election_id, upload)

    return _dashboard_after(request, who, election_id, "encrypted_roll", keep)


@router.post("/organiser/e/{election_id}/exceptions", include_in_schema=False)
def page_exception(
    request: Request,
    election_id: str,
    contact: FormText = "",
    reason: FormText = "",
    csrf: FormText = "",
    contacts: FormText = "",
) -> Response:
    """One exception, or (``contacts``, from a refused roll's shared contacts) one for
    each listed contact with the same reason."""
    who = _election_form_guard(request, csrf, election_id)
    listed = contacts.split()[:1000] if contacts.strip() else [contact]

    def record(services: Services) -> None:
        for one in listed:
            add_exception(services, who, election_id, one, reason)

    return _dashboard_after(request, who, election_id, "exception", record)


def _shared_contacts(problems: list[str]) -> list[str]:
    """The contacts a refused roll shares without an exception, each once, in order."""
    found: dict[str, None] = {}
    for line in problems:
        problem = line.params.get("problem") if isinstance(line, Text) else None
        if isinstance(problem, Text) and problem.key.startswith("roll.shared_"):
            found.setdefault(str(problem.params["contact"]), None)
    return list(found)


def _known_action(action: str) -> str:
    if action not in NEXT_ACTION.values():
        raise ApiError(
            404, "not_found", Text("organiser.no_action", f"there is no action {action[:32]!r}")
        )
    return action


@router.get("/organiser/e/{election_id}/phase/{action}", include_in_schema=False)
def page_confirm(request: Request, election_id: str, action: str) -> Response:
    """The confirm step before a phase change (no script: a page of its own)."""
    who = _page_organiser(request)
    if who is None:
        return _see_other("/organiser")
    services = services_of(request)
    _known_action(action)
    status = election_status(services, who, election_id)
    protected = services.elections.takes_revoting(election_id)
    allowed = next_action(status["phase"]) == action
    # an election with protection opens only with its encrypted roll, made from the roll
    # as it is: without one, the page says so instead of offering the open
    roll_state = ""
    if allowed and action == "open" and protected:
        roll = services.roll
        roll_state = services.elections.encrypted_roll_state(
            election_id, lambda conn: roll.summary_body(election_id, conn)
        )
    return render(
        request,
        "organiser_confirm.html",
        election_id=election_id,
        title=services.elections.context(election_id).manifest.title.get(language_of(request)),
        action=action,
        allowed=allowed,
        # the organiser's signature of the roll summary is asked for here only without
        # protection: with it, the kept encrypted roll carries the signature
        signed_roll=action == "open"
        and not protected
        and services.elections.board_keys(election_id).organiser_key is not None,
        # the open confirmation repeats the warning of an election without protection
        protected=protected,
        roll_missing=roll_state == "missing",
        roll_stale=roll_state == "stale",
        **status,
    )


@router.get("/organiser/e/{election_id}/roll-summary.json", include_in_schema=False)
def page_roll_summary(request: Request, election_id: str) -> Response:
    """The roll summary to sign on the organiser's machine (``organiser sign-roll``)."""
    who = _page_organiser(request)
    if who is None:
        return _see_other("/organiser")
    summary = roll_summary_to_sign(services_of(request), who, election_id)
    return Response(
        json.dumps(summary, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{election_id}-roll-summary.json"'},
    )


@router.post("/organiser/e/{election_id}/phase/{action}", include_in_schema=False)
def page_change_phase(
    request: Request,
    election_id: str,
    action: str,
    csrf: FormText = "",
    roll_signature: FormFile = None,
) -> Response:
    who = _election_form_guard(request, csrf, election_id)
    _known_action(action)

    def act(services: Services) -> str:
        signature = None
        if roll_signature is not None and roll_signature.filename:
            r = Reader(
                parse_json(_read(roll_signature, "signature"), limit=4096, what="signature"),
                "signature file",
            )
            signature = schnorr_from_json(r.raw("roll_signature"), "roll_signature")
            r.done()
        return change_phase(services, who, election_id, action, signature)

    return _dashboard_after(request, who, election_id, action, act)


@router.post("/organiser/e/{election_id}/reports/{report_id}/publish", include_in_schema=False)
def page_publish(
    request: Request,
    election_id: str,
    report_id: int,
    text: FormText = "",
    attachment_public: FormText = "",
    csrf: FormText = "",
) -> Response:
    who = _election_form_guard(request, csrf, election_id)
    public = attachment_public in ("on", "1", "yes", "true")
    return _dashboard_after(
        request,
        who,
        election_id,
        "published",
        lambda services: publish_report(services, who, election_id, report_id, text, public),
    )


@router.post("/organiser/e/{election_id}/reports/{report_id}/reject", include_in_schema=False)
def page_reject(
    request: Request, election_id: str, report_id: int, reason: FormText = "", csrf: FormText = ""
) -> Response:
    who = _election_form_guard(request, csrf, election_id)
    return _dashboard_after(
        request,
        who,
        election_id,
        "rejected",
        lambda services: reject_report(services, who, election_id, report_id, reason),
    )


def _by_severity(findings: list[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    order = [s.label for s in sorted(Severity, reverse=True)]
    return [(sev, [f for f in findings if f["severity"] == sev]) for sev in order]


@router.get("/organiser/e/{election_id}/audit", include_in_schema=False)
def page_audit(request: Request, election_id: str) -> Response:
    who = _page_organiser(request)
    if who is None:
        return _see_other("/organiser")
    services = services_of(request)
    phase_of(services, who, election_id)
    title = services.elections.context(election_id).manifest.title.get(language_of(request))
    try:
        found = audit_findings(services, who, election_id)
    except AuditFailed as exc:
        status, code = classify(exc)
        return render(
            request,
            "organiser_audit.html",
            status,
            election_id=election_id,
            title=title,
            unavailable=describe(code, message_of(exc), language_of(request))[0],
        )
    lang = language_of(request)
    findings: list[Mapping[str, Any]] = [{**f, **finding_texts(f, lang)} for f in found["findings"]]
    return render(
        request,
        "organiser_audit.html",
        election_id=election_id,
        title=title,
        unavailable="",
        rows_read=found["rows_read"],
        bad_rows=len(found["bad_rows"]),
        revoting=bool(found.get("revoting")),
        groups=_by_severity(findings),
    )
