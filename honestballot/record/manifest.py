"""JSON form of the manifest (``type: manifest, version: 1``)."""

from __future__ import annotations

from typing import Any

from honestballot.errors import RecordFormatError, Text
from honestballot.protocol.manifest import (
    LANGUAGES,
    MAX_CONTESTS,
    MAX_OPTIONS,
    MAX_UNITS,
    Contest,
    Label,
    Manifest,
    Option,
    Unit,
)
from honestballot.record.codec import JsonObject, Reader, parse_json, read_version

MANIFEST_VERSION = 1


def label_to_json(label: Label) -> JsonObject:
    return {"ru": label.ru, "kk": label.kk, "en": label.en}


def label_from_json(value: Any, path: str) -> Label:
    r = Reader(value, path)
    texts = {lang: r.text(lang, max_len=500) for lang in LANGUAGES}
    r.done()
    for lang, text in texts.items():
        if not text.strip():
            message = f"{path}.{lang}: a label cannot be empty"
            raise RecordFormatError(Text("manifest.label_empty", message, path=path, lang=lang))
    return Label(**texts)


def manifest_to_json(m: Manifest) -> JsonObject:
    return {
        "type": "manifest",
        "version": MANIFEST_VERSION,
        "election_id": m.election_id,
        "title": label_to_json(m.title),
        "contests": [
            {
                "id": c.id,
                # a ranked contest names its kind and method, and no count (always mixed)
                **({"kind": "ranked", "method": c.method} if c.method is not None else {}),
                "title": label_to_json(c.title),
                "min_selections": c.min_selections,
                "max_selections": c.max_selections,
                "against_all": c.against_all,
                "options": [{"id": o.id, "label": label_to_json(o.label)} for o in c.candidates],
                # only a mixed contest says how it is counted: a manifest without mixed
                # contests reads, writes and hashes as before the mix chain existed
                **({"count": c.count} if c.count != "sum" and c.method is None else {}),
            }
            for c in m.contests
        ],
        "units": [{"id": u.id, "name": label_to_json(u.name)} for u in m.units],
        "min_unit_size": m.min_unit_size,
    }


def _option(value: Any, path: str) -> Option:
    r = Reader(value, path)
    o = Option(r.text("id", max_len=64), label_from_json(r.raw("label"), f"{path}.label"))
    r.done()
    return o


def _contest(value: Any, path: str) -> Contest:
    r = Reader(value, path)
    method: str | None = None
    if r.has("kind"):
        kind = r.text("kind", max_len=16)
        if kind != "ranked":
            message = f"{path}.kind: the only contest kind named is 'ranked'"
            raise RecordFormatError(Text("manifest.kind", message, path=path))
        method = r.text("method", max_len=16)
        if r.has("count"):
            message = f"{path}: a ranked contest is always mixed and has no count"
            raise RecordFormatError(Text("manifest.ranked_has_count", message, path=path))
    c = Contest(
        id=r.text("id", max_len=64),
        title=label_from_json(r.raw("title"), f"{path}.title"),
        candidates=tuple(r.items("options", _option, max_items=MAX_OPTIONS)),
        min_selections=r.integer("min_selections", minimum=0),
        max_selections=r.integer("max_selections", minimum=0),
        against_all=r.boolean("against_all"),
        count="mix"
        if method is not None
        else (r.text("count", max_len=16) if r.has("count") else "sum"),
        method=method,
    )
    r.done()
    return c


def _unit(value: Any, path: str) -> Unit:
    r = Reader(value, path)
    u = Unit(r.text("id", max_len=64), label_from_json(r.raw("name"), f"{path}.name"))
    r.done()
    return u


def manifest_from_json(value: Any, path: str = "manifest") -> Manifest:
    r = Reader(value, path)
    read_version(r, "manifest", MANIFEST_VERSION)
    m = Manifest(
        election_id=r.text("election_id", max_len=64),
        title=label_from_json(r.raw("title"), f"{path}.title"),
        contests=tuple(r.items("contests", _contest, max_items=MAX_CONTESTS)),
        units=tuple(r.items("units", _unit, max_items=MAX_UNITS)),
        min_unit_size=r.integer("min_unit_size", minimum=1),
    )
    r.done()
    return m


def load_manifest(data: bytes | str) -> Manifest:
    return manifest_from_json(parse_json(data, limit=8 << 20, what="manifest"))
