"""The organiser's use cases, shared by its API (:mod:`honestballot.web.organiser_api`) and
its pages (:mod:`honestballot.web.organiser_pages`): create an election, import the roll,
record a shared-contact exception, change the phase, the status, moderate a report, the
integrity audit and the roll file it reads.

Each use case takes the signed-in :class:`Organiser` and acts only on an election it may
manage: one scoped to another election gets exactly the answer for an election that does
not exist (:class:`NotFound`, 404 ``not_found``), so a scope does not tell which other
elections there are; it may create only its own election (:class:`Forbidden`, 403).
Nothing here shows a one-time code or a credential secret, and nothing adds a ballot.
Tokens are never logged: the log names the organiser by its label.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from honestballot.audit.config import AuditConfig
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditInputError, to_json
from honestballot.crypto.group import Point
from honestballot.crypto.schnorr import SchnorrProof
from honestballot.errors import (
    AuditFailed,
    EncodingError,
    Forbidden,
    InvalidInput,
    NotFound,
    ProtocolError,
    Text,
)
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.encrypted_roll import roll_needs
from honestballot.protocol.manifest import Manifest
from honestballot.protocol.schedule import Schedule
from honestballot.protocol.witnesses import Witness
from honestballot.service.activity import export_activity_csv, export_roll_csv
from honestballot.service.board.election import ElectionService, check_schedule
from honestballot.service.encrypted_roll import keep_encrypted_roll
from honestballot.service.reports import ReportRow
from honestballot.service.runtime import Services
from honestballot.service.security.organisers import Organiser
from honestballot.store.sql import SqlStore

# the operators' log filters name the organiser pages' logger
log = logging.getLogger("honestballot.web.organiser")


def phase_of(services: Services, who: Organiser, election_id: str) -> str:
    """The phase of an election ``who`` may manage; 404 if there is no such election, and
    the very same 404 if there is but ``who``'s token is scoped to another one."""
    row = services.board.election_row(election_id)
    if row is None or not who.may_manage(election_id):
        raise NotFound(
            Text(
                "election.unknown",
                f"there is no election {election_id[:64]!r}",
                election=election_id[:64],
            )
        )
    return str(row["phase"])


def managed_elections(services: Services, who: Organiser) -> list[str]:
    """The ids of the elections ``who`` may manage (all of them for an operator-wide
    token; a scoped token's own, once it exists)."""
    return [eid for eid in services.board.election_ids() if who.may_manage(eid)]


def _in_setup(services: Services, who: Organiser, election_id: str, what: str) -> None:
    phase = phase_of(services, who, election_id)
    if phase != "setup":
        raise ProtocolError(
            Text(
                "organiser.not_setup",
                f"{what} is possible only in setup; the election is {phase}",
                phase=Text(f"phase.{phase}", phase),
            )
        )


def check_may_create(who: Organiser, election_id: str) -> None:
    """:class:`Forbidden` unless ``who`` may create election ``election_id``: a scoped
    token creates only its own. Checked before anything else about the request (its
    re-voting choice, its files), so that the answer does not depend on whether the
    other election exists, nor on what else the request holds."""
    if not who.may_manage(election_id):
        raise Forbidden(
            Text(
                "organiser.scope_create",
                f"this organiser token manages election {who.election_id!r} only: it cannot "
                f"create election {election_id!r}",
                own=str(who.election_id),
                election=election_id,
            )
        )


def create_election(
    elections: ElectionService,
    who: Organiser,
    manifest: Manifest,
    key: ElectionKey,
    *,
    witnesses: Sequence[Witness] = (),
    quorum: int | None = None,
    organiser_key: Point | None = None,
    schedule: Schedule | None = None,
    expected_voters: int | None = None,
) -> dict[str, Any]:
    """``honestballot election create``, the API's and the create form's: the service
    re-verifies the whole ceremony and checks it was run for this manifest; the two
    cheap checks come first here, so that a wrong file is named before the slow
    verification.

    Every election has re-voting protection: ``schedule`` is required (the service's
    rule, :func:`check_schedule`, checked here before the ceremony).

    A scoped token creates only its own election, refused before anything else
    (:func:`check_may_create`).

    A contest counted by mixing needs a roll of ``voters_needed`` voters, which the
    encrypted roll is held to (docs/coercion.md §8.3); the roll is not known yet, so
    nothing is refused for it here: the answer's ``warnings`` name every such contest
    with the voters it needs on the roll, beside ``expected_voters`` when fewer are
    expected (:func:`~honestballot.protocol.encrypted_roll.roll_needs`, docs/ranked.md)."""
    check_may_create(who, manifest.election_id)
    check_schedule(schedule)
    warnings = roll_needs(manifest, expected_voters)
    wanted = manifest_hash(manifest)
    ceremony = key.ceremony
    if ceremony.election_id != manifest.election_id or ceremony.manifest_hash != wanted:
        raise InvalidInput(
            Text(
                "organiser.key_for_other_manifest",
                "the election key comes from a key ceremony for another manifest: the ceremony "
                f"is for election {ceremony.election_id!r} with manifest hash "
                f"{ceremony.manifest_hash.hex()}, this manifest is election "
                f"{manifest.election_id!r} with manifest hash {wanted.hex()}; the trustees must "
                "run the ceremony for this manifest's hash ('honestballot election manifest-hash')",
                key_election=ceremony.election_id,
                key_hash=ceremony.manifest_hash.hex()[:16],
                election=manifest.election_id,
                hash=wanted.hex()[:16],
            )
        )
    if elections.exists(manifest.election_id):
        raise ProtocolError(
            Text(
                "organiser.election_exists",
                f"election {manifest.election_id!r} already exists",
                election=manifest.election_id,
            )
        )
    ctx = elections.create(
        manifest,
        key,
        witnesses=witnesses,
        quorum=quorum,
        organiser_key=organiser_key,
        schedule=schedule,
    )
    log.info("organiser %r created election %s", who.label, manifest.election_id)
    return {
        "election_id": manifest.election_id,
        "base_hash": ctx.base_hash.hex(),
        "phase": elections.phase(manifest.election_id),
        "warnings": list(warnings),
    }


def import_roll(
    services: Services, who: Organiser, election_id: str, data: bytes
) -> dict[str, int]:
    _in_setup(services, who, election_id, "importing the roll")
    imported = services.roll.import_csv(election_id, data)
    log.info("organiser %r imported %d voters into %s", who.label, imported, election_id)
    return {"imported": imported, "voters": services.roll.count(election_id)}


def add_exception(
    services: Services, who: Organiser, election_id: str, contact: str, reason: str
) -> str:
    _in_setup(services, who, election_id, "recording a contact exception")
    normal = services.roll.add_exception(election_id, contact, reason)
    log.info("organiser %r recorded a contact exception in %s", who.label, election_id)
    return normal


def roll_summary_to_sign(services: Services, who: Organiser, election_id: str) -> dict[str, Any]:
    """The roll summary ``open`` will post, for the organiser's key to sign on the
    organiser's own machine (``honestballot organiser sign-roll``)."""
    _in_setup(services, who, election_id, "signing the roll summary")
    return {
        "type": "roll-summary",
        "election_id": election_id,
        "base_hash": services.elections.context(election_id).base_hash.hex(),
        "summary": services.roll.summary_body(election_id),
        "setup": services.elections.setup_body(election_id),
    }


def upload_encrypted_roll(
    services: Services, who: Organiser, election_id: str, upload: Any
) -> dict[str, Any]:
    """Keep the organiser's encrypted roll (``honestballot organiser make-roll``) until
    ``open`` posts it (service/encrypted_roll.py)."""
    _in_setup(services, who, election_id, "uploading the encrypted roll")
    kept = keep_encrypted_roll(services.elections, services.roll, election_id, upload)
    log.info("organiser %r uploaded the encrypted roll of %s", who.label, election_id)
    return kept


def change_phase(
    services: Services,
    who: Organiser,
    election_id: str,
    action: str,
    roll_signature: SchnorrProof | None = None,
) -> str:
    """Open (posting the roll summary first, with the organiser's signature when the
    setup names the organiser's key), or close."""
    phase = phase_of(services, who, election_id)
    if action == "open":
        if phase == "setup" and services.roll.count(election_id) == 0:
            raise ProtocolError(
                Text(
                    "organiser.roll_empty",
                    "the roll is empty: import it before opening the election",
                )
            )
        services.elections.open(
            election_id,
            roll=lambda conn: services.roll.summary_body(election_id, conn),
            roll_signature=roll_signature,
        )
    elif action == "close":
        services.elections.close(election_id)
    else:
        raise NotFound(Text("organiser.no_action", f"there is no action {action[:32]!r}"))

    log.info("organiser %r: %s %s", who.label, action, election_id)
    return services.elections.phase(election_id)


def election_status(services: Services, who: Organiser, election_id: str) -> dict[str, Any]:
    phase = phase_of(services, who, election_id)
    per_unit = services.roll.per_unit(election_id)
    return {
        "phase": phase,
        "voters": sum(per_unit.values()),
        "per_unit": per_unit,
        "exceptions": services.roll.exception_count(election_id),
        "notices_pending": services.outbox.pending_count(election_id),
        "reports_pending": services.reports.counts(election_id)["pending"],
    }


def publish_report(
    services: Services, who: Organiser, election_id: str, report_id: int, text: str, public: bool
) -> None:
    """Publish a report with the organiser's edited text (personal data removed)."""
    phase_of(services, who, election_id)
    services.reports.publish(election_id, report_id, text, public)
    log.info("organiser %r published report %d of %s", who.label, report_id, election_id)


def reject_report(
    services: Services, who: Organiser, election_id: str, report_id: int, reason: str
) -> None:
    phase_of(services, who, election_id)
    services.reports.reject(election_id, report_id, reason)
    log.info("organiser %r rejected report %d of %s", who.label, report_id, election_id)


def report_json(r: ReportRow) -> dict[str, Any]:
    return {
        "report_id": r.report_id,
        "what": r.what,
        "place": r.place,
        "happened": r.happened,
        "created_ms": r.created_ms,
        "attachment_type": r.attachment_type,
        "attachment_size": r.attachment_size,
    }


# -- the audit's files and findings -----------------------------------------------------------


def _export(
    store: SqlStore, election_id: str, write: Callable[[SqlStore, str, IO[str]], int], path: Path
) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        write(store, election_id, out)


@dataclass(frozen=True, slots=True)
class FileToSend:
    """A private temporary file for the adapter to send and then delete."""

    path: Path
    media_type: str
    filename: str


def roll_audit_csv(services: Services, who: Organiser, election_id: str) -> FileToSend:
    """The roll in the audit's format (docs/audit.md), written to a private temporary file
    that the caller deletes once sent.

    The organiser gets the roll, never the activity log: the log shows who cast again,
    which re-voting needs to keep from an organiser who coerces; the audit reads it here,
    on the server (:func:`audit_findings`)."""
    phase_of(services, who, election_id)
    fd, tmp = tempfile.mkstemp(prefix="hb-organiser-", suffix=".csv")
    os.close(fd)
    try:
        _export(services.store, election_id, export_roll_csv, Path(tmp))
    except BaseException:
        os.unlink(tmp)
        raise
    return FileToSend(Path(tmp), "text/csv; charset=utf-8", f"{election_id}-roll-audit.csv")


def audit_findings(services: Services, who: Organiser, election_id: str) -> dict[str, Any]:
    """The integrity audit's organiser findings over the service's two exports.

    What the service does not know (birth dates, enrolment times) is empty in its roll
    export; the audit counts those rows in ``roll_rows_without`` and skips them only in
    the checks that need the value.  Times are UTC.  An audit that cannot read the
    service's own files is a fault of this server: :class:`AuditFailed` (500
    ``audit_failed``), saying why."""
    phase_of(services, who, election_id)
    with tempfile.TemporaryDirectory(prefix="hb-audit-") as tmp:
        roll, activity = Path(tmp, "roll.csv"), Path(tmp, "activity.csv")
        names = {str(roll): "roll-audit.csv", str(activity): "activity.csv"}
        _export(services.store, election_id, export_roll_csv, roll)
        _export(services.store, election_id, export_activity_csv, activity)
        try:
            result = run_audit(roll, activity, AuditConfig(), "skip", threads=2)
        except (AuditInputError, EncodingError) as exc:
            reason = str(exc)
            for path, name in names.items():
                reason = reason.replace(path, name)
            log.error("the integrity audit failed on %s: %s", election_id, reason)
            message = f"the integrity audit could not read the exports: {reason}"
            raise AuditFailed(Text("audit.exports_unreadable", message)) from None
        findings = to_json(result)
    for bad in findings["bad_rows"]:
        bad["file"] = names.get(bad["file"], bad["file"])
    for finding in findings["findings"]:
        for record in finding.get("records", ()):
            if finding["check"] == "input.bad_row":
                record["group"] = names.get(str(record["group"]), record["group"])
    return findings
