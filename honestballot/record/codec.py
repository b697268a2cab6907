"""Strict JSON codec shared by every record object.

Conventions (documented in docs/record-format.md):

* points and scalars are lowercase hex of their 32-byte canonical encodings;
* hashes are lowercase hex; integers are JSON integers within ±(2^53 - 1); no floats;
* every object is a JSON object with exactly the documented keys: a missing key,
  an extra key, or a value of the wrong type is a :class:`RecordFormatError` that
  names the path of the offending field (``ballot.contests[0].options[2].alpha``);
* canonical bytes of an object (for hashing and signing) are
  ``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
  encoded as UTF-8.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from honestballot.crypto.group import Point, Scalar
from honestballot.crypto.hashing import canonical_json
from honestballot.errors import EncodingError, RecordFormatError, Text

#: The largest single JSON document accepted (a ballot or a trustee file).
MAX_DOCUMENT_BYTES: Final = 1 << 20

T = TypeVar("T")

_LOWER_HEX: Final = re.compile(r"(?:[0-9a-f]{2})*")
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")

JsonObject = dict[str, Any]


canonical_bytes = canonical_json


def _no_float(value: str) -> Any:
    message = f"floating-point number {value!r} is not allowed in a record"
    raise RecordFormatError(Text("json.float", message, value=value[:40]))


#: The largest magnitude of a JSON integer in a record: every integer is exact in an IEEE
#: double, so the canonical form is RFC 8785's for every record (docs/record-format.md §1).
MAX_SAFE_INTEGER: Final = (1 << 53) - 1


def _safe_int(value: str) -> int:
    number = int(value)
    if abs(number) > MAX_SAFE_INTEGER:
        message = f"integer {value} is beyond ±(2^53 - 1), not allowed in a record"
        raise RecordFormatError(Text("json.integer", message, value=value[:40]))
    return number


def _no_constant(value: str) -> Any:
    raise RecordFormatError(Text("json.constant", f"{value} is not valid JSON", value=value))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise RecordFormatError(
                Text("json.duplicate_key", f"duplicate key {k!r}", field=k[:80])
            )
        out[k] = v
    return out


def parse_json(
    data: bytes | str, *, limit: int = MAX_DOCUMENT_BYTES, what: str = "document"
) -> Any:
    """Parse JSON strictly: size limit, no floats/NaN, no duplicate keys."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > limit:
        message = f"{what} is {len(raw)} bytes, over the {limit}-byte limit"
        raise RecordFormatError(
            Text("json.too_large", message, what=what, bytes=len(raw), limit=limit)
        )
    try:
        text = raw.decode("utf-8")  # strict: no BOM-less UTF-16/32, no encoded surrogates
        obj = json.loads(
            text,
            parse_float=_no_float,
            parse_int=_safe_int,
            parse_constant=_no_constant,
            object_pairs_hook=_unique_keys,
        )
    except RecordFormatError:
        raise
    except RecursionError:
        message = f"{what} is nested too deeply"
        raise RecordFormatError(Text("json.deep", message, what=what)) from None
    except json.JSONDecodeError as exc:
        message = f"{what} is not valid JSON: {exc}"
        where = {"line": exc.lineno, "column": exc.colno}
        raise RecordFormatError(Text("json.invalid_at", message, what=what, **where)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        message = f"{what} is not valid JSON: {exc}"
        raise RecordFormatError(Text("json.invalid", message, what=what)) from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            canonical_bytes(obj)
        except UnicodeEncodeError:
            message = f"{what} contains a lone UTF-16 surrogate"
            raise RecordFormatError(Text("json.surrogate", message, what=what)) from None
    return obj


class Reader:
    """Walks one JSON object, checking keys and types and naming the path on error."""

    def __init__(self, obj: Any, path: str) -> None:
        if not isinstance(obj, dict):
            message = f"{path}: expected an object, got {type(obj).__name__}"
            raise RecordFormatError(Text("json.object", message, path=path))
        self.obj: Mapping[str, Any] = obj
        self.path = path
        self._seen: set[str] = set()

    def _get(self, key: str) -> Any:
        if key not in self.obj:
            message = f"{self.path}: missing field {key!r}"
            raise RecordFormatError(Text("json.missing", message, path=self.path, field=key))
        self._seen.add(key)
        return self.obj[key]

    def has(self, key: str) -> bool:
        return key in self.obj

    def text(self, key: str, *, max_len: int = 10_000) -> str:
        v = self._get(key)
        if not isinstance(v, str):
            raise self._bad(key, "string", "expected a string")
        if len(v) > max_len:
            raise self._bad(key, "long", f"longer than {max_len} characters", most=max_len)
        return v

    def integer(self, key: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        v = self._get(key)
        if not isinstance(v, int) or isinstance(v, bool):
            raise self._bad(key, "integer_expected", "expected an integer")
        if minimum is not None and v < minimum:
            message = f"{v} is below the minimum {minimum}"
            raise self._bad(key, "below", message, value=v, least=minimum)
        if maximum is not None and v > maximum:
            message = f"{v} is above the maximum {maximum}"
            raise self._bad(key, "above", message, value=v, most=maximum)
        return v

    def boolean(self, key: str) -> bool:
        v = self._get(key)
        if not isinstance(v, bool):
            raise self._bad(key, "boolean", "expected true or false")
        return v

    def point(self, key: str, *, allow_identity: bool = False) -> Point:
        return decode_point(self._get(key), f"{self.path}.{key}", allow_identity=allow_identity)

    def scalar(self, key: str) -> Scalar:
        return decode_scalar(self._get(key), f"{self.path}.{key}")

    def hexbytes(self, key: str, length: int | None = None) -> bytes:
        return decode_hex(self._get(key), f"{self.path}.{key}", length)

    def child(self, key: str) -> Reader:
        return Reader(self._get(key), f"{self.path}.{key}")

    def raw(self, key: str) -> Any:
        return self._get(key)

    def array(self, key: str, *, max_items: int = 100_000) -> list[Any]:
        v = self._get(key)
        if not isinstance(v, list):
            raise self._bad(key, "list", "expected a list")
        if len(v) > max_items:
            raise self._bad(key, "items", f"more than {max_items} items", most=max_items)
        return v

    def items(
        self, key: str, parse: Callable[[Any, str], T], *, max_items: int = 100_000
    ) -> list[T]:
        """Parse each element of the list ``key`` with ``parse(value, path)``."""
        return [
            parse(item, f"{self.path}.{key}[{i}]")
            for i, item in enumerate(self.array(key, max_items=max_items))
        ]

    def done(self) -> None:
        """Reject any key that was not read."""
        extra = sorted(set(self.obj) - self._seen)
        if extra:
            message = f"{self.path}: unexpected field(s) {', '.join(extra)}"
            fields = ", ".join(extra)[:200]
            raise RecordFormatError(Text("json.extra", message, path=self.path, fields=fields))

    def _bad(self, key: str, rule: str, english: str, **params: Any) -> RecordFormatError:
        """The field ``key`` breaks ``rule`` (``json.<rule>`` in the catalogue)."""
        path = f"{self.path}.{key}"
        return RecordFormatError(Text(f"json.{rule}", f"{path}: {english}", path=path, **params))


def decode_hex(value: Any, path: str, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise RecordFormatError(Text("json.hex", f"{path}: expected a hex string", path=path))
    if not _LOWER_HEX.fullmatch(value):
        message = f"{path}: hex must be lowercase 0-9a-f with no spaces"
        raise RecordFormatError(Text("json.hex_shape", message, path=path))
    try:
        raw = bytes.fromhex(value)
    except ValueError:  # pragma: no cover -- the pattern above admits only valid hex
        raise RecordFormatError(Text("json.hex", f"{path}: not valid hex", path=path)) from None
    if length is not None and len(raw) != length:
        message = f"{path}: expected {length} bytes, got {len(raw)}"
        raise RecordFormatError(
            Text("json.hex_length", message, path=path, length=length, got=len(raw))
        )
    return raw


def decode_point(value: Any, path: str, *, allow_identity: bool = False) -> Point:
    raw = decode_hex(value, path, 32)
    try:
        return Point.decode(raw, allow_identity=allow_identity)
    except EncodingError as exc:
        message = f"{path}: {exc}"
        raise RecordFormatError(Text("json.point", message, path=path)) from None


def decode_scalar(value: Any, path: str) -> Scalar:
    raw = decode_hex(value, path, 32)
    try:
        return Scalar.decode(raw)
    except EncodingError as exc:
        message = f"{path}: {exc}"
        raise RecordFormatError(Text("json.scalar", message, path=path)) from None


def read_version(r: Reader, kind: str, supported: int) -> None:
    """Every top-level record object carries ``"type"`` and ``"version"``."""
    t = r.text("type", max_len=64)
    if t != kind:
        message = f"{r.path}: expected a {kind!r} object, got {t!r}"
        raise RecordFormatError(Text("json.type", message, path=r.path, kind=kind, got=t))
    v = r.integer("version")
    if v != supported:
        message = f"{r.path}: unsupported {kind} version {v} (supported: {supported})"
        raise RecordFormatError(
            Text("json.version", message, path=r.path, kind=kind, version=v, supported=supported)
        )
