"""The organiser's manifest form (``/organiser/manifest``): an election's contests,
options and units in three languages, and the minimum unit size, without writing JSON.

The form has one field per value of the election itself and two text areas of rows, one
row per unit (``id; name ru; name kk; name en``) and, per contest, a header row
(``id; min; max; against all: yes/no; title ru; title kk; title en``, and an optional
eighth value, how the contest is counted: empty for the usual sum, ``mix``, or ``irv`` /
``schulze`` for a ranked contest whose maximum is its number of rank positions,
docs/ranked.md) followed by its candidates (``id; label ru; label kk; label en``),
contests separated by an empty line.
"Check" shows the manifest hash the trustees run their key ceremony for; "Download"
gives the manifest file (docs/record-format.md §4) that ``Create an election`` takes
with the ceremony's key; beside the hash, every contest counted by mixing is named with
the voters its election needs on the roll (docs/ranked.md).  A manifest file can be
loaded into the form (import), so an expert may write JSON and still use the form.  The
manifest is checked by the record layer's own parser, exactly as ``election create``
reads it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from honestballot.errors import HonestBallotError, InvalidInput, Text
from honestballot.protocol.election import manifest_hash
from honestballot.protocol.encrypted_roll import roll_needs
from honestballot.protocol.manifest import MAX_RANKS, RANKED_METHODS
from honestballot.record.manifest import load_manifest, manifest_to_json
from honestballot.web.deps import ORGANISER, require_csrf, services_of
from honestballot.web.errors import classify
from honestballot.web.i18n import LANGUAGES, language_of
from honestballot.web.messages import describe, message_of, say_all
from honestballot.web.pages import render

router = APIRouter()

FormText = Annotated[str, Form()]
FormFile = Annotated[UploadFile | None, File()]

#: the form's fields, each the empty string when not given
FIELDS: Final = ("election_id", "title_ru", "title_kk", "title_en", "min_unit_size", "units")
YES: Final = frozenset({"yes", "да", "иә", "1", "true"})
#: the eighth value of a contest's header row: how it is counted (empty: the usual sum)
KINDS: Final = ("", "mix", *RANKED_METHODS)


def _cells(line: str, width: int, where: Text, optional: int = 0) -> list[str]:
    """The row's ``width`` values; the last ``optional`` of them may be left out (they are
    then empty)."""
    cells = [c.strip() for c in line.split(";")]
    if width - optional <= len(cells) < width:
        cells += [""] * (width - len(cells))
    if len(cells) != width:
        raise InvalidInput(
            Text(
                "manifest_form.row",
                f"{where}: {width} values separated by ';' are needed, not {len(cells)}",
                where=where,
                width=width,
                found=len(cells),
            )
        )
    return cells


def _label(cells: list[str]) -> dict[str, str]:
    return dict(zip(LANGUAGES, cells, strict=True))


def _int(text: str, where: Text) -> int:
    if not text.isascii() or not text.isdigit():
        raise InvalidInput(
            Text("manifest_form.number", f"{where}: {text!r} is not a whole number", where=where)
        )
    return int(text)


def _counted(kind: str, where: Text) -> dict[str, str]:
    """The contest's keys for the header row's eighth value (docs/record-format.md §4):
    none for the usual sum, ``count`` for mixing, ``kind`` and ``method`` for a ranked
    contest (which the record layer counts by mixing)."""
    kind = kind.lower()
    if kind not in KINDS:
        raise InvalidInput(
            Text(
                "manifest_form.kind",
                f"{where}: the eighth value is one of mix, irv, schulze or empty, not {kind!r}",
                where=where,
                given=kind,
            )
        )
    if kind == "mix":
        return {"count": "mix"}
    if kind in RANKED_METHODS:
        return {"kind": "ranked", "method": kind}
    return {}


def manifest_json(form: dict[str, str], contests_text: str) -> dict[str, Any]:
    """The manifest JSON the form describes (not yet checked by the record layer)."""
    units = []
    for number, line in enumerate(form["units"].splitlines(), start=1):
        if line.strip():
            where = Text("manifest_form.unit_line", f"units, line {number}", line=number)
            unit_id, *names = _cells(line, 4, where)
            units.append({"id": unit_id, "name": _label(names)})
    contests: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None  # the contest whose candidates follow
    for number, line in enumerate(contests_text.splitlines(), start=1):
        where = Text("manifest_form.contest_line", f"contests, line {number}", line=number)
        if not line.strip():
            current = None  # an empty line ends a contest
        elif current is None:
            cid, low, high, against, *titles, kind = _cells(line, 8, where, optional=1)
            current = {
                "id": cid,
                "title": _label(titles),
                "min_selections": _int(low, where),
                "max_selections": _int(high, where),
                "against_all": against.lower() in YES,
                "options": [],
                **_counted(kind, where),
            }
            contests.append(current)
        else:
            oid, *labels = _cells(line, 4, where)
            current["options"].append({"id": oid, "label": _label(labels)})
    return {
        "type": "manifest",
        "version": 1,
        "election_id": form["election_id"].strip(),
        "title": {lang: form[f"title_{lang}"].strip() for lang in LANGUAGES},
        "contests": contests,
        "units": units,
        "min_unit_size": _int(
            form["min_unit_size"].strip() or "0",
            Text("manifest_form.min_unit_size", "the minimum unit size"),
        ),
    }


def form_of(manifest: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The form's fields for a manifest (an imported file)."""
    form = {
        "election_id": str(manifest["election_id"]),
        "min_unit_size": str(manifest["min_unit_size"]),
        "units": "\n".join(
            "; ".join([u["id"], *(u["name"][lang] for lang in LANGUAGES)])
            for u in manifest["units"]
        ),
        **{f"title_{lang}": manifest["title"][lang] for lang in LANGUAGES},
    }
    blocks = []
    for c in manifest["contests"]:
        head = [c["id"], str(c["min_selections"]), str(c["max_selections"])]
        head.append("yes" if c.get("against_all") else "no")
        head += [c["title"][lang] for lang in LANGUAGES]
        # how it is counted, only when not the usual sum (so a plain row stays seven values)
        kind = c.get("method") or ("mix" if c.get("count") == "mix" else "")
        rows = ["; ".join(head + ([kind] if kind else []))]
        rows += [
            "; ".join([o["id"], *(o["label"][lang] for lang in LANGUAGES)]) for o in c["options"]
        ]
        blocks.append("\n".join(rows))
    return form, "\n\n".join(blocks)


def _signed_in(request: Request) -> bool:
    token = request.cookies.get(ORGANISER, "")
    if not token:
        return False
    try:
        services_of(request).organisers.check(token)
    except HonestBallotError:
        return False
    return True


def _page(
    request: Request,
    form: dict[str, str],
    contests: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "organiser_manifest.html",
        status,
        form=form,
        contests=contests,
        max_ranks=MAX_RANKS,
        **extra,
    )


@router.get("/organiser/manifest", include_in_schema=False)
def page_manifest(request: Request) -> Response:
    if not _signed_in(request):
        return RedirectResponse("/organiser", status_code=303)
    blank = dict.fromkeys(FIELDS, "") | {"min_unit_size": "50"}
    return _page(request, blank, "")


@router.post("/organiser/manifest", include_in_schema=False)
def page_manifest_post(
    request: Request,
    csrf: FormText = "",
    action: FormText = "check",
    election_id: FormText = "",
    title_ru: FormText = "",
    title_kk: FormText = "",
    title_en: FormText = "",
    min_unit_size: FormText = "",
    units: FormText = "",
    contests: FormText = "",
    manifest_file: FormFile = None,
) -> Response:
    """Check the form (show the manifest hash), download its manifest file, or load a
    manifest file into the form."""
    require_csrf(request, csrf)
    if not _signed_in(request):
        return RedirectResponse("/organiser", status_code=303)
    form = {
        "election_id": election_id,
        "title_ru": title_ru,
        "title_kk": title_kk,
        "title_en": title_en,
        "min_unit_size": min_unit_size,
        "units": units,
    }
    lang = language_of(request)
    try:
        if action == "import":
            data = manifest_file.file.read() if manifest_file is not None else b""
            if not data:
                raise InvalidInput(Text("organiser.choose_manifest", "choose the manifest file"))
            manifest = load_manifest(data)
            form, contests = form_of(manifest_to_json(manifest))
        else:
            manifest = load_manifest(
                json.dumps(manifest_json(form, contests), ensure_ascii=False).encode()
            )
    except HonestBallotError as exc:
        status, code = classify(exc)
        text, detail = describe(code, message_of(exc), lang)
        return _page(request, form, contests, status, error=text, error_detail=detail)
    if action == "download":
        body = json.dumps(manifest_to_json(manifest), ensure_ascii=False, indent=1) + "\n"
        name = f"{manifest.election_id}-manifest.json"
        return Response(
            body.encode(),
            media_type="application/json",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )
    # every contest counted by mixing, with the roll it needs (docs/ranked.md): the
    # encrypted roll is refused below that, and create warns of it too
    needs = say_all(list(roll_needs(manifest, None)), lang)
    return _page(
        request, form, contests, hash=manifest_hash(manifest).hex(), ok=True, needs=needs
    )
