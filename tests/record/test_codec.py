"""Strict JSON parsing and the field reader every record object is built on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.group import GENERATOR, IDENTITY, L, Point, Scalar, small_multiple
from honestballot.errors import EncodingError, RecordFormatError
from honestballot.record.codec import (
    MAX_DOCUMENT_BYTES,
    Reader,
    canonical_bytes,
    decode_hex,
    decode_point,
    decode_scalar,
    parse_json,
    read_version,
)
from honestballot.record.manifest import manifest_from_json, manifest_to_json
from honestballot.service.demo import demo_manifest

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "ristretto255.json").read_text(encoding="utf-8")
)
INVALID_POINTS = [v["encoding"] for v in VECTORS["invalid_encodings"]]
B_HEX = GENERATOR.hex()
TWO_B_HEX = small_multiple(2).hex()


# --- parse_json ----------------------------------------------------------------------


def test_parse_json_accepts_plain_documents() -> None:
    doc = (
        '{"a": 1, "b": [true, false, null, "x", -5, 9007199254740991, -9007199254740991], "c": {}}'
    )
    assert parse_json(doc) == {
        "a": 1,
        "b": [True, False, None, "x", -5, 2**53 - 1, -(2**53 - 1)],
        "c": {},
    }
    assert parse_json(doc.encode()) == parse_json(doc)
    assert parse_json('"é"'.encode()) == "é"


@pytest.mark.parametrize("doc", ["1.0", "-0.0", "1e5", "1E-2", '{"x": 0.5}', "[1, 2.5]", "3.0e0"])
def test_parse_json_rejects_floats(doc: str) -> None:
    with pytest.raises(RecordFormatError, match="floating-point"):
        parse_json(doc)


@pytest.mark.parametrize(
    "doc", ["9007199254740992", "-9007199254740992", '{"min_unit_size": 123456789012345678901}']
)
def test_parse_json_rejects_integers_a_double_cannot_hold(doc: str) -> None:
    """Beyond ±(2^53 - 1) an integer's canonical form would differ from RFC 8785's (which
    writes numbers as doubles), and with it a leaf or a hash in another implementation."""
    with pytest.raises(RecordFormatError, match=r"beyond ±\(2\^53 - 1\)"):
        parse_json(doc)


@pytest.mark.parametrize("doc", ["NaN", "Infinity", "-Infinity", '{"x": NaN}', "[Infinity]"])
def test_parse_json_rejects_nan_and_infinity(doc: str) -> None:
    with pytest.raises(RecordFormatError):
        parse_json(doc)


@pytest.mark.parametrize(
    "doc",
    [
        '{"a": 1, "a": 1}',
        '{"a": 1, "a": 2}',
        '{"x": {"k": 1, "k": 2}}',
        '[{"a": 1, "b": 2, "a": 3}]',
    ],
)
def test_parse_json_rejects_duplicate_keys(doc: str) -> None:
    with pytest.raises(RecordFormatError, match=r"duplicate key '[ak]'"):
        parse_json(doc)


def test_parse_json_enforces_size_limit() -> None:
    doc = '"' + "a" * 98 + '"'  # exactly 100 bytes
    assert parse_json(doc, limit=100) == "a" * 98
    with pytest.raises(RecordFormatError, match="ballot is 101 bytes"):
        parse_json(doc + " ", limit=100, what="ballot")
    # multi-byte characters are counted as bytes, not characters
    with pytest.raises(RecordFormatError):
        parse_json('"' + "é" * 50 + '"', limit=100)
    big = b'"' + b"a" * (MAX_DOCUMENT_BYTES - 1) + b'"'
    with pytest.raises(RecordFormatError, match="limit"):
        parse_json(big)
    assert len(parse_json(big[:-2] + b'"')) == MAX_DOCUMENT_BYTES - 2


@pytest.mark.parametrize(
    "doc",
    [
        b'"\xff"',
        b'{"a": "\xc3"}',
        b'"\xc0\xaf"',  # overlong encoding of '/'
        b"\xfe\xff\x00",
    ],
    ids=["ff", "truncated", "overlong", "garbage"],
)
def test_parse_json_rejects_invalid_utf8(doc: bytes) -> None:
    with pytest.raises(RecordFormatError, match="not valid JSON"):
        parse_json(doc, what="ballot")


@pytest.mark.parametrize(
    "doc",
    [
        "",
        " ",
        "{",
        "[1,]",
        "{'a': 1}",
        '{"a" 1}',
        "01",
        "[1] [2]",
        "{} x",
        '{"a": undefined}',
        "+1",
    ],
)
def test_parse_json_rejects_invalid_json(doc: str) -> None:
    with pytest.raises(RecordFormatError, match="trustee file is not valid JSON"):
        parse_json(doc, what="trustee file")


def test_parse_json_errors_are_encoding_errors() -> None:
    with pytest.raises(EncodingError):
        parse_json("1.5")


def test_parse_json_deep_nesting_is_a_record_format_error() -> None:
    with pytest.raises(RecordFormatError):
        parse_json("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(
    "doc", [b'"\xed\xa0\x80"', b'{"name": "\\ud800"}'], ids=["cesu-bytes", "escaped-surrogate"]
)
def test_parse_json_rejects_lone_surrogates(doc: bytes) -> None:
    with pytest.raises(RecordFormatError):
        value = parse_json(doc)
        canonical_bytes(value)


@pytest.mark.parametrize(
    "doc",
    ['{"a": 1}'.encode("utf-16"), '{"a": 1}'.encode("utf-32-le"), b'\xef\xbb\xbf{"a": 1}'],
    ids=["utf-16", "utf-32", "utf-8-bom"],
)
def test_parse_json_requires_utf8(doc: bytes) -> None:
    with pytest.raises(RecordFormatError):
        parse_json(doc)


# --- canonical bytes -----------------------------------------------------------------


def test_canonical_bytes() -> None:
    assert canonical_bytes({"b": 1, "a": [1, "é"], "c": {"z": True, "y": None}}) == (
        '{"a":[1,"é"],"b":1,"c":{"y":null,"z":true}}'.encode()
    )
    assert canonical_bytes(parse_json('{ "b" : 1 , "a" : 2 }')) == b'{"a":2,"b":1}'


# --- Reader: keys and types ----------------------------------------------------------


def _reader(**fields: Any) -> Reader:
    return Reader(dict(fields), "ballot")


def test_reader_reads_every_type() -> None:
    r = _reader(
        name="x",
        n=3,
        flag=False,
        alpha=B_HEX,
        zero=IDENTITY.hex(),
        s=Scalar(L - 1).hex(),
        h="00ff",
        sub={"k": 1},
        xs=[1, 2],
        anything={"raw": [1]},
    )
    assert r.text("name") == "x"
    assert r.integer("n", minimum=3, maximum=3) == 3
    assert r.boolean("flag") is False
    assert r.point("alpha") == GENERATOR
    assert r.point("zero", allow_identity=True) == IDENTITY
    assert r.scalar("s") == Scalar(L - 1)
    assert r.hexbytes("h", 2) == b"\x00\xff"
    sub = r.child("sub")
    assert sub.integer("k") == 1
    sub.done()
    assert r.array("xs") == [1, 2]
    assert r.raw("anything") == {"raw": [1]}
    assert r.has("name") and not r.has("missing")
    r.done()


def test_reader_rejects_non_objects() -> None:
    for value in ([], "x", 1, None, True):
        with pytest.raises(RecordFormatError, match="ballot: expected an object"):
            Reader(value, "ballot")


def test_reader_missing_key_names_the_path() -> None:
    r = _reader(a=1)
    with pytest.raises(RecordFormatError, match=r"^ballot: missing field 'b'$"):
        r.integer("b")


def test_reader_done_rejects_extra_keys() -> None:
    r = _reader(a=1, zeta=2, extra=3)
    r.integer("a")
    with pytest.raises(RecordFormatError, match=r"^ballot: unexpected field\(s\) extra, zeta$"):
        r.done()


def test_reader_has_does_not_count_as_read() -> None:
    r = _reader(a=1)
    assert r.has("a")
    with pytest.raises(RecordFormatError, match="unexpected"):
        r.done()


@pytest.mark.parametrize(
    ("method", "value"),
    [
        ("text", 1),
        ("text", None),
        ("text", ["x"]),
        ("integer", "1"),
        ("integer", 1.0),
        ("integer", None),
        ("integer", True),
        ("integer", False),
        ("boolean", 0),
        ("boolean", 1),
        ("boolean", "true"),
        ("array", {"a": 1}),
        ("array", "xs"),
        ("child", [1]),
        ("child", "x"),
        ("point", 1),
        ("scalar", None),
        ("hexbytes", 12),
    ],
)
def test_reader_rejects_wrong_types(method: str, value: Any) -> None:
    r = _reader(field=value)
    with pytest.raises(RecordFormatError, match=r"^ballot\.field: "):
        getattr(r, method)("field")


def test_booleans_are_not_integers_even_after_parsing() -> None:
    r = Reader(parse_json('{"count": true, "n": 1}'), "tally")
    with pytest.raises(RecordFormatError, match=r"tally\.count: expected an integer"):
        r.integer("count")
    with pytest.raises(RecordFormatError, match=r"tally\.n: expected true or false"):
        r.boolean("n")


def test_reader_integer_bounds() -> None:
    r = _reader(n=5)
    assert r.integer("n", minimum=0, maximum=5) == 5
    with pytest.raises(RecordFormatError, match=r"ballot\.n: 5 is below the minimum 6"):
        r.integer("n", minimum=6)
    with pytest.raises(RecordFormatError, match=r"ballot\.n: 5 is above the maximum 4"):
        r.integer("n", maximum=4)


def test_reader_text_and_array_limits() -> None:
    r = _reader(name="abcd", xs=[0, 1, 2])
    assert r.text("name", max_len=4) == "abcd"
    with pytest.raises(RecordFormatError, match=r"ballot\.name: longer than 3"):
        r.text("name", max_len=3)
    with pytest.raises(RecordFormatError, match=r"ballot\.xs: more than 2 items"):
        r.array("xs", max_items=2)


# --- hex, points, scalars ------------------------------------------------------------


@pytest.mark.parametrize("value", [B_HEX.upper(), B_HEX[:-1] + "F", "AB", "0X00"])
def test_uppercase_hex_rejected(value: str) -> None:
    with pytest.raises(RecordFormatError, match="lowercase"):
        decode_hex(value, "x.h")


@pytest.mark.parametrize("value", ["0", "abc", "zz", "0x00", "g0", "é0"])
def test_invalid_hex_rejected(value: str) -> None:
    with pytest.raises(RecordFormatError, match=r"^x\.h: "):
        decode_hex(value, "x.h")


@pytest.mark.parametrize(
    "value",
    [" " + B_HEX, B_HEX[:2] + " " + B_HEX[2:], B_HEX + "\n", B_HEX[:32] + "\t" + B_HEX[32:]],
)
def test_hex_with_whitespace_rejected(value: str) -> None:
    with pytest.raises(RecordFormatError):
        decode_point(value, "x.alpha")


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_wrong_length_hex_rejected(length: int) -> None:
    value = (B_HEX * 3)[: 2 * length]
    with pytest.raises(RecordFormatError, match=rf"x\.alpha: expected 32 bytes, got {length}"):
        decode_point(value, "x.alpha")
    with pytest.raises(RecordFormatError, match=r"x\.s: expected 32 bytes"):
        decode_scalar(value, "x.s")
    with pytest.raises(RecordFormatError, match=r"x\.h: expected 32 bytes"):
        decode_hex(value, "x.h", 32)


def test_identity_point_only_when_allowed() -> None:
    zero = "00" * 32
    with pytest.raises(RecordFormatError, match=r"^x\.alpha: .*identity"):
        decode_point(zero, "x.alpha")
    assert decode_point(zero, "x.alpha", allow_identity=True) == IDENTITY
    r = _reader(alpha=zero)
    with pytest.raises(RecordFormatError, match=r"^ballot\.alpha: "):
        r.point("alpha")


@pytest.mark.parametrize("value", INVALID_POINTS, ids=lambda v: v[:16])
def test_rfc_invalid_points_rejected(value: str) -> None:
    with pytest.raises(RecordFormatError, match=r"^ballot\.alpha: "):
        _reader(alpha=value).point("alpha", allow_identity=True)


def test_valid_points_accepted() -> None:
    for vector in VECTORS["generator_multiples"][1:]:
        p = decode_point(vector["encoding"], "x")
        assert isinstance(p, Point)
        assert p == small_multiple(vector["multiple"])


@pytest.mark.parametrize(
    "value", [L, L + 1, 2**255, 2**256 - 1], ids=["L", "L+1", "2^255", "2^256-1"]
)
def test_scalars_at_or_above_order_rejected(value: int) -> None:
    hex_value = value.to_bytes(32, "little").hex()
    with pytest.raises(RecordFormatError, match=r"^ballot\.response: "):
        _reader(response=hex_value).scalar("response")


def test_scalar_just_below_order_accepted() -> None:
    assert decode_scalar((L - 1).to_bytes(32, "little").hex(), "x").value == L - 1
    assert decode_scalar("00" * 32, "x").is_zero()


# --- nested paths --------------------------------------------------------------------


def _option(value: Any, path: str) -> Point:
    r = Reader(value, path)
    alpha = r.point("alpha")
    r.done()
    return alpha


def _contest(value: Any, path: str) -> list[Point]:
    r = Reader(value, path)
    options = r.items("options", _option)
    r.done()
    return options


def _ballot(options: list[dict[str, Any]]) -> str:
    return json.dumps({"contests": [{"options": [{"alpha": B_HEX}]}, {"options": options}]})


def _parse_ballot(doc: str) -> list[list[Point]]:
    r = Reader(parse_json(doc), "ballot")
    contests = r.items("contests", _contest)
    r.done()
    return contests


def test_nested_paths_in_errors() -> None:
    good = {"alpha": TWO_B_HEX}
    assert _parse_ballot(_ballot([good, good])) == [[GENERATOR], [small_multiple(2)] * 2]
    cases = [
        ({"alpha": "00" * 32}, r"^ballot\.contests\[1\]\.options\[2\]\.alpha: .*identity"),
        ({"alpha": INVALID_POINTS[0]}, r"^ballot\.contests\[1\]\.options\[2\]\.alpha: "),
        ({"alpha": TWO_B_HEX.upper()}, r"^ballot\.contests\[1\]\.options\[2\]\.alpha: .*lower"),
        ({}, r"^ballot\.contests\[1\]\.options\[2\]: missing field 'alpha'"),
        ({"alpha": TWO_B_HEX, "beta": 1}, r"^ballot\.contests\[1\]\.options\[2\]: unexpected"),
        ("x", r"^ballot\.contests\[1\]\.options\[2\]: expected an object"),
    ]
    for bad, pattern in cases:
        with pytest.raises(RecordFormatError, match=pattern):
            _parse_ballot(_ballot([good, good, bad]))  # type: ignore[list-item]


# --- versioned objects ---------------------------------------------------------------


def test_read_version() -> None:
    read_version(_reader(type="ballot", version=1), "ballot", 1)
    with pytest.raises(RecordFormatError, match="expected a 'ballot' object, got 'tally'"):
        read_version(_reader(type="tally", version=1), "ballot", 1)
    with pytest.raises(RecordFormatError, match="unsupported ballot version 2"):
        read_version(_reader(type="ballot", version=2), "ballot", 1)
    with pytest.raises(RecordFormatError, match=r"ballot\.version: expected an integer"):
        read_version(_reader(type="ballot", version=True), "ballot", 1)
    with pytest.raises(RecordFormatError, match=r"ballot: missing field 'type'"):
        read_version(_reader(version=1), "ballot", 1)


@pytest.mark.parametrize("bad", ["demo\n", "demo\r\n", "\ndemo", "Demo", ""])
def test_a_manifest_id_with_a_line_break_or_outside_the_pattern_is_refused(bad: str) -> None:
    """Python's ``$`` also matches before a final line break: an election id ``"demo\\n"``
    passed the check and reached file names and logs."""
    manifest = manifest_to_json(demo_manifest("demo"))
    manifest["election_id"] = bad
    with pytest.raises(RecordFormatError, match="ids are 1-64 characters"):
        manifest_from_json(manifest)


@pytest.mark.parametrize(
    ("seq", "time_ms", "kind", "body"),
    [
        (0, 0, "ballot", {"ballot": {"z": [1, 2], "a": "é ✓", "m": {"y": None, "b": True}}}),
        (12_345, 1_700_000_000_123, "superseded", {"old": "ab" * 32, "new": "cd" * 32}),
        (7, 9, "open", {}),
    ],
)
def test_an_event_line_from_a_canonical_body_is_the_event_lines_canonical_form(
    seq: int, time_ms: int, kind: str, body: dict[str, Any]
) -> None:
    """The service serialises a ballot's body before it takes the election's lock and
    splices it into the line: byte for byte the line's canonical form."""
    from honestballot.record.codec import canonical_bytes
    from honestballot.record.events import EventLine, event_line

    line = event_line(seq, time_ms, kind, canonical_bytes(body))
    assert line == EventLine(seq, time_ms, kind, body).canonical()
    assert json.loads(line)["body"] == body
