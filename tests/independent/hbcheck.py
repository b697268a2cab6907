"""Independent re-implementation of the honestballot record hashing and proof checks.

Written only from docs/record-format.md, docs/trustees.md, docs/shuffle.md, docs/coercion.md
(the re-voting protection's board, close and result), RFC 9496
(ristretto255), RFC 9162 (Merkle trees) and RFC 4648 (base32).  Standard library only; it
does not import the ``honestballot`` package.

Strict: a failure that `verify` names with a remedy (the record still verifying) fails the
record here, except on the close's paper path and its fallback round, which are not
strict: `close.paper`, `close.dummy` and `close.credential` failures are followed as
`verify` follows them and returned by :func:`check_close`, as is `close.stalled` (see "The
close of an election with re-voting protection" below).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

# ---------------------------------------------------------------------------
# ristretto255 (RFC 9496), pure Python on big integers.
# ---------------------------------------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
# RFC 9496 §4.1; SQRT_AD_MINUS_ONE is a specific root and is taken from the RFC.
SQRT_AD_MINUS_ONE = 25063068953384623474111414158702152701244531502492656460079210482610430750235
ONE_MINUS_D_SQ = (1 - D * D) % P
D_MINUS_ONE_SQ = (D - 1) * (D - 1) % P


class DecodeError(ValueError):
    """A byte string that is not a canonical ristretto255 encoding."""


def _is_negative(x: int) -> bool:
    return (x % P) & 1 == 1


def _abs(x: int) -> int:
    x %= P
    return P - x if _is_negative(x) else x


def sqrt_ratio_m1(u: int, v: int) -> tuple[bool, int]:
    """RFC 9496 §4.2: (was_square, non-negative r) with r^2 = u/v or sqrt(-1)*u/v."""
    u %= P
    v %= P
    v3 = v * v % P * v % P
    v7 = v3 * v3 % P * v % P
    r = u * v3 % P * pow(u * v7 % P, (P - 5) // 8, P) % P
    check = v * r % P * r % P
    correct = check == u
    flipped = check == (-u) % P
    flipped_i = check == (-u * SQRT_M1) % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return (correct or flipped), _abs(r)


INVSQRT_A_MINUS_D = sqrt_ratio_m1(1, (-1 - D) % P)[1]


class Point:
    """A ristretto255 element held as extended Edwards coordinates (X:Y:Z:T)."""

    __slots__ = ("T", "X", "Y", "Z")

    def __init__(self, X: int, Y: int, Z: int, T: int):
        self.X, self.Y, self.Z, self.T = X % P, Y % P, Z % P, T % P

    def __add__(self, o: Point) -> Point:
        # add-2008-hwcd-3 for a = -1
        a = (self.Y - self.X) * (o.Y - o.X) % P
        b = (self.Y + self.X) * (o.Y + o.X) % P
        c = 2 * D * self.T % P * o.T % P
        d = 2 * self.Z * o.Z % P
        e, f, g, h = b - a, d - c, d + c, b + a
        return Point(e * f, g * h, f * g, e * h)

    def __neg__(self) -> Point:
        return Point(-self.X, self.Y, self.Z, -self.T)

    def __sub__(self, o: Point) -> Point:
        return self + (-o)

    def double(self) -> Point:
        # dbl-2008-hwcd for a = -1
        a = self.X * self.X % P
        b = self.Y * self.Y % P
        c = 2 * self.Z * self.Z % P
        h = a + b
        e = h - (self.X + self.Y) ** 2
        g = a - b
        f = c + g
        return Point(e * f, g * h, f * g, e * h)

    def __mul__(self, k: int) -> Point:
        k %= L
        if _remembered is not None:
            key = (self.X, self.Y, self.Z, self.T, k)
            made = _remembered.get(key)
            if made is None:
                made = _remembered[key] = self._times(k)
            return made
        return self._times(k)

    __rmul__ = __mul__

    def _times(self, k: int) -> Point:
        result = IDENTITY
        addend = self
        while k:
            if k & 1:
                result = result + addend
            addend = addend.double()
            k >>= 1
        return result

    def __eq__(self, o: object) -> bool:
        if not isinstance(o, Point):
            return NotImplemented
        return (self.X * o.Y - self.Y * o.X) % P == 0 or (self.Y * o.Y - self.X * o.X) % P == 0

    def __hash__(self) -> int:
        return hash(self.encode())

    def encode(self) -> bytes:
        """RFC 9496 §4.3.2."""
        x0, y0, z0, t0 = self.X, self.Y, self.Z, self.T
        u1 = (z0 + y0) * (z0 - y0) % P
        u2 = x0 * y0 % P
        _, invsqrt = sqrt_ratio_m1(1, u1 * u2 % P * u2 % P)
        den1 = invsqrt * u1 % P
        den2 = invsqrt * u2 % P
        z_inv = den1 * den2 % P * t0 % P
        if _is_negative(t0 * z_inv):
            x, y = y0 * SQRT_M1 % P, x0 * SQRT_M1 % P
            den_inv = den1 * INVSQRT_A_MINUS_D % P
        else:
            x, y = x0, y0
            den_inv = den2
        if _is_negative(x * z_inv):
            y = (-y) % P
        s = _abs(den_inv * (z0 - y))
        return s.to_bytes(32, "little")

    def hex(self) -> str:
        return self.encode().hex()

    def __repr__(self) -> str:
        return f"Point({self.hex()})"


IDENTITY = Point(0, 1, 1, 0)

#: scalar products and decoded points already computed, while :func:`remembering` holds
_remembered: dict[tuple[int, ...], Point] | None = None
_decoded: dict[tuple[bytes | str, bool], Point] = {}


@contextmanager
def remembering() -> Iterator[None]:
    """Within, every scalar product (of the same point's coordinates and the same
    scalar) and every decoded point (of the same encoding) is computed once and then
    taken as computed: both are functions of their inputs alone.  For tests that check
    one record and many changed copies of it: each copy's unchanged objects cost nothing
    again, and what a change touches is computed afresh (its inputs differ).  A decoding
    that fails is not remembered: it fails again."""
    global _remembered
    outer = _remembered
    if outer is None:
        _remembered = {}
    try:
        yield
    finally:
        if outer is None:
            _remembered = None
            _decoded.clear()


def decode_point(data: bytes | str, allow_identity: bool = True) -> Point:
    """RFC 9496 §4.3.1 decode; rejects every non-canonical encoding."""
    if _remembered is None or not isinstance(data, bytes | str):
        return _decode_point(data, allow_identity)
    made = _decoded.get((data, allow_identity))
    if made is None:
        made = _decoded[data, allow_identity] = _decode_point(data, allow_identity)
    return made


def _decode_point(data: bytes | str, allow_identity: bool) -> Point:
    if isinstance(data, str):
        if len(data) != 64 or any(ch not in "0123456789abcdef" for ch in data):
            raise DecodeError("point hex must be 64 lowercase hex characters")
        data = bytes.fromhex(data)
    if len(data) != 32:
        raise DecodeError("point must be 32 bytes")
    s = int.from_bytes(data, "little")
    if s >= P or _is_negative(s):
        raise DecodeError("non-canonical or negative field element")
    ss = s * s % P
    u1 = (1 - ss) % P
    u2 = (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(D * u1 % P * u1) - u2_sqr) % P
    was_square, invsqrt = sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x % P * v % P
    x = _abs(2 * s * den_x)
    y = u1 * den_y % P
    t = x * y % P
    if not was_square or _is_negative(t) or y == 0:
        raise DecodeError("not a valid ristretto255 encoding")
    pt = Point(x, y, 1, t)
    if not allow_identity and pt == IDENTITY:
        raise DecodeError("identity not allowed here")
    return pt


def _elligator_map(t: int) -> Point:
    """RFC 9496 §4.3.4 MAP."""
    r = SQRT_M1 * t % P * t % P
    u = (r + 1) * ONE_MINUS_D_SQ % P
    v = (-1 - r * D) * (r + D) % P
    was_square, s = sqrt_ratio_m1(u, v)
    s_prime = (-_abs(s * t)) % P
    if not was_square:
        s = s_prime
    c = P - 1 if was_square else r
    n = (c * (r - 1) % P * D_MINUS_ONE_SQ - v) % P
    w0 = 2 * s * v % P
    w1 = n * SQRT_AD_MINUS_ONE % P
    w2 = (1 - s * s) % P
    w3 = (1 + s * s) % P
    return Point(w0 * w3, w2 * w1, w1 * w3, w0 * w2)


def from_uniform_bytes(data: bytes) -> Point:
    """RFC 9496 §4.3.4 one-way map from 64 uniform bytes."""
    if len(data) != 64:
        raise ValueError("need 64 bytes")
    r0 = int.from_bytes(data[:32], "little") & ((1 << 255) - 1)
    r1 = int.from_bytes(data[32:], "little") & ((1 << 255) - 1)
    return _elligator_map(r0 % P) + _elligator_map(r1 % P)


BASE_HEX = "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"
B = decode_point(BASE_HEX)


def decode_scalar(data: bytes | str) -> int:
    """32 little-endian bytes, value < L, no reduction."""
    if isinstance(data, str):
        if len(data) != 64 or any(ch not in "0123456789abcdef" for ch in data):
            raise DecodeError("scalar hex must be 64 lowercase hex characters")
        data = bytes.fromhex(data)
    if len(data) != 32:
        raise DecodeError("scalar must be 32 bytes")
    value = int.from_bytes(data, "little")
    if value >= L:
        raise DecodeError("scalar not reduced")
    return value


def scalar_bytes(x: int) -> bytes:
    return (x % L).to_bytes(32, "little")


def scalar_hex(x: int) -> str:
    return scalar_bytes(x).hex()


# ---------------------------------------------------------------------------
# H(tag, parts), record-format §2.
# ---------------------------------------------------------------------------

PREFIX = "honestballot/v1/"


def u64(n: int) -> bytes:
    return struct.pack(">Q", n)


class Part:
    """One typed, already-encoded part."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data


def _enc(code: bytes, payload: bytes) -> Part:
    return Part(code + u64(len(payload)) + payload)


def Pt(point: Point | str | bytes) -> Part:
    if isinstance(point, Point):
        raw = point.encode()
    elif isinstance(point, str):
        raw = bytes.fromhex(point)
    else:
        raw = point
    if len(raw) != 32:
        raise ValueError("point part must be 32 bytes")
    return _enc(b"P", raw)


def Sc(x: int | str) -> Part:
    if isinstance(x, str):
        x = decode_scalar(x)
    return _enc(b"S", scalar_bytes(x))


def By(data: bytes | str) -> Part:
    if isinstance(data, str):
        data = bytes.fromhex(data)
    return _enc(b"B", data)


def Tx(text: str) -> Part:
    return _enc(b"T", text.encode("utf-8"))


def In(n: int) -> Part:
    if isinstance(n, bool):
        raise TypeError("booleans are never hashed")
    return _enc(b"I", str(n).encode("ascii"))


def Li(items: Iterable[Part]) -> Part:
    items = list(items)
    return Part(b"L" + u64(len(items)) + b"".join(i.data for i in items))


def preimage(tag: str, parts: Sequence[Part]) -> bytes:
    t = (PREFIX + tag).encode("ascii")
    return u64(len(t)) + t + b"".join(p.data for p in parts)


def hash_bytes(tag: str, *parts: Part) -> bytes:
    return hashlib.sha256(preimage(tag, parts)).digest()


def hash_to_scalar(tag: str, *parts: Part) -> int:
    return int.from_bytes(hashlib.sha512(preimage(tag, parts)).digest(), "little") % L


# ---------------------------------------------------------------------------
# Canonical JSON (§1).
# ---------------------------------------------------------------------------


def canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _no_float(text):
    raise ValueError(f"float not allowed: {text}")


def _no_constant(text):
    raise ValueError(f"constant not allowed: {text}")


def strict_loads(line: str | bytes) -> object:
    """Parse one record line strictly: no floats, NaN/Infinity or duplicate keys."""
    if isinstance(line, bytes):
        line = line.decode("utf-8")
    return json.loads(
        line,
        object_pairs_hook=_no_duplicates,
        parse_float=_no_float,
        parse_constant=_no_constant,
    )


def is_canonical_line(line: str) -> bool:
    return canonical(strict_loads(line)) == line.encode("utf-8")


# ---------------------------------------------------------------------------
# Election identity (§3, §4).
# ---------------------------------------------------------------------------

ADDED_OPTIONS = {
    "against-all": {"ru": "Против всех", "kk": "Барлығына қарсы", "en": "Against all"},
    "blank": {"ru": "Пустой бюллетень", "kk": "Бос бюллетень", "en": "Blank vote"},
}


def label_part(label: dict) -> Part:
    return Li([Tx(label["ru"]), Tx(label["kk"]), Tx(label["en"])])


def has_blank(contest: dict) -> bool:
    return contest["min_selections"] == 0


def encrypted_options(contest: dict) -> list[tuple[str, dict, int]]:
    """(id, label, exclusive) of every encrypted option, in ballot order (§4)."""
    out = [(o["id"], o["label"], 0) for o in contest["options"]]
    if contest["against_all"]:
        out.append(("against-all", ADDED_OPTIONS["against-all"], 1))
    if has_blank(contest):
        out.append(("blank", ADDED_OPTIONS["blank"], 1))
    return out


COUNT_METHODS = ("sum", "mix")


def is_ranked(contest: dict) -> bool:
    """A ranked contest (§4) says `"kind": "ranked"` and names its method."""
    if "kind" not in contest:
        return False
    if contest["kind"] != "ranked" or contest.get("method") not in ("irv", "schulze"):
        raise ValueError(f"contest {contest['id']}: kind {contest['kind']!r}")
    if "count" in contest:
        raise ValueError(f"contest {contest['id']}: a ranked contest has no count")
    return True


def count_method(contest: dict) -> str:
    """How a contest is counted (§4): its `count`, "sum" when the key is absent; a ranked
    contest is always mixed."""
    if is_ranked(contest):
        return "mix"
    method = contest.get("count", "sum")
    if method not in COUNT_METHODS:
        raise ValueError(f"contest {contest['id']}: count {method!r}")
    return method


def is_mixed(contest: dict) -> bool:
    return count_method(contest) == "mix"


def slots(contest: dict) -> list[str]:
    """What a ballot encrypts for a contest, one ciphertext each (§4, §5): its encrypted
    options, or a ranked contest's rank positions `rank-1 … rank-r`."""
    if is_ranked(contest):
        return [f"rank-{i}" for i in range(1, contest["max_selections"] + 1)]
    return [oid for oid, _, _ in encrypted_options(contest)]


def manifest_parts(manifest: dict) -> list[Part]:
    contests = []
    for c in manifest["contests"]:
        options = [Li([Tx(i), label_part(lab), In(x)]) for i, lab, x in encrypted_options(c)]
        # a mixed contest's tuple has a seventh part, T "mix"; a summed one has six; a
        # ranked one eight, T "ranked" and T its method (§3)
        if is_ranked(c):
            mixed = [Tx("ranked"), Tx(c["method"])]
        else:
            mixed = [Tx("mix")] if is_mixed(c) else []
        contests.append(
            Li(
                [
                    Tx(c["id"]),
                    label_part(c["title"]),
                    In(c["min_selections"]),
                    In(c["max_selections"]),
                    In(1 if c["against_all"] else 0),
                    Li(options),
                    *mixed,
                ]
            )
        )
    units = [Li([Tx(u["id"]), label_part(u["name"])]) for u in manifest["units"]]
    return [
        Tx(manifest["election_id"]),
        label_part(manifest["title"]),
        Li(contests),
        Li(units),
        In(manifest["min_unit_size"]),
    ]


def manifest_hash(manifest: dict) -> bytes:
    return hash_bytes("manifest", *manifest_parts(manifest))


def object_hash(tag: str, obj: dict) -> bytes:
    """key-ceremony, election-key, encrypted-tally: one B part of canonical bytes."""
    return hash_bytes(tag, By(canonical(obj)))


def ceremony_hash(ceremony: dict) -> bytes:
    return object_hash("key-ceremony", ceremony)


def election_key_hash(election_key: dict) -> bytes:
    return object_hash("election-key", election_key)


def tally_hash(tally: dict) -> bytes:
    return object_hash("encrypted-tally", tally)


MAX_WITNESSES = 32
MAX_WITNESS_NAME = 100


def check_board_keys(setup: dict) -> None:
    """The setup's rules for the board's keys (§3 "Board keys"); ValueError if broken."""
    board = decode_point(setup["board_key"], False)
    witnesses = setup["witnesses"]
    quorum = setup["witness_quorum"]
    if not isinstance(witnesses, list) or len(witnesses) > MAX_WITNESSES:
        raise ValueError(f"witnesses: a list of at most {MAX_WITNESSES}")
    if type(quorum) is not int:
        raise ValueError("witness_quorum: an integer")
    keys = {board.encode()}
    if "organiser_key" in setup:
        organiser = decode_point(setup["organiser_key"], False).encode()
        if organiser in keys:
            raise ValueError("the organiser's key is the board key")
        keys.add(organiser)
    # the service's designated-verifier key W: not the identity, its own key
    verifier = decode_point(setup["verifier_key"], False).encode()
    if verifier in keys:
        raise ValueError("the verifier key W is the board's or the organiser's key")
    keys.add(verifier)
    names = set()
    for w in witnesses:
        if set(w) != {"name", "key"}:
            raise ValueError(f"witness keys {sorted(w)}")
        name = w["name"]
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_WITNESS_NAME:
            raise ValueError(f"witness name {name!r}")
        if name in names:
            raise ValueError(f"two witnesses named {name!r}")
        key = decode_point(w["key"], False).encode()
        if key in keys:
            raise ValueError(f"witness {name!r}: its key is not its own")
        names.add(name)
        keys.add(key)
    # a quorum is more than half of the witnesses (two quorums then share a witness)
    if not (len(witnesses) < 2 * quorum <= 2 * len(witnesses) if witnesses else quorum == 0):
        raise ValueError(f"witness_quorum {quorum} with {len(witnesses)} witnesses")


def board_keys_parts(setup: dict) -> list[Part]:
    """election/board-keys (§2.1): the board key, the witnesses in setup order as (name,
    key) pairs, the quorum, the organiser's key or, without one, empty bytes, and the
    service's designated-verifier key W, and the batch schedule as L(I interval, L(L(I rows,
    I registrations), ...), L(I k0, I epsilon_milli)) or, without one, empty bytes."""
    organiser = setup.get("organiser_key")
    schedule = setup.get("schedule")
    return [
        Pt(setup["board_key"]),
        Li(Li([Tx(w["name"]), Pt(w["key"])]) for w in setup["witnesses"]),
        In(setup["witness_quorum"]),
        Pt(organiser) if organiser is not None else By(b""),
        Pt(setup["verifier_key"]),
        schedule_part(schedule) if "schedule" in setup else By(b""),
    ]


def schedule_part(schedule: dict) -> Part:
    """The setup's `schedule` (coercion.md §4, record-format §3), checked: `interval`
    10 to 3600 seconds dividing the hour; `hours` 1 to 744 pairs [rows, registrations],
    each 1 to 5000; `cover` {k0, epsilon_milli}: k0 0 to 100,000 and at most the listed
    hours' row slots and half their registration slots, epsilon_milli 10 to 1,000,000."""
    if not isinstance(schedule, dict) or set(schedule) != {"interval", "hours", "cover"}:
        raise ValueError("setup: the schedule is {interval, hours, cover}")
    interval, hours, cover = schedule["interval"], schedule["hours"], schedule["cover"]
    if type(interval) is not int or not 10 <= interval <= 3600 or 3600 % interval:
        raise ValueError("setup: the schedule's interval")
    if not isinstance(hours, list) or not 1 <= len(hours) <= 744:
        raise ValueError("setup: the schedule's hours")
    for hour in hours:
        if not (isinstance(hour, list) and len(hour) == 2):
            raise ValueError("setup: an hour of the schedule is [rows, registrations]")
        if not all(type(v) is int and 1 <= v <= 5000 for v in hour):
            raise ValueError("setup: an hour of the schedule holds 1 to 5000 of each")
    if not isinstance(cover, dict) or set(cover) != {"k0", "epsilon_milli"}:
        raise ValueError("setup: the schedule's cover is {k0, epsilon_milli}")
    k0, epsilon_milli = cover["k0"], cover["epsilon_milli"]
    if type(epsilon_milli) is not int or not 10 <= epsilon_milli <= 1_000_000:
        raise ValueError("setup: the cover's epsilon_milli is an integer 10 to 1,000,000")
    per_hour = 3600 // interval
    room = min(per_hour * sum(r for r, _ in hours), per_hour * sum(g for _, g in hours) // 2)
    if type(k0) is not int or not 0 <= k0 <= min(100_000, room):
        raise ValueError(f"setup: the cover's k0 is an integer 0 to {min(100_000, room)}")
    return Li(
        [
            In(interval),
            Li(Li([In(r), In(g)]) for r, g in hours),
            Li([In(k0), In(epsilon_milli)]),
        ]
    )


def board_keys_hash(setup: dict) -> bytes:
    return hash_bytes("election/board-keys", *board_keys_parts(setup))


def base_hash_parts(m_hash: bytes, k_hash: bytes, public_key: str, bk_hash: bytes) -> list[Part]:
    return [By(m_hash), By(k_hash), Pt(public_key), By(bk_hash)]


def base_hash(m_hash: bytes, k_hash: bytes, public_key: str, bk_hash: bytes) -> bytes:
    return hash_bytes("election/base", *base_hash_parts(m_hash, k_hash, public_key, bk_hash))


def setup_base_hash(setup: dict) -> bytes:
    """The base hash from a setup body alone."""
    key = setup["election_key"]
    return base_hash(
        manifest_hash(setup["manifest"]),
        election_key_hash(key),
        key["public_key"],
        board_keys_hash(setup),
    )


def verifier_key_parts(base: bytes, verifier_key: str, r: Point) -> list[Part]:
    """verifier-key (§2.1): B base hash, P W, P R."""
    return [By(base), Pt(verifier_key), Pt(r)]


def check_verifier_key(setup: dict) -> None:
    """The setup's proof of knowledge of w for the verifier key W (§3): W is not the
    identity, and with R = s·B − c·W, c = hash_to_scalar("verifier-key", base, W, R)."""
    w_hex = setup["verifier_key"]
    w = decode_point(w_hex, False)
    proof = setup["verifier_key_proof"]
    if not isinstance(proof, dict) or set(proof) != {"c", "s"}:
        raise ValueError("verifier_key_proof: keys c, s")
    c, s = decode_scalar(proof["c"]), decode_scalar(proof["s"])
    r = schnorr_commitment(c, s, w)
    if c != hash_to_scalar("verifier-key", *verifier_key_parts(setup_base_hash(setup), w_hex, r)):
        raise ValueError("verifier_key_proof: the proof of knowledge of w does not verify")


def fingerprint(base: bytes) -> str:
    """What voters and observers compare: the first 16 hex digits of the base hash."""
    return base.hex()[:16]


# ---------------------------------------------------------------------------
# Proofs.
# ---------------------------------------------------------------------------


def schnorr_commitment(c: int, s: int, public: Point) -> Point:
    """R = s·B − c·X."""
    return s * B - c * public


def equality_commitments(c: int, s: int, x_pub: Point, a: Point, d: Point) -> tuple[Point, Point]:
    """R1 = s·B − c·X, R2 = s·A − c·D."""
    return s * B - c * x_pub, s * a - c * d


def disjunctive_commitments(
    cs: Sequence[int],
    ss: Sequence[int],
    values: Sequence[int],
    h: Point,
    alpha: Point,
    beta: Point,
) -> list[tuple[Point, Point]]:
    """A_i = s_i·B − c_i·alpha, B_i = s_i·H − c_i·(beta − v_i·B)."""
    out = []
    for c, s, v in zip(cs, ss, values, strict=True):
        a_i = s * B - c * alpha
        b_i = s * h - c * (beta - v * B)
        out.append((a_i, b_i))
    return out


def disjunctive_parts(
    ctx: Sequence[Part],
    h: Point,
    alpha: Point,
    beta: Point,
    values: Sequence[int],
    commitments: Sequence[tuple[Point, Point]],
) -> list[Part]:
    flat = [Pt(x) for pair in commitments for x in pair]
    return [*ctx, Pt(h), Pt(alpha), Pt(beta), Li(In(v) for v in values), Li(flat)]


def selection_values(contest: dict) -> list[int]:
    exclusive = bool(contest["against_all"]) or has_blank(contest)
    lower = max(contest["min_selections"], 1) if exclusive else contest["min_selections"]
    return list(range(lower, contest["max_selections"] + 1))


def selection_ciphertext(contest: dict, cts: Sequence[tuple[Point, Point]]) -> tuple[Point, Point]:
    """Σ candidates + max·Σ exclusive."""
    alpha, beta = IDENTITY, IDENTITY
    for (_, _, excl), (a, b) in zip(encrypted_options(contest), cts, strict=True):
        w = contest["max_selections"] if excl else 1
        alpha = alpha + (a if w == 1 else w * a)
        beta = beta + (b if w == 1 else w * b)
    return alpha, beta


def option_ctx(base: bytes, credential: str, contest_id: str, option_id: str) -> list[Part]:
    return [By(base), Pt(credential), Tx(contest_id), Tx(option_id)]


def selection_ctx(base: bytes, credential: str, contest_id: str) -> list[Part]:
    return [By(base), Pt(credential), Tx(contest_id)]


def content_parts(base: bytes, ballot: dict) -> list[Part]:
    contests = []
    for c in ballot["contests"]:
        cts = Li(Li([Pt(ct["alpha"]), Pt(ct["beta"])]) for ct in c["ciphertexts"])
        ops = Li(
            Li([Li(Sc(x) for x in p["c"]), Li(Sc(x) for x in p["s"])]) for p in c["option_proofs"]
        )
        if "selection_proof" not in c:  # a ranked contest: three items (§5)
            contests.append(Li([Tx(c["id"]), cts, ops]))
            continue
        sp = c["selection_proof"]
        sel = Li([Li(Sc(x) for x in sp["c"]), Li(Sc(x) for x in sp["s"])])
        contests.append(Li([Tx(c["id"]), cts, ops, sel]))
    return [By(base), Pt(ballot["credential"]), Li(contests)]


def content_hash(base: bytes, ballot: dict) -> bytes:
    return hash_bytes("ballot/content", *content_parts(base, ballot))


def signature_parts(base: bytes, credential: str, content: bytes, r: Point) -> list[Part]:
    return [By(base), Pt(credential), By(content), Pt(credential), Pt(r)]


def ciphertexts_parts(base: bytes, contests: Sequence[dict]) -> list[Part]:
    return [
        By(base),
        Li(
            Li([Tx(c["id"]), Li(Li([Pt(ct["alpha"]), Pt(ct["beta"])]) for ct in c["ciphertexts"])])
            for c in contests
        ),
    ]


def ciphertexts_hash(base: bytes, contests: Sequence[dict]) -> bytes:
    return hash_bytes("ballot/ciphertexts", *ciphertexts_parts(base, contests))


def seal_parts(content: bytes, signature: dict) -> list[Part]:
    return [By(content), Sc(signature["c"]), Sc(signature["s"])]


def seal(content: bytes, signature: dict) -> bytes:
    return hash_bytes("ballot/seal", *seal_parts(content, signature))


def tracking_hash(ct_hash: bytes, seal_value: bytes) -> bytes:
    return hash_bytes("ballot/tracking", By(ct_hash), By(seal_value))


def tracking_code(t_hash: bytes) -> str:
    """RFC 4648 base32 (upper case) of the first 10 bytes, groups of four."""
    code = base64.b32encode(t_hash[:10]).decode("ascii")
    return "-".join(code[i : i + 4] for i in range(0, 16, 4))


def verify_ballot(base: bytes, h: Point, manifest: dict, ballot: dict) -> bytes:
    """Check every proof and the signature of a cast ballot; return its tracking hash."""
    cred = ballot["credential"]
    verify_contests(base, h, manifest, ballot, Pt(cred))
    content = content_hash(base, ballot)
    sig = ballot["signature"]
    c, s = decode_scalar(sig["c"]), decode_scalar(sig["s"])
    r = schnorr_commitment(c, s, decode_point(cred, False))
    if c != hash_to_scalar("ballot/signature", *signature_parts(base, cred, content, r)):
        raise ValueError("ballot signature")
    return tracking_hash(ciphertexts_hash(base, ballot["contests"]), seal(content, sig))


def verify_contests(base: bytes, h: Point, manifest: dict, ballot: dict, binding: Part) -> None:
    """Every contest's proofs, each challenge naming `binding` after the base hash (P
    credential in version 1, B statement hash in version 2)."""
    if len(ballot["contests"]) != len(manifest["contests"]):
        raise ValueError("contest count")
    for mc, bc in zip(manifest["contests"], ballot["contests"], strict=True):
        if mc["id"] != bc["id"]:
            raise ValueError("contest order")
        if is_ranked(mc):
            verify_rank_proofs(base, h, binding, mc, bc)
            continue
        if "selection_proof" not in bc:
            raise ValueError(f"selection proof {mc['id']}: missing")
        opts = encrypted_options(mc)
        cts = [
            (decode_point(ct["alpha"], False), decode_point(ct["beta"])) for ct in bc["ciphertexts"]
        ]
        if len(cts) != len(opts) or len(bc["option_proofs"]) != len(opts):
            raise ValueError("option count")
        for (oid, _, _), (a, b), pr in zip(opts, cts, bc["option_proofs"], strict=True):
            cs = [decode_scalar(x) for x in pr["c"]]
            ss = [decode_scalar(x) for x in pr["s"]]
            com = disjunctive_commitments(cs, ss, (0, 1), h, a, b)
            ctx = [By(base), binding, Tx(mc["id"]), Tx(oid)]
            parts = disjunctive_parts(ctx, h, a, b, (0, 1), com)
            if sum(cs) % L != hash_to_scalar("ballot/option", *parts):
                raise ValueError(f"option proof {mc['id']}/{oid}")
        sa, sb = selection_ciphertext(mc, cts)
        values = selection_values(mc)
        sp = bc["selection_proof"]
        cs = [decode_scalar(x) for x in sp["c"]]
        ss = [decode_scalar(x) for x in sp["s"]]
        com = disjunctive_commitments(cs, ss, values, h, sa, sb)
        ctx = [By(base), binding, Tx(mc["id"])]
        parts = disjunctive_parts(ctx, h, sa, sb, values, com)
        if sum(cs) % L != hash_to_scalar("ballot/selection", *parts):
            raise ValueError(f"selection proof {mc['id']}")


def verify_rank_proofs(base: bytes, h: Point, binding: Part, mc: dict, bc: dict) -> None:
    """A ranked contest's ballot (§5): r ciphertexts, each with a `ballot/rank` proof over
    1 … c at position 1 and 0 … c after it; no selection proof."""
    r, c = mc["max_selections"], len(encrypted_options(mc))
    if "selection_proof" in bc or len(bc["ciphertexts"]) != r or len(bc["option_proofs"]) != r:
        raise ValueError(f"ranked contest {mc['id']}: shape")
    for i, (ct, pr) in enumerate(zip(bc["ciphertexts"], bc["option_proofs"], strict=True), 1):
        a, b = decode_point(ct["alpha"], False), decode_point(ct["beta"])
        values = list(range(1 if i == 1 else 0, c + 1))
        cs = [decode_scalar(x) for x in pr["c"]]
        ss = [decode_scalar(x) for x in pr["s"]]
        if len(cs) != len(values) or len(ss) != len(values):
            raise ValueError(f"rank proof {mc['id']}/{i}: length")
        com = disjunctive_commitments(cs, ss, values, h, a, b)
        ctx = [By(base), binding, Tx(mc["id"]), In(i)]
        if sum(cs) % L != hash_to_scalar(
            "ballot/rank", *disjunctive_parts(ctx, h, a, b, values, com)
        ):
            raise ValueError(f"rank proof {mc['id']}/{i}")


def encrypt(h: Point, m: int, r: int) -> tuple[Point, Point]:
    return r * B, r * h + m * B


# ---------------------------------------------------------------------------
# Key ceremony (docs/trustees.md).
# ---------------------------------------------------------------------------


def communication_key_parts(cer: bytes, trustee: int, name: str, y: Point, r: Point) -> list[Part]:
    return [By(cer), In(trustee), Tx(name), Pt(y), Pt(r)]


#: the three keys of one ceremony, in this order (docs/trustees.md, docs/coercion.md §7)
KEY_LABELS = ("x", "y1", "y2")


def key_hash(cer: bytes, label: str) -> bytes:
    """The context of key ``label``'s deals, share encryptions and complaints."""
    return hash_bytes("dkg-key", By(cer), Tx(label))


def coefficient_pok_parts(
    k_hash: bytes, dealer: int, commitments: Sequence[str], r: Point
) -> list[Part]:
    return [By(k_hash), In(dealer), Li(Pt(c) for c in commitments), Pt(commitments[0]), Pt(r)]


def verify_trustee_public(cer: bytes, pub: dict) -> Point:
    y = decode_point(pub["communication_key"], False)
    c, s = decode_scalar(pub["proof"]["c"]), decode_scalar(pub["proof"]["s"])
    r = schnorr_commitment(c, s, y)
    parts = communication_key_parts(cer, pub["trustee"], pub["name"], y, r)
    if c != hash_to_scalar("dkg-communication-key", *parts):
        raise ValueError(f"communication-key proof of trustee {pub['trustee']}")
    return r


def verify_deal_public(cer: bytes, dealer: int, key: dict) -> Point:
    """The proof of knowledge of ``a_{i,0}`` in one key's entry of a ``trustee-deal``."""
    c0 = decode_point(key["commitments"][0], False)
    c, s = decode_scalar(key["proof"]["c"]), decode_scalar(key["proof"]["s"])
    r = schnorr_commitment(c, s, c0)
    parts = coefficient_pok_parts(key_hash(cer, key["label"]), dealer, key["commitments"], r)
    if c != hash_to_scalar("dkg-coefficient-pok", *parts):
        raise ValueError(f"coefficient proof of dealer {dealer}, key {key['label']!r}")
    return r


def _commitments(deal: dict, label: str) -> list[str]:
    (key,) = [k for k in deal["keys"] if k["label"] == label]
    return key["commitments"]


def joint_key(deals: Sequence[dict], qualified: Sequence[int], label: str = "x") -> Point:
    total = IDENTITY
    for d in deals:
        if d["dealer"] in qualified:
            total = total + decode_point(_commitments(d, label)[0])
    return total


def verification_key(
    deals: Sequence[dict], qualified: Sequence[int], trustee: int, label: str = "x"
) -> Point:
    total = IDENTITY
    for d in deals:
        if d["dealer"] not in qualified:
            continue
        for j, c in enumerate(_commitments(d, label)):
            total = total + pow(trustee, j, L) * decode_point(c)
    return total


def check_election_key(k: dict) -> None:
    """The key ceremony of an ``election-key`` object without complaints (this checker
    does not open shares, so it cannot rule on one): every communication key's and every
    coefficient proof, each dealer dealing ``x``, ``y1``, ``y2`` in that order to every
    other trustee, QUAL the dealers, and ``H``, ``X_l``, ``Y1``, ``Y1_l``, ``Y2``,
    ``Y2_l`` recomputed from the commitments.  Raises ValueError naming what fails."""
    cer = ceremony_hash(k["ceremony"])
    n, t = k["ceremony"]["trustees"], k["ceremony"]["threshold"]
    if sorted(p["trustee"] for p in k["trustee_publics"]) != list(range(1, n + 1)):
        raise ValueError("communication keys: not one per trustee 1..n")
    for p in k["trustee_publics"]:
        verify_trustee_public(cer, p)
    if any(c["complaints"] for c in k["complaints"]) or k["rulings"]:
        raise ValueError("complaints: this checker does not rule on complaints")
    dealers = [d["dealer"] for d in k["deals"]]
    if dealers != sorted(set(dealers)):
        raise ValueError("deals: one per dealer, in increasing order")
    for d in k["deals"]:
        if (d["type"], d["version"], d["ceremony"]) != ("trustee-deal", 2, cer.hex()):
            raise ValueError(f"deal of trustee {d['dealer']}: type, version or ceremony")
        if [key["label"] for key in d["keys"]] != list(KEY_LABELS):
            raise ValueError(f"deal of trustee {d['dealer']}: the keys are not x, y1, y2")
        for key in d["keys"]:
            if len(key["commitments"]) != t:
                raise ValueError(f"deal of trustee {d['dealer']}: not {t} commitments")
            others = [i for i in range(1, n + 1) if i != d["dealer"]]
            if [s["recipient"] for s in key["shares"]] != others:
                raise ValueError(f"deal of trustee {d['dealer']}: shares' recipients")
            verify_deal_public(cer, d["dealer"], key)
    if k["qualified"] != dealers or len(dealers) < t:
        raise ValueError("qualified: not the dealers, or fewer than the threshold")
    stated = [("x", k["public_key"], k["verification_keys"])]
    if [tk["label"] for tk in k["tag_keys"]] != list(KEY_LABELS[1:]):
        raise ValueError("tag_keys: not y1, y2")
    stated += [(tk["label"], tk["public_key"], tk["verification_keys"]) for tk in k["tag_keys"]]
    for label, public, vks in stated:
        if joint_key(k["deals"], dealers, label).hex() != public:
            raise ValueError(f"key {label!r}: the joint public key")
        if [v["trustee"] for v in vks] != list(range(1, n + 1)):
            raise ValueError(f"key {label!r}: verification keys not for trustees 1..n")
        for v in vks:
            if verification_key(k["deals"], dealers, v["trustee"], label).hex() != v["key"]:
                raise ValueError(f"key {label!r}: verification key of trustee {v['trustee']}")


# ---------------------------------------------------------------------------
# Decryption (record-format §7, trustees.md).
# ---------------------------------------------------------------------------


def share_parts(
    base: bytes,
    t_hash: bytes,
    trustee: int,
    entry_id: str,
    x_l: Point,
    alpha: Point,
    d: Point,
    r1: Point,
    r2: Point,
) -> list[Part]:
    return [
        By(base),
        By(t_hash),
        In(trustee),
        Tx(entry_id),
        Pt(x_l),
        Pt(alpha),
        Pt(d),
        Pt(r1),
        Pt(r2),
    ]


def lagrange(trustees: Sequence[int]) -> dict[int, int]:
    out = {}
    for l_ in trustees:
        num, den = 1, 1
        for m in trustees:
            if m != l_:
                num = num * m % L
                den = den * (m - l_) % L
        out[l_] = num * pow(den, L - 2, L) % L
    return out


def discrete_log(point: Point, bound: int) -> int | None:
    """m in [0, bound] with m·B = point (a linear search; bounds here are tiny)."""
    acc = IDENTITY
    for m in range(bound + 1):
        if acc == point:
            return m
        acc = acc + B
    return None


# ---------------------------------------------------------------------------
# The log (§6): Merkle tree (RFC 9162) and tree heads.
# ---------------------------------------------------------------------------


def leaf_hash(line: str | bytes) -> bytes:
    if isinstance(line, str):
        line = line.encode("utf-8")
    return hashlib.sha256(b"\x00" + line).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over already-hashed leaves."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:])).digest()


TREE_HEAD_TAG = b"honestballot/v1/tree-head"


def tree_head_message(election_id: str, size: int, timestamp_ms: int, root: bytes) -> bytes:
    log_id = ("honestballot:" + election_id).encode("utf-8")
    return (
        struct.pack(">B", len(TREE_HEAD_TAG))
        + TREE_HEAD_TAG
        + struct.pack(">H", len(log_id))
        + log_id
        + struct.pack(">QQ", size, timestamp_ms)
        + root
    )


def tree_head_parts(board_key: str, message: bytes, r: Point) -> list[Part]:
    return [Pt(board_key), By(message), Pt(board_key), Pt(r)]


def verify_tree_head(board_key: str, election_id: str, head: dict) -> Point:
    root = bytes.fromhex(head["root"])
    msg = tree_head_message(election_id, head["size"], head["timestamp_ms"], root)
    c = decode_scalar(head["signature"]["c"])
    s = decode_scalar(head["signature"]["s"])
    r = schnorr_commitment(c, s, decode_point(board_key, False))
    if c != hash_to_scalar("board/tree-head", *tree_head_parts(board_key, msg, r)):
        raise ValueError(f"tree head {head['size']} signature")
    return r


def cosignature_message(election_id: str, cosig: dict) -> bytes:
    """The tree-head message of the head it repeats, then u64 witnessed_ms (§6)."""
    head = tree_head_message(
        election_id, cosig["size"], cosig["timestamp_ms"], bytes.fromhex(cosig["root"])
    )
    return head + struct.pack(">Q", cosig["witnessed_ms"])


def cosignature_parts(base: bytes, witness_key: str, message: bytes, r: Point) -> list[Part]:
    return [By(base), Pt(witness_key), By(message), Pt(witness_key), Pt(r)]


def verify_cosignature(base: bytes, setup: dict, election_id: str, cosig: dict) -> Point:
    """A witness the setup names co-signed this head; returns R."""
    if (
        set(cosig)
        != {"type", "size", "root", "timestamp_ms", "witness", "witnessed_ms", "signature"}
        or cosig["type"] != "cosignature"
    ):
        raise ValueError("not a cosignature line")
    if cosig["witness"] not in [w["key"] for w in setup["witnesses"]]:
        raise ValueError(f"{cosig['witness']} is not a witness of this election")
    key = decode_point(cosig["witness"], False)
    c = decode_scalar(cosig["signature"]["c"])
    s = decode_scalar(cosig["signature"]["s"])
    r = schnorr_commitment(c, s, key)
    msg = cosignature_message(election_id, cosig)
    if c != hash_to_scalar("board/cosignature", *cosignature_parts(base, cosig["witness"], msg, r)):
        raise ValueError(f"co-signature of the head of size {cosig['size']}")
    return r


def check_witnesses(
    base: bytes, setup: dict, election_id: str, lines: Sequence[dict], *, quorum: bool = True
) -> list[str]:
    """The `log.witnesses` rule (§6, §8) over a record's parsed lines (header first):
    each co-signature follows a tree-head line (only other co-signatures between), repeats
    its size, root and timestamp, is by a witness the setup names, verifies, and no
    witness co-signs one head line twice; with ``quorum``, the last tree-head line is
    co-signed by at least witness_quorum witnesses.  Returns those witnesses' keys."""
    head = None  # the tree-head line the current run of co-signatures follows
    signers: list[str] = []
    for line in lines[1:]:
        if line["type"] == "tree-head":
            head, signers = line, []
        elif line["type"] == "cosignature":
            if head is None:
                raise ValueError("a co-signature follows no tree head")
            if any(line[k] != head[k] for k in ("size", "root", "timestamp_ms")):
                raise ValueError(f"a co-signature of size {line['size']} repeats another head")
            if line["witness"] in signers:
                raise ValueError(f"a witness co-signs the head of size {line['size']} twice")
            verify_cosignature(base, setup, election_id, line)
            signers.append(line["witness"])
        else:  # an event: what follows is no longer the head's
            head, signers = None, []
    if quorum and len(signers) < setup["witness_quorum"]:
        raise ValueError(
            f"the final tree head is co-signed by {len(signers)} witnesses, the "
            f"setup asks for {setup['witness_quorum']}"
        )
    return signers


#: how far the board's times may stray from when a witness saw them (§6, "Co-signature
#: lines", the board's times and the witnesses' clocks)
CLOCK_SKEW_MS = 5 * 60 * 1000
#: events that carry their batch's due time, not when they were appended (board rule 11)
BATCH_KINDS = ("batch", "registration", "cast-row")


def check_witness_times(setup: dict, lines: Sequence[dict]) -> list[tuple[str, int, str, int]]:
    """The `log.witness-times` rule (§6, §8) over a record's parsed lines whose
    co-signatures `check_witnesses` accepts: for a co-signature of the head of size n by a
    witness that saw it at w, the head and every event of seq < n are stamped no later than
    w + 5 minutes, every event of seq >= n (but batches and their items) and every head of
    a larger size no earlier than w - 5 minutes.  Returns every contradiction as (witness
    name, n, "event" or "head", the event's seq or the head's size)."""
    names = {w["key"]: w["name"] for w in setup["witnesses"]}
    events = [line for line in lines[1:] if line["type"] == "event"]
    heads = [line for line in lines[1:] if line["type"] == "tree-head"]
    found = []
    for c in lines[1:]:
        if c["type"] != "cosignature":
            continue
        n, w, who = c["size"], c["witnessed_ms"], names[c["witness"]]
        if c["timestamp_ms"] > w + CLOCK_SKEW_MS:
            found.append((who, n, "head", n))
        for e in events:
            if e["seq"] < n and e["time_ms"] > w + CLOCK_SKEW_MS:
                found.append((who, n, "event", e["seq"]))
            late = e["seq"] >= n and e["kind"] not in BATCH_KINDS
            if late and e["time_ms"] < w - CLOCK_SKEW_MS:
                found.append((who, n, "event", e["seq"]))
        for h in heads:
            if h["size"] > n and h["timestamp_ms"] < w - CLOCK_SKEW_MS:
                found.append((who, n, "head", h["size"]))
    return found


def roll_summary_message(body: dict) -> bytes:
    """What the organiser signs: the roll body's canonical bytes without `signature`."""
    return canonical({k: v for k, v in body.items() if k != "signature"})


def roll_signature_parts(base: bytes, organiser_key: str, message: bytes, r: Point) -> list[Part]:
    return [By(base), Pt(organiser_key), By(message), Pt(organiser_key), Pt(r)]


def check_roll_signature(base: bytes, setup: dict, events: Sequence[dict]) -> Point | None:
    """The `roll.signature` rule (§6, §8); returns R of the signature (None if unsigned)."""
    rolls = [e for e in events if e["kind"] == "roll"]
    opened = any(e["kind"] == "open" for e in events)
    organiser = setup.get("organiser_key")
    roll = rolls[0]["body"] if rolls else None
    if organiser is None:
        if roll is not None and "signature" in roll:
            raise ValueError("a signed roll summary, but the setup names no organiser key")
        return None
    if roll is None:
        if opened:
            raise ValueError("opened without the organiser's signed roll summary")
        return None
    if "signature" not in roll:
        raise ValueError("the roll summary is not signed")
    key = decode_point(organiser, False)
    c = decode_scalar(roll["signature"]["c"])
    s = decode_scalar(roll["signature"]["s"])
    r = schnorr_commitment(c, s, key)
    parts = roll_signature_parts(base, organiser, roll_summary_message(roll), r)
    if c != hash_to_scalar("board/roll-summary", *parts):
        raise ValueError("the organiser's signature on the roll summary")
    return r


# ---------------------------------------------------------------------------
# Pre-image parsing (to name the part where two pre-images differ).
# ---------------------------------------------------------------------------


def parse_preimage(data: bytes) -> tuple[str, list[tuple[str, str, bytes]]]:
    """Split a pre-image into its tag and a flat list of (path, type code, payload)."""
    (tlen,) = struct.unpack(">Q", data[:8])
    tag = data[8 : 8 + tlen].decode("ascii")
    pos = 8 + tlen
    flat: list[tuple[str, str, bytes]] = []

    def one(path: str) -> None:
        nonlocal pos
        if pos + 9 > len(data):
            raise ValueError(f"truncated at {path}")
        code = chr(data[pos])
        (n,) = struct.unpack(">Q", data[pos + 1 : pos + 9])
        pos += 9
        if code == "L":
            flat.append((path, "L", str(n).encode()))
            for i in range(n):
                one(f"{path}[{i}]")
        elif code in "PSBTI":
            flat.append((path, code, data[pos : pos + n]))
            pos += n
        else:
            raise ValueError(f"unknown type code {code!r} at {path}")

    i = 0
    while pos < len(data):
        one(f"part{i}")
        i += 1
    return tag, flat


def first_difference(mine: bytes, theirs: bytes) -> str:
    """A human-readable description of where two pre-images differ ('' if equal)."""
    if mine == theirs:
        return ""
    try:
        tag_a, a = parse_preimage(mine)
        tag_b, b = parse_preimage(theirs)
    except (ValueError, UnicodeDecodeError, struct.error) as exc:
        return f"pre-images differ (unparsable: {exc})"
    if tag_a != tag_b:
        return f"tag {tag_a!r} != {tag_b!r}"
    for (pa, ca, xa), (pb, cb, xb) in zip(a, b, strict=False):
        if (pa, ca, xa) != (pb, cb, xb):
            return f"first differing part: mine {pa} {ca} {xa.hex()} vs vector {pb} {cb} {xb.hex()}"
    return f"one pre-image has extra parts: {len(a)} vs {len(b)} parts"


# ---------------------------------------------------------------------------
# Counting (record-format §6 "Counted ballots", §7).
# ---------------------------------------------------------------------------


def counted_ballots(events: Sequence[dict]) -> list[tuple[str, dict]]:
    """(unit, ballot) of the last ballot of every credential that was not replaced.

    A ballot's unit is taken to be the unit of its credential's `credential` event.
    """
    unit_of: dict[str, str] = {}
    replaced: set[str] = set()
    last: dict[str, dict] = {}
    order: list[str] = []
    for ev in events:
        body = ev["body"]
        if ev["kind"] == "credential":
            unit_of[body["credential"]] = body["unit"]
            if "replaces" in body:
                replaced.add(body["replaces"])
        elif ev["kind"] == "ballot":
            cred = body["ballot"]["credential"]
            if cred not in last:
                order.append(cred)
            last[cred] = body["ballot"]
    return [(unit_of[c], last[c]) for c in order if c not in replaced]


def broken_out_units(units: Sequence[str], counts: dict[str, int], min_size: int) -> list[str]:
    """Units broken out under §7's rule, in manifest order."""
    broken = [u for u in units if counts.get(u, 0) >= min_size]
    held = sum(counts.get(u, 0) for u in units if u not in broken)
    if 1 <= held <= min_size - 1 and broken:
        fewest = min(broken, key=lambda u: (counts.get(u, 0), units.index(u)))
        broken.remove(fewest)
    return broken


def aggregate_tally(manifest: dict, counted: Sequence[tuple[str, dict]]) -> tuple[list, list]:
    """(listed entries as (id, alpha, beta) points, counted_per_unit) recomputed per §7:
    the entries the encrypted-tally object lists, 1. the summed contests' totals and 2.
    each broken-out unit's entries for them.  The mixed rows (3.) are not listed: see
    :func:`tally_mixes` and :func:`mixed_entries`."""
    unit_ids = [u["id"] for u in manifest["units"]]
    per_unit_count = {u: 0 for u in unit_ids}
    sums: dict[tuple[str, str], list[Point]] = {}
    for unit, ballot in counted:
        per_unit_count[unit] += 1
        for mc, bc in zip(manifest["contests"], ballot["contests"], strict=True):
            if is_mixed(mc):
                continue  # its ballots are mixed, not summed
            for (oid, _, _), ct in zip(encrypted_options(mc), bc["ciphertexts"], strict=True):
                key = (f"{mc['id']}/{oid}", unit)
                acc = sums.setdefault(key, [IDENTITY, IDENTITY])
                acc[0] = acc[0] + decode_point(ct["alpha"])
                acc[1] = acc[1] + decode_point(ct["beta"])
    option_ids = [
        f"{mc['id']}/{oid}"
        for mc in manifest["contests"]
        if not is_mixed(mc)
        for oid, _, _ in encrypted_options(mc)
    ]
    entries = []
    for eid in option_ids:
        a, b = IDENTITY, IDENTITY
        for u in unit_ids:
            pa, pb = sums.get((eid, u), [IDENTITY, IDENTITY])
            a, b = a + pa, b + pb
        entries.append((eid, a, b))
    for u in broken_out_units(unit_ids, per_unit_count, manifest["min_unit_size"]):
        for eid in option_ids:
            pa, pb = sums.get((eid, u), [IDENTITY, IDENTITY])
            entries.append((f"{eid}@{u}", pa, pb))
    counted_per_unit = [{"unit": u, "ballots": per_unit_count[u]} for u in unit_ids]
    return entries, counted_per_unit


def mixed_entries(manifest: dict, mixed_rows: dict[str, list[list[dict]]]) -> list:
    """The entries of the tally that its object does not list (3., §7): every ciphertext
    of each mixed contest's last mix (``mixed_rows``: contest id -> its rows), contests in
    manifest order, as (`contest#row/slot`, alpha, beta)."""
    entries = []
    for mc in manifest["contests"]:
        if not is_mixed(mc):
            continue
        rows = mixed_rows.get(mc["id"])
        if rows is None:
            raise ValueError(f"contest {mc['id']} is counted by mixing and has no mixes")
        for i, row in enumerate(rows):
            for oid, ct in zip(slots(mc), row, strict=True):
                entries.append(
                    (
                        row_entry_id(mc["id"], i, oid),
                        decode_point(ct["alpha"]),
                        decode_point(ct["beta"]),
                    )
                )
    return entries


def row_entry_id(contest_id: str, row: int, option_id: str) -> str:
    """The tally entry of one ciphertext of a mixed contest's last mix (§7)."""
    return f"{contest_id}#{row}/{option_id}"


def combine(
    entries: Sequence[tuple[str, Point, Point]],
    shares: dict[int, list[tuple[str, Point]]],
    used: Sequence[int],
) -> list[tuple[str, Point]]:
    """(entry id, m·B) of every entry of the tally, ``entries`` as (id, alpha, beta):
    beta − Σ λ_l·D_l over the trustees ``used``, ``shares`` being trustee -> (entry id, D)
    for every entry, in the same order (see :func:`check_decryption_shares`; their proofs
    are checked there)."""
    lam = lagrange(used)
    out = []
    for i, (eid, _, beta) in enumerate(entries):
        acc = IDENTITY
        for tr in used:
            if shares[tr][i][0] != eid:
                raise ValueError(f"share of trustee {tr}: entry {i} is not {eid}")
            acc = acc + lam[tr] * shares[tr][i][1]
        out.append((eid, beta - acc))
    return out


def listed_shares(share: dict) -> list[tuple[str, Point]]:
    """(entry id, D) of a decryption-share object's `entries` (a tally without `mixes`)."""
    return [(e["id"], decode_point(e["share"])) for e in share["entries"]]


def published_entries(tally: dict) -> list[tuple[str, Point, Point]]:
    """(id, alpha, beta) of the entries an encrypted-tally object lists."""
    return [(e["id"], decode_point(e["alpha"]), decode_point(e["beta"])) for e in tally["entries"]]


def admissible(contest: dict, row: Sequence[int]) -> bool:
    """A decrypted row is a selection a ballot's proofs allow (§4): every value 0 or 1,
    and T = S + max_selections·e in the contest's selection range."""
    if len(row) != len(encrypted_options(contest)) or any(v not in (0, 1) for v in row):
        return False
    weights = [contest["max_selections"] if x else 1 for _, _, x in encrypted_options(contest)]
    return sum(w * v for w, v in zip(weights, row, strict=True)) in selection_values(contest)


def mixed_counts(manifest: dict, rows: int, counts: dict[str, int]) -> list[dict] | None:
    """The result's `mixed` member (§7) from the decrypted counts of every tally entry,
    ``rows`` being the number of counted ballots: per mixed contest in manifest order, the
    count of each encrypted option over its rows.  None when no contest is mixed (the
    result then has no `mixed`).  ValueError if a row is not admissible."""
    out = []
    for mc in manifest["contests"]:
        if not is_mixed(mc) or is_ranked(mc):
            continue
        options = [oid for oid, _, _ in encrypted_options(mc)]
        totals = dict.fromkeys(options, 0)
        for i in range(rows):
            row = [counts[row_entry_id(mc["id"], i, o)] for o in options]
            if not admissible(mc, row):
                raise ValueError(f"contest {mc['id']}: mixed row {i} {row} is not admissible")
            for o, v in zip(options, row, strict=True):
                totals[o] += v
        out.append(
            {
                "contest": mc["id"],
                "counts": [{"id": f"{mc['id']}/{o}", "count": n} for o, n in totals.items()],
            }
        )
    return out or None


# ---------------------------------------------------------------------------
# Ranked contests (§7, "Ranked contests").
# ---------------------------------------------------------------------------


def dlog_bound(manifest: dict, ballots: int) -> int:
    """The range [0, bound] of every plaintext (§7): the ballots counted, at least 1, or a
    ranked contest's number of choices if larger."""
    choices = [len(encrypted_options(c)) for c in manifest["contests"] if is_ranked(c)]
    return max([1, ballots, *choices])


def read_row(contest: dict, row: Sequence[int]) -> tuple[str | None, list[str]]:
    """(exclusive choice or None, ranking) of a decrypted row; ValueError if it is none."""
    choices = encrypted_options(contest)
    if len(row) != contest["max_selections"] or any(not 0 <= v <= len(choices) for v in row):
        raise ValueError(f"contest {contest['id']}: row {row} holds no choice number")
    if row[0] == 0:
        raise ValueError(f"contest {contest['id']}: row {row} is empty at position 1")
    if choices[row[0] - 1][2]:
        return choices[row[0] - 1][0], []
    ranking: list[str] = []
    for v in row:
        if v == 0 or choices[v - 1][2]:
            break
        if choices[v - 1][0] not in ranking:
            ranking.append(choices[v - 1][0])
    return None, ranking


def irv(candidates: list[str], rankings: list[list[str]], lot: list[str]) -> dict:
    if not rankings:
        return {"rounds": [], "winner": None}
    left = list(candidates)
    history: list[dict[str, int]] = []
    rounds: list[dict] = []
    while True:
        votes = {c: 0 for c in left}
        exhausted = 0
        for ranking in rankings:
            for c in ranking:
                if c in votes:
                    votes[c] += 1
                    break
            else:
                exhausted += 1
        history.append(votes)
        rnd: dict = {"counts": [{"id": c, "count": votes[c]} for c in left], "exhausted": exhausted}
        rounds.append(rnd)
        best = [c for c in left if 2 * votes[c] > len(rankings) - exhausted]
        if best or len(left) == 1:
            rnd["eliminated"] = None
            return {"rounds": rounds, "winner": best[0] if best else left[0]}
        low = min(votes.values())
        tied = [c for c in left if votes[c] == low]
        rule = "fewest"
        if len(tied) > 1:
            rule = "previous-rounds"
            for earlier in history[-2::-1]:
                least = min(earlier[c] for c in tied)
                tied = [c for c in tied if earlier[c] == least]
                if len(tied) == 1:
                    break
            if len(tied) > 1:
                rule = "lot"
                tied = [next(c for c in lot if c in tied)]
        rnd["eliminated"], rnd["tie_break"] = tied[0], rule
        left.remove(tied[0])


def prefers(ranking: list[str], a: str, b: str) -> bool:
    """A ranking prefers a to b: a ranked before b, or a ranked and b not."""
    if a not in ranking:
        return False
    return b not in ranking or ranking.index(a) < ranking.index(b)


def schulze(
    candidates: list[str], rankings: list[list[str]], base: bytes, contest_id: str, lot: list[str]
) -> dict:
    n = len(candidates)
    d = [
        [sum(prefers(r, candidates[a], candidates[b]) for r in rankings) if a != b else 0
         for b in range(n)]
        for a in range(n)
    ]  # fmt: skip
    p = [[d[a][b] if a != b and d[a][b] > d[b][a] else 0 for b in range(n)] for a in range(n)]
    for k in range(n):
        for a in range(n):
            for b in range(n):
                if len({a, b, k}) == 3:
                    p[a][b] = max(p[a][b], min(p[a][k], p[k][b]))

    def beats(a: int, b: int) -> bool:
        return p[a][b] > p[b][a]

    winners = [candidates[a] for a in range(n) if not any(beats(b, a) for b in range(n))]
    tbrc: list[str] | None = None
    ranking: list[str] = []
    rest = list(range(n))
    while rest:
        top = [a for a in rest if not any(beats(b, a) for b in rest)]
        if len(top) > 1 and tbrc is None:
            tbrc = tie_breaking(candidates, rankings, base, contest_id, lot)
        pick = top[0] if len(top) == 1 else min(top, key=lambda a: tbrc.index(candidates[a]))  # type: ignore[union-attr]
        ranking.append(candidates[pick])
        rest.remove(pick)
    return {
        "d": d,
        "p": p,
        "winners": winners,
        "ranking": ranking,
        "tie_breaking": tbrc,
        "winner": ranking[0] if rankings else None,
    }


def tie_breaking(
    candidates: list[str], rankings: list[list[str]], base: bytes, contest_id: str, lot: list[str]
) -> list[str]:
    above: set[tuple[str, str]] = set()
    total = len(candidates) * (len(candidates) - 1) // 2

    def order(a: str, b: str) -> None:
        if (a, b) in above or (b, a) in above:
            return
        ups = [a] + [x for x in candidates if (x, a) in above]
        downs = [b] + [y for y in candidates if (b, y) in above]
        above.update((x, y) for x in ups for y in downs)

    pool = list(range(len(rankings)))
    for k in range(len(rankings)):
        j = int.from_bytes(hash_bytes("ranked/draw", By(base), Tx(contest_id), In(k)), "big")
        j %= len(pool)
        drawn = rankings[pool[j]]
        pool[j] = pool[-1]
        pool.pop()
        if len(above) == total:
            break
        for i, a in enumerate(drawn):
            for b in drawn[i + 1 :] + [c for c in candidates if c not in drawn]:
                order(a, b)
    for j in range(len(lot)):
        for i in range(j):
            order(lot[j], lot[i])
    return sorted(candidates, key=lambda a: -sum(1 for x, _ in above if x == a))


def ranked_counts(
    manifest: dict, base: bytes, rows: int, counts: dict[str, int]
) -> list[dict] | None:
    """The result's `ranked` member (§7) from the decrypted counts; None without ranked
    contests.  ValueError if a row reads as nothing."""
    out = []
    for mc in manifest["contests"]:
        if not is_ranked(mc):
            continue
        exclusive = {oid: 0 for oid, _, x in encrypted_options(mc) if x}
        rankings = []
        for i in range(rows):
            row = [counts[row_entry_id(mc["id"], i, s)] for s in slots(mc)]
            choice, ranking = read_row(mc, row)
            if choice is None:
                rankings.append(ranking)
            else:
                exclusive[choice] += 1
        candidates = [o["id"] for o in mc["options"]]
        lot = sorted(
            candidates,
            key=lambda c: hash_bytes("ranked/lot", By(base), Tx(mc["id"]), Tx(c)),
        )
        item = {
            "contest": mc["id"],
            "method": mc["method"],
            "rankings": len(rankings),
            "exclusive": [{"id": k, "count": v} for k, v in exclusive.items()],
        }
        if mc["method"] == "irv":
            item.update(irv(candidates, rankings, lot))
        else:
            item.update(schulze(candidates, rankings, base, mc["id"], lot))
        out.append(item)
    return out or None


# ---------------------------------------------------------------------------
# The proof of shuffle (docs/shuffle.md).
# ---------------------------------------------------------------------------


def hash_to_point(tag: str, *parts: Part) -> Point:
    """SHA-512 of the pre-image, then RFC 9496's one-way map (docs/shuffle.md §1)."""
    return from_uniform_bytes(hashlib.sha512(preimage(tag, parts)).digest())


def rows_part(rows: Sequence[Sequence[dict]]) -> Part:
    """[[[P alpha, P beta] per ciphertext] per row] (docs/shuffle.md §4.2)."""
    return Li(Li(Li([Pt(ct["alpha"]), Pt(ct["beta"])]) for ct in row) for row in rows)


def points_part(pts: Sequence[Point]) -> Part:
    return Li(Pt(p) for p in pts)


def _total(ps: Iterable[Point]) -> Point:
    acc = IDENTITY
    for p in ps:
        acc = acc + p
    return acc


def verify_shuffle(
    context: Sequence[Part],
    key: str,
    inputs: Sequence[Sequence[dict]],
    outputs: Sequence[Sequence[dict]],
    proof: dict,
) -> bool:
    """docs/shuffle.md §5, step by step: True iff ``proof`` shows that ``outputs`` are
    ``inputs`` permuted (whole rows) and re-encrypted under ``key``, for ``context``.
    A statement or proof of the wrong shape is a ValueError."""
    n, w = len(inputs), len(inputs[0]) if inputs else 0
    if n < 1 or w < 1 or len(outputs) != n or any(len(r) != w for r in [*inputs, *outputs]):
        raise ValueError(f"a shuffle statement of {n} rows of {w} and {len(outputs)} outputs")
    if set(proof) != {
        "permutation_commitment",
        "chain",
        "c",
        "s1",
        "s2",
        "s3",
        "s4",
        "s_hat",
        "s_prime",
    }:
        raise ValueError(f"proof of shuffle keys {sorted(proof)}")
    ctx = Li(context)
    h = hash_to_point("shuffle/chain-base", ctx)
    hs = [hash_to_point("shuffle/generator", ctx, In(i)) for i in range(n)]
    pk = decode_point(key, allow_identity=False)

    def ct(x: dict) -> tuple[Point, Point]:
        return decode_point(x["alpha"]), decode_point(x["beta"])

    ins = [[ct(x) for x in row] for row in inputs]
    outs = [[ct(x) for x in row] for row in outputs]
    com = [decode_point(x, allow_identity=False) for x in proof["permutation_commitment"]]
    chain = [decode_point(x, allow_identity=False) for x in proof["chain"]]
    c = decode_scalar(proof["c"])
    s1, s2, s3 = (decode_scalar(proof[k]) for k in ("s1", "s2", "s3"))
    s4 = [decode_scalar(x) for x in proof["s4"]]
    s_hat = [decode_scalar(x) for x in proof["s_hat"]]
    s_prime = [decode_scalar(x) for x in proof["s_prime"]]
    if not len(com) == len(chain) == len(s_hat) == len(s_prime) == n or len(s4) != w:
        raise ValueError("the proof of shuffle's lists do not fit the statement")

    seed = hash_bytes(
        "shuffle/statement",
        ctx,
        In(n),
        In(w),
        Pt(h),
        points_part(hs),
        Pt(pk),
        rows_part(inputs),
        rows_part(outputs),
        points_part(com),
    )
    u = [hash_to_scalar("shuffle/vector-challenge", By(seed), In(j)) for j in range(n)]
    u_product = 1
    for x in u:
        u_product = u_product * x % L
    t1 = B * s1 - (_total(com) - _total(hs)) * c
    t2 = B * s2 - (chain[-1] - h * u_product) * c
    t3 = (
        B * s3
        + _total(hi * s for hi, s in zip(hs, s_prime, strict=True))
        - _total(cj * uj for cj, uj in zip(com, u, strict=True)) * c
    )
    t4 = []
    for k in range(w):
        alpha = (
            _total(outs[i][k][0] * s_prime[i] for i in range(n))
            - B * s4[k]
            - _total(ins[j][k][0] * u[j] for j in range(n)) * c
        )
        beta = (
            _total(outs[i][k][1] * s_prime[i] for i in range(n))
            - pk * s4[k]
            - _total(ins[j][k][1] * u[j] for j in range(n)) * c
        )
        t4.append(Li([Pt(alpha), Pt(beta)]))
    previous = [h, *chain[:-1]]
    t_hat = [B * s_hat[i] + previous[i] * s_prime[i] - chain[i] * c for i in range(n)]
    again = hash_to_scalar(
        "shuffle/challenge",
        By(seed),
        points_part(chain),
        Pt(t1),
        Pt(t2),
        Pt(t3),
        Li(t4),
        points_part(t_hat),
    )
    return again == c


# ---------------------------------------------------------------------------
# The mix chain (record-format §6 "Mixes", board rule 9, §7): `mix-part` events, then the
# `mix` event that names them.
# ---------------------------------------------------------------------------

MIX_PART_KEYS = {
    "contest",
    "position",
    "trustee",
    "part",
    "offset",
    "rows",
    "permutation_commitment",
    "chain",
    "s_hat",
    "s_prime",
    "signature",
}
MIX_KEYS = {"contest", "position", "trustee", "parts", "proof", "signature"}
MIX_PROOF_KEYS = {"c", "s1", "s2", "s3", "s4"}
#: a part holds at most ⌊PART_CELLS / (w + 2)⌋ rows of w ciphertexts
PART_CELLS = 131072
#: a mix outputs at most this many rows
MAX_MIX_ROWS = 1_000_000
#: `part` and `offset` are integers from 0 to this
MAX_PART_INDEX = 999_999


def mix_context(base: bytes, contest_id: str, position: int, trustee: int) -> list[Part]:
    """What a mix's proof of shuffle is bound to, hashed as one L part (docs/shuffle.md §2)."""
    return [By(base), Tx("mix"), Tx(contest_id), In(position), In(trustee)]


def part_max_rows(width: int) -> int:
    """The most rows of ``width`` ciphertexts one `mix-part` may hold."""
    return PART_CELLS // (width + 2)


def part_lists_part(part: dict) -> Part:
    """The part's slices of the proof's per-row lists, as one L part, in the order of its
    JSON keys: L(P c_j …), L(P ĉ_i …), L(S ŝ_i …), L(S s'_i …)."""
    return Li(
        [
            Li(Pt(x) for x in part["permutation_commitment"]),
            Li(Pt(x) for x in part["chain"]),
            Li(Sc(x) for x in part["s_hat"]),
            Li(Sc(x) for x in part["s_prime"]),
        ]
    )


def part_digest_parts(base: bytes, part: dict) -> list[Part]:
    return [
        By(base),
        Tx(part["contest"]),
        In(part["position"]),
        In(part["trustee"]),
        In(part["part"]),
        In(part["offset"]),
        rows_part(part["rows"]),
        part_lists_part(part),
    ]


def part_digest(base: bytes, part: dict) -> bytes:
    """What names a `mix-part` and what its trustee signs (hash_bytes "mix/part")."""
    return hash_bytes("mix/part", *part_digest_parts(base, part))


def mix_scalars_part(proof: dict) -> Part:
    """L(S c, S s1, S s2, S s3, L(S s4[0], …)): the proof's scalars in a `mix` body."""
    return Li(
        [
            Sc(proof["c"]),
            Sc(proof["s1"]),
            Sc(proof["s2"]),
            Sc(proof["s3"]),
            Li(Sc(x) for x in proof["s4"]),
        ]
    )


def mix_digest_parts(base: bytes, mix: dict) -> list[Part]:
    return [
        By(base),
        Tx(mix["contest"]),
        In(mix["position"]),
        In(mix["trustee"]),
        Li(By(d) for d in mix["parts"]),
        mix_scalars_part(mix["proof"]),
    ]


def mix_digest(base: bytes, mix: dict) -> bytes:
    """What the trustee signs to close its mix (hash_bytes "mix/digest"), over a `mix`
    body: the place, its parts' digests, the proof's scalars."""
    return hash_bytes("mix/digest", *mix_digest_parts(base, mix))


def mix_signature_parts(base: bytes, key: str, digest: bytes, r: Point) -> list[Part]:
    return [By(base), Pt(key), By(digest), Pt(key), Pt(r)]


def verify_mix_signature(
    base: bytes, key: str, digest: bytes, signature: dict, what: str = "mix"
) -> Point:
    """A trustee's Schnorr signature (tag mix/signature) by its verification key ``key`` on
    ``digest`` (a part's `mix/part` or a mix's `mix/digest`); returns R."""
    if not isinstance(signature, dict) or set(signature) != {"c", "s"}:
        raise ValueError(f"{what}: a signature is {{c, s}}")
    c, s = decode_scalar(signature["c"]), decode_scalar(signature["s"])
    r = schnorr_commitment(c, s, decode_point(key, False))
    if c != hash_to_scalar("mix/signature", *mix_signature_parts(base, key, digest, r)):
        raise ValueError(f"{what}: the trustee's signature does not verify")
    return r


def _integer(value: object, low: int, high: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{what}: expected an integer from {low} to {high}, not {value!r}")
    return value


def _place(
    body: dict, contests: dict, chains: dict[str, list[dict]], keys: dict, what: str
) -> tuple[dict, list[dict]]:
    """Board rule 9 and the contest: a contest counted by mixing, its next position, a
    trustee of the election who has not mixed it.  Returns (contest, its chain)."""
    if not isinstance(body["contest"], str):
        raise ValueError(f"{what}: contest {body['contest']!r}")
    contest = contests.get(body["contest"])
    if contest is None or not is_mixed(contest):
        raise ValueError(f"{what}: contest {body['contest']} is not counted by mixing")
    chain = chains.get(body["contest"], [])
    position = _integer(body["position"], 1, 1000, f"{what}: position")
    trustee = _integer(body["trustee"], 1, 1000, f"{what}: trustee")
    if position != len(chain) + 1:
        raise ValueError(f"{what}: position {position}, not {len(chain) + 1}")
    if trustee not in keys or trustee in [m["trustee"] for m in chain]:
        raise ValueError(f"{what}: trustee {trustee} may not mix here")
    return contest, chain


def _check_points(items: object, count: int, identity: bool, what: str) -> None:
    if not isinstance(items, list) or len(items) != count:
        raise ValueError(f"{what}: expected a list of {count} points")
    for x in items:
        decode_point(x, allow_identity=identity)


def _check_scalars(items: object, count: int, what: str) -> None:
    if not isinstance(items, list) or len(items) != count:
        raise ValueError(f"{what}: expected a list of {count} scalars")
    for x in items:
        decode_scalar(x)


def check_part_shape(part: dict, width: int, what: str) -> int:
    """A `mix-part`'s index, offset, rows (m ≥ 1 rows of exactly ``width`` ciphertexts,
    either point may be the identity; at most ⌊131072 / (w + 2)⌋ rows) and its four lists
    (m items each, no identity).  Returns m."""
    _integer(part["part"], 0, MAX_PART_INDEX, f"{what}: part")
    _integer(part["offset"], 0, MAX_PART_INDEX, f"{what}: offset")
    rows = part["rows"]
    if not isinstance(rows, list) or not 1 <= len(rows) <= part_max_rows(width):
        raise ValueError(f"{what}: a part holds 1 to {part_max_rows(width)} rows")
    m = len(rows)
    for row in rows:
        if not isinstance(row, list) or len(row) != width:
            raise ValueError(f"{what}: a row holds {width} ciphertexts")
        for ct in row:
            if not isinstance(ct, dict) or set(ct) != {"alpha", "beta"}:
                raise ValueError(f"{what}: a ciphertext is {{alpha, beta}}")
            decode_point(ct["alpha"]), decode_point(ct["beta"])
    _check_points(part["permutation_commitment"], m, False, f"{what}: permutation_commitment")
    _check_points(part["chain"], m, False, f"{what}: chain")
    _check_scalars(part["s_hat"], m, f"{what}: s_hat")
    _check_scalars(part["s_prime"], m, f"{what}: s_prime")
    return m


def assemble_mix(mix: dict, parts: dict[str, dict], what: str) -> dict:
    """The whole mix a `mix` body closes, from the valid parts earlier in the record
    (``parts``: digest hex -> part body): part ``i`` of its list has that digest, the mix's
    contest, position and trustee, ``"part": i`` and the offset of the rows before it.
    Returns {contest, position, trustee, parts, rows, proof (docs/shuffle.md §6),
    signature}."""
    named = mix["parts"]
    if not isinstance(named, list) or not named:
        raise ValueError(f"{what}: a mix names at least one part")
    rows: list[list[dict]] = []
    lists: dict[str, list[str]] = {
        k: [] for k in ("permutation_commitment", "chain", "s_hat", "s_prime")
    }
    for i, digest in enumerate(named):
        if (
            not isinstance(digest, str)
            or len(digest) != 64
            or any(ch not in "0123456789abcdef" for ch in digest)
        ):
            raise ValueError(f"{what}: part {i}'s digest is not 64 lowercase hex digits")
        part = parts.get(digest)
        if part is None:
            raise ValueError(f"{what}: part {i} ({digest[:16]}…) is not a mix-part before it")
        place = (part["contest"], part["position"], part["trustee"])
        if place != (mix["contest"], mix["position"], mix["trustee"]):
            raise ValueError(f"{what}: part {i} is of another mix {place}")
        if part["part"] != i or part["offset"] != len(rows):
            raise ValueError(
                f"{what}: part {i} is part {part['part']} from row {part['offset']}, "
                f"not part {i} from row {len(rows)}"
            )
        rows += part["rows"]
        for k, items in lists.items():
            items += part[k]
    proof = mix["proof"]
    if not isinstance(proof, dict) or set(proof) != MIX_PROOF_KEYS:
        raise ValueError(
            f"{what}: proof keys {sorted(proof) if isinstance(proof, dict) else proof}"
        )
    for k in ("c", "s1", "s2", "s3"):
        decode_scalar(proof[k])
    if not isinstance(proof["s4"], list) or not proof["s4"]:
        raise ValueError(f"{what}: s4 is a list of w scalars")
    _check_scalars(proof["s4"], len(proof["s4"]), f"{what}: s4")
    return {
        "contest": mix["contest"],
        "position": mix["position"],
        "trustee": mix["trustee"],
        "parts": list(named),
        "rows": rows,
        "proof": {**lists, **{k: proof[k] for k in ("c", "s1", "s2", "s3", "s4")}},
        "signature": mix["signature"],
    }


def ballot_tracking_hash(base: bytes, ballot: dict) -> bytes:
    """A cast ballot's tracking hash (§5), without checking its proofs."""
    return tracking_hash(
        ciphertexts_hash(base, ballot["contests"]),
        seal(content_hash(base, ballot), ballot["signature"]),
    )


def chain_input(
    manifest: dict, contest_id: str, base: bytes, counted: Sequence[tuple[str, dict]]
) -> list[list[dict]]:
    """The first mix's input rows: the contest's ciphertexts of each counted ballot, the
    ballots in increasing order of tracking hash (compared as bytes)."""
    index = [c["id"] for c in manifest["contests"]].index(contest_id)
    ordered = sorted((b for _, b in counted), key=lambda b: ballot_tracking_hash(base, b))
    return [b["contests"][index]["ciphertexts"] for b in ordered]


def check_mixes(
    base: bytes, setup: dict, events: Sequence[dict], counted: Sequence[tuple[str, dict]]
) -> dict[str, list[dict]]:
    """Every `mix-part` and `mix` event, in `seq` order (§6 "Mixes", rule 9, §8
    `mix.proofs`), in the closed phase (after `close`, before `tally`).

    A part: a contest counted by mixing, its next position (1 + the `mix` events of the
    contest before it), a trustee of the election who has not mixed the contest, the
    shape of §6, and its trustee's signature on its `mix/part` digest.  A mix: the same
    place; the parts it names, valid and earlier in the record, assembled in order
    (:func:`assemble_mix`); as many rows as the rows it shuffles (not empty, at most
    1,000,000), each of w ciphertexts; its trustee's signature on its `mix/digest`; and
    the proof of shuffle of the previous rows (the counted ballots', for position 1).

    Returns contest id -> the assembled mixes by position (:func:`assemble_mix`);
    ValueError names the first part or mix that fails."""
    manifest = setup["manifest"]
    contests = {c["id"]: c for c in manifest["contests"]}
    keys = {v["trustee"]: v["key"] for v in setup["election_key"]["verification_keys"]}
    public_key = setup["election_key"]["public_key"]
    chains: dict[str, list[dict]] = {}
    parts: dict[str, dict] = {}  # digest hex -> a valid part's body
    runs: dict[tuple[str, int], tuple[int, int, int, int]] = {}
    phase = "before the close"
    for ev in events:
        if ev["kind"] == "close":
            phase = "closed"
        elif ev["kind"] == "tally":
            phase = "after the tally"
        if ev["kind"] not in ("mix-part", "mix"):
            continue
        body, what = ev["body"], f"event {ev['seq']} ({ev['kind']})"
        expected = MIX_PART_KEYS if ev["kind"] == "mix-part" else MIX_KEYS
        if not isinstance(body, dict) or set(body) != expected:
            raise ValueError(f"{what}: keys {sorted(body)}")
        if phase != "closed":
            raise ValueError(f"{what}: a {ev['kind']} {phase}")
        contest, chain = _place(body, contests, chains, keys, what)
        width = len(slots(contest))
        key = keys[body["trustee"]]
        if ev["kind"] == "mix-part":
            check_part_shape(body, width, what)
            if body["offset"] + len(body["rows"]) > len(counted):
                raise ValueError(f"{what}: its rows reach past the {len(counted)} counted ballots")
            mix_part_follows_on(runs, body, what)
            digest = part_digest(base, body)
            verify_mix_signature(base, key, digest, body["signature"], what)
            parts[digest.hex()] = body
            continue
        mix = assemble_mix(body, parts, what)
        previous = (
            chain[-1]["rows"] if chain else chain_input(manifest, contest["id"], base, counted)
        )
        if not previous:
            raise ValueError(f"{what}: there are no rows to shuffle")
        if len(mix["rows"]) != len(previous) or len(mix["rows"]) > MAX_MIX_ROWS:
            raise ValueError(f"{what}: {len(mix['rows'])} rows, not {len(previous)}")
        if len(body["proof"]["s4"]) != width:
            raise ValueError(f"{what}: s4 holds {len(body['proof']['s4'])} scalars, not {width}")
        verify_mix_signature(base, key, mix_digest(base, body), body["signature"], what)
        context = mix_context(base, mix["contest"], mix["position"], mix["trustee"])
        if not verify_shuffle(context, public_key, previous, mix["rows"], mix["proof"]):
            raise ValueError(f"{what}: the proof of shuffle does not verify")
        chains.setdefault(mix["contest"], []).append(mix)
    return chains


def mix_part_follows_on(
    runs: dict[tuple[str, int], tuple[int, int, int, int]], body: dict, what: str
) -> None:
    """Board rule 9 for parts: a trustee's parts of one contest follow on: part 0 from row
    0 begins a run (at most 3 per trustee and contest, at any positions), part i + 1
    starts at the row after part i of the run, at its position.  ``runs``: (contest,
    trustee) -> (runs begun, the current run's position, its parts, the row after its last
    part), updated."""
    place = (body["contest"], body["trustee"])
    begun, position, count, end = runs.get(place, (0, 0, 0, 0))
    index, offset, rows = body["part"], body["offset"], len(body["rows"])
    if index == 0 and offset == 0 and begun < 3:
        runs[place] = (begun + 1, body["position"], 1, rows)
    elif index > 0 and begun and body["position"] == position and index == count and offset == end:
        runs[place] = (begun, position, count + 1, offset + rows)
    else:
        raise ValueError(
            f"{what}: part {index} from row {offset} does not follow on from the trustee's "
            f"parts before it (board rule 9)"
        )


def check_chains_complete(manifest: dict, threshold: int, chains: dict[str, list[dict]]) -> None:
    """Every mixed contest was mixed by at least ``threshold`` (k) distinct trustees."""
    for c in manifest["contests"]:
        if is_mixed(c):
            mixers = {m["trustee"] for m in chains.get(c["id"], [])}
            if len(mixers) < threshold:
                raise ValueError(
                    f"contest {c['id']} was mixed by {len(mixers)} trustees, "
                    f"fewer than k = {threshold}"
                )


# ---------------------------------------------------------------------------
# The tally, its decryption shares in parts and the result (record-format §7, §8
# `tally.aggregation`, `decryption.shares`, `result.counts`).
# ---------------------------------------------------------------------------

TALLY_KEYS = {"type", "version", "election", "entries"}
SHARE_KEYS = {"type", "version", "election", "trustee", "tally", "entries"}
SHARE_PART_KEYS = {"trustee", "tally", "part", "contest", "offset", "rows", "signature"}
#: an encrypted-tally object lists at most this many entries
MAX_LISTED_ENTRIES = 100_000
#: a `share-part` holds at most ⌊SHARE_PART_CELLS / w⌋ rows of w shares
SHARE_PART_CELLS = 131072


def tally_mixes(
    base: bytes, manifest: dict, chains: dict[str, list[dict]], counted: Sequence
) -> list[dict] | None:
    """The encrypted-tally object's `mixes` member recomputed (§7): per contest counted by
    mixing, in manifest order, its last mix's `mix/digest` and number of rows, which must
    be one per counted ballot; None when no contest is counted by mixing."""
    out = []
    for mc in manifest["contests"]:
        if not is_mixed(mc):
            continue
        chain = chains.get(mc["id"])
        if not chain:
            raise ValueError(f"contest {mc['id']} is counted by mixing and has no mixes")
        last = chain[-1]
        if len(last["rows"]) != len(counted):
            raise ValueError(
                f"contest {mc['id']}: {len(last['rows'])} mixed rows, {len(counted)} ballots"
            )
        out.append({"contest": mc["id"], "mix": mix_digest(base, last).hex(), "rows": len(counted)})
    return out or None


def check_tally(
    base: bytes,
    setup: dict,
    events: Sequence[dict],
    counted: Sequence[tuple[str, dict]],
    chains: dict[str, list[dict]],
) -> dict:
    """`tally.aggregation`: the `tally` event's body, its encrypted-tally object and
    `counted_per_unit` recomputed from the counted ballots and the valid mixes (``chains``,
    :func:`check_mixes`): its listed entries, and its `mixes` exactly when the manifest has
    a contest counted by mixing.  Returns the body; ValueError says what differs."""
    what = "tally.aggregation"
    manifest = setup["manifest"]
    found = [ev for ev in events if ev["kind"] == "tally"]
    if len(found) != 1:
        raise ValueError(f"{what}: {len(found)} tally events")
    body = found[0]["body"]
    tally = body["tally"]
    try:
        check_chains_complete(manifest, setup["election_key"]["ceremony"]["threshold"], chains)
        mixes = tally_mixes(base, manifest, chains, counted)
        entries, per_unit = aggregate_tally(manifest, counted)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None
    expected_keys = TALLY_KEYS | ({"mixes"} if mixes is not None else set())
    if not isinstance(tally, dict) or set(tally) != expected_keys:
        raise ValueError(
            f"{what}: the encrypted-tally object's keys are not {sorted(expected_keys)}"
        )
    if (tally["type"], tally["version"], tally["election"]) != ("encrypted-tally", 1, base.hex()):
        raise ValueError(f"{what}: type, version or election")
    if body["counted_per_unit"] != per_unit:
        raise ValueError(f"{what}: counted_per_unit is not {per_unit}")
    if not isinstance(tally["entries"], list) or len(tally["entries"]) > MAX_LISTED_ENTRIES:
        raise ValueError(f"{what}: the object lists more than {MAX_LISTED_ENTRIES:,} entries")
    recomputed = [{"id": i, "alpha": a.hex(), "beta": b.hex()} for i, a, b in entries]
    if tally["entries"] != recomputed:
        listed = [e.get("id") if isinstance(e, dict) else e for e in tally["entries"]]
        raise ValueError(f"{what}: the listed entries {listed} are not the recomputed ones")
    if mixes is not None and tally["mixes"] != mixes:
        raise ValueError(f"{what}: mixes {tally['mixes']} are not {mixes}")
    return body


def named_mix_rows(
    base: bytes, tally: dict, chains: dict[str, list[dict]]
) -> dict[str, list[list[dict]]]:
    """contest id -> the rows of the valid mix the tally's `mixes` names by its digest
    (with the number of rows it says)."""
    out = {}
    for item in tally.get("mixes", []):
        mix = next(
            (
                m
                for m in chains.get(item["contest"], [])
                if mix_digest(base, m).hex() == item["mix"]
            ),
            None,
        )
        if mix is None or len(mix["rows"]) != item["rows"]:
            raise ValueError(
                f"the tally names no valid mix of {item['contest']} of {item['rows']} rows"
            )
        out[item["contest"]] = mix["rows"]
    return out


def share_rows_part(rows: Sequence[Sequence[dict]]) -> Part:
    """L(L(L(P D, S c, S s), … one per share of the row), … one per row of the part)."""
    return Li(
        Li(Li([Pt(it["share"]), Sc(it["proof"]["c"]), Sc(it["proof"]["s"])]) for it in row)
        for row in rows
    )


def share_part_digest_parts(base: bytes, part: dict) -> list[Part]:
    return [
        By(base),
        By(part["tally"]),
        In(part["trustee"]),
        In(part["part"]),
        Tx(part["contest"]),
        In(part["offset"]),
        share_rows_part(part["rows"]),
    ]


def share_part_digest(base: bytes, part: dict) -> bytes:
    """What names a `share-part` and what its trustee signs (hash_bytes "share/part")."""
    return hash_bytes("share/part", *share_part_digest_parts(base, part))


def verify_share_proof(
    base: bytes, t_hash: bytes, trustee: int, entry_id: str, x_l: Point, alpha: Point, item: dict
) -> Point:
    """A trustee's share ``item`` ({share, proof}) of one entry: the Chaum–Pedersen proof
    that log_B X_l = log_alpha D; returns D."""
    if not isinstance(item, dict) or not isinstance(item.get("proof"), dict):
        raise ValueError(f"entry {entry_id}: a share is {{share, proof}}")
    if set(item["proof"]) != {"c", "s"}:
        raise ValueError(f"entry {entry_id}: a proof is {{c, s}}")
    d = decode_point(item["share"])
    c, s = decode_scalar(item["proof"]["c"]), decode_scalar(item["proof"]["s"])
    r1, r2 = equality_commitments(c, s, x_l, alpha, d)
    parts = share_parts(base, t_hash, trustee, entry_id, x_l, alpha, d, r1, r2)
    if c != hash_to_scalar("decryption-share", *parts):
        raise ValueError(f"entry {entry_id}: the proof of trustee {trustee}'s share fails")
    return d


def check_share_part(
    base: bytes, t_hash: bytes, tally: dict, contests: dict, keys: dict, rows: dict, body: dict
) -> int:
    """One `share-part` body valid (§7, "Decryption shares in parts"): its keys, its tally
    hash, trustee, contest (one the tally's `mixes` names), shape and rows within that
    contest's rows, its signature and every proof.  Returns its number of rows."""
    if not isinstance(body, dict) or set(body) != SHARE_PART_KEYS:
        raise ValueError(f"keys {sorted(body) if isinstance(body, dict) else body}")
    if body["tally"] != t_hash.hex():
        raise ValueError("not of the tally on the board")
    trustee = _integer(body["trustee"], 1, 1000, "trustee")
    if trustee not in keys:
        raise ValueError(f"trustee {trustee} is not a trustee of the election")
    named = {m["contest"]: m["rows"] for m in tally.get("mixes", [])}
    if not isinstance(body["contest"], str) or body["contest"] not in named:
        raise ValueError(f"contest {body['contest']!r} is not one the tally's mixes names")
    _integer(body["part"], 0, MAX_PART_INDEX, "part")
    offset = _integer(body["offset"], 0, MAX_PART_INDEX, "offset")
    contest = contests[body["contest"]]
    ids = slots(contest)
    width = len(ids)
    most = SHARE_PART_CELLS // width
    part_rows = body["rows"]
    if not isinstance(part_rows, list) or not 1 <= len(part_rows) <= most:
        raise ValueError(f"a part holds 1 to {most} rows")
    if offset + len(part_rows) > named[body["contest"]]:
        raise ValueError(
            f"rows {offset} to {offset + len(part_rows) - 1} are not within the "
            f"{named[body['contest']]} rows of {body['contest']}"
        )
    for row in part_rows:
        if not isinstance(row, list) or len(row) != width:
            raise ValueError(f"a row holds {width} shares")
        for item in row:
            if not isinstance(item, dict) or set(item) != {"share", "proof"}:
                raise ValueError("a share is {share, proof}")
            if not isinstance(item["proof"], dict) or set(item["proof"]) != {"c", "s"}:
                raise ValueError("a proof is {c, s}")
            decode_point(item["share"])
            decode_scalar(item["proof"]["c"]), decode_scalar(item["proof"]["s"])
    key = keys[trustee]
    verify_mix_signature(base, key, share_part_digest(base, body), body["signature"], "share-part")
    x_l = decode_point(key)
    mix_rows = rows[body["contest"]]
    for i, row in enumerate(part_rows):
        for slot, item, ct in zip(ids, row, mix_rows[offset + i], strict=True):
            eid = row_entry_id(body["contest"], offset + i, slot)
            verify_share_proof(base, t_hash, trustee, eid, x_l, decode_point(ct["alpha"]), item)
    return len(part_rows)


def follow_on(progress: dict[int, tuple[int, str, int, set[str]]], body: dict) -> None:
    """Board rule 7: a trustee's `share-part` follows on from its parts before it (part 0
    at offset 0; then part + 1, at the previous part's end in its contest, or at offset 0
    of a contest none of its parts holds).  ``progress``: trustee -> (parts so far, last
    contest, row after the last part, contests held), updated."""
    trustee, index = body["trustee"], body["part"]
    contest, offset, rows = body["contest"], body["offset"], len(body["rows"])
    count, last, end, held = progress.get(trustee, (0, "", 0, set()))
    ok = offset == end if count and contest == last else offset == 0 and contest not in held
    if index != count or not ok:
        raise ValueError(
            f"part {index} of trustee {trustee} (contest {contest!r}, offset {offset}) does "
            f"not follow on from its {count} parts before it (board rule 7)"
        )
    progress[trustee] = (count + 1, contest, offset + rows, held | {contest})


def check_decryption_shares(
    base: bytes, setup: dict, events: Sequence[dict], chains: dict[str, list[dict]]
) -> tuple[list[tuple[str, Point, Point]], dict[int, list[tuple[str, Point]]]]:
    """`decryption.shares` (§7, board rules 1 and 7), in `seq` order: every `share-part`
    valid (after the tally, before the result; :func:`check_share_part`), whether a share
    names it or not; every `decryption-share` (at most one per trustee) of this election
    and tally, its listed entries' proofs, and, when the tally has `mixes`, its `parts`
    naming, in order, valid parts before it, of its own trustee, with `"part": i`, that
    cover each named contest's rows from 0, contest after contest, and nothing more.

    Returns (every entry of the tally as (id, alpha, beta): the listed ones then the mixed
    rows', and trustee -> its share of each, (id, D) in that order).  ValueError, starting
    "decryption.shares", names the first event that fails."""
    manifest = setup["manifest"]
    contests = {c["id"]: c for c in manifest["contests"]}
    keys = {v["trustee"]: v["key"] for v in setup["election_key"]["verification_keys"]}
    tally: dict | None = None
    t_hash = b""
    rows: dict[str, list[list[dict]]] = {}
    entries: list[tuple[str, Point, Point]] = []
    parts: dict[str, tuple[int, dict]] = {}  # digest hex -> (seq, body) of a valid part
    shares: dict[int, list[tuple[str, Point]]] = {}
    progress: dict[int, tuple[int, str, int, set[str]]] = {}
    done = False
    for ev in events:
        kind, body = ev["kind"], ev["body"]
        what = f"decryption.shares: event {ev['seq']} ({kind})"
        if kind == "tally":
            tally = body["tally"]
            t_hash = tally_hash(tally)
            try:
                rows = named_mix_rows(base, tally, chains)
            except ValueError as e:
                raise ValueError(f"decryption.shares: {e}") from None
            entries = published_entries(tally) + mixed_entries(manifest, rows)
        elif kind == "result":
            done = True
        if kind not in ("share-part", "decryption-share"):
            continue
        if tally is None or done:
            raise ValueError(
                f"{what}: a {kind} {'after the result' if done else 'before the tally'}"
            )
        try:
            if kind == "share-part":
                if body.get("trustee") in shares:  # board rule 7
                    raise ValueError(
                        f"a part of trustee {body['trustee']} after that trustee's share"
                    )
                check_share_part(base, t_hash, tally, contests, keys, rows, body)
                follow_on(progress, body)
                parts.setdefault(share_part_digest(base, body).hex(), (ev["seq"], body))
                continue
            trustee, share = assemble_share(base, t_hash, tally, contests, keys, parts, ev)
        except (ValueError, DecodeError, KeyError, TypeError) as e:
            raise ValueError(f"{what}: {e}") from None
        if trustee in shares:
            raise ValueError(f"{what}: a second share of trustee {trustee}")
        shares[trustee] = share
    return entries, shares


def assemble_share(
    base: bytes,
    t_hash: bytes,
    tally: dict,
    contests: dict,
    keys: dict,
    parts: dict[str, tuple[int, dict]],
    ev: dict,
) -> tuple[int, list[tuple[str, Point]]]:
    """One `decryption-share` event checked, and its trustee's share of every entry of the
    tally, (id, D) in order: the listed entries', then the parts' items, row by row."""
    if set(ev["body"]) != {"share"}:
        raise ValueError(f"keys {sorted(ev['body'])}")
    share = ev["body"]["share"]
    mixes = tally.get("mixes")
    expected = SHARE_KEYS | ({"parts"} if mixes is not None else set())
    if not isinstance(share, dict) or set(share) != expected:
        raise ValueError(f"the share's keys are not {sorted(expected)}")
    if (share["type"], share["version"]) != ("decryption-share", 1):
        raise ValueError("type or version")
    if share["election"] != base.hex():
        raise ValueError("a share of another election")
    if share["tally"] != t_hash.hex():
        raise ValueError("a share of another tally")
    trustee = _integer(share["trustee"], 1, 1000, "trustee")
    if trustee not in keys:
        raise ValueError(f"trustee {trustee} is not a trustee of the election")
    x_l = decode_point(keys[trustee])
    listed = tally["entries"]
    if not isinstance(share["entries"], list) or [
        e.get("id") if isinstance(e, dict) else None for e in share["entries"]
    ] != [te["id"] for te in listed]:
        raise ValueError("its entries are not the tally's listed entries")
    out = [
        (
            te["id"],
            verify_share_proof(base, t_hash, trustee, te["id"], x_l, decode_point(te["alpha"]), e),
        )
        for e, te in zip(share["entries"], listed, strict=True)
    ]
    if mixes is None:
        return trustee, out
    named = share["parts"]
    if not isinstance(named, list) or not named:
        raise ValueError("parts: a share of a tally with mixes names at least one part")
    contest_at, offset = 0, 0
    for i, digest in enumerate(named):
        if not isinstance(digest, str) or digest not in parts or parts[digest][0] > ev["seq"]:
            raise ValueError(f"parts: part {i} is not a valid share-part before it")
        part = parts[digest][1]
        if part["trustee"] != trustee:
            raise ValueError(f"parts: part {i} is trustee {part['trustee']}'s")
        if contest_at == len(mixes):
            raise ValueError(f"parts: part {i} is after the last contest's last row")
        contest = mixes[contest_at]["contest"]
        if (part["part"], part["contest"], part["offset"]) != (i, contest, offset):
            raise ValueError(
                f"parts: part {i} is part {part['part']} of {part['contest']} from row "
                f"{part['offset']}, not part {i} of {contest} from row {offset}"
            )
        ids = slots(contests[contest])
        for j, row in enumerate(part["rows"]):
            for slot, item in zip(ids, row, strict=True):
                out.append((row_entry_id(contest, offset + j, slot), decode_point(item["share"])))
        offset += len(part["rows"])
        if offset == mixes[contest_at]["rows"]:
            contest_at, offset = contest_at + 1, 0
    if contest_at != len(mixes):
        raise ValueError(
            f"parts: the rows of {mixes[contest_at]['contest']} from row {offset} are not covered"
        )
    return trustee, out


def check_result(
    base: bytes,
    setup: dict,
    events: Sequence[dict],
    entries: Sequence[tuple[str, Point, Point]],
    shares: dict[int, list[tuple[str, Point]]],
) -> tuple[dict, dict[str, int]]:
    """`result.counts` (§7): the `result` event's `trustees` are the k lowest-numbered
    valid shares (``shares``, :func:`check_decryption_shares`), its `counts` the decrypted
    counts of the entries the tally lists, in its order, and its `mixed` and `ranked` the
    counts of the decrypted rows.  Returns (the result body, entry id -> count of every
    entry of the tally, mixed rows' included)."""
    what = "result.counts"
    manifest = setup["manifest"]
    found = [ev for ev in events if ev["kind"] == "result"]
    if len(found) != 1:
        raise ValueError(f"{what}: {len(found)} result events")
    result = found[0]["body"]
    k = setup["election_key"]["ceremony"]["threshold"]
    used = sorted(shares)[:k]
    if len(used) < k or result["trustees"] != used:
        raise ValueError(f"{what}: trustees {result['trustees']}, not {used}")
    (tally_body,) = [ev["body"] for ev in events if ev["kind"] == "tally"]
    n = sum(u["ballots"] for u in tally_body["counted_per_unit"])
    bound = dlog_bound(manifest, n)
    counts: dict[str, int] = {}
    try:
        for eid, m_b in combine(entries, shares, used):
            m = discrete_log(m_b, bound)
            if m is None:
                raise ValueError(f"entry {eid} decrypts to no count from 0 to {bound}")
            counts[eid] = m
        listed = [{"id": e["id"], "count": counts[e["id"]]} for e in tally_body["tally"]["entries"]]
        mixed = mixed_counts(manifest, n, counts)
        ranked = ranked_counts(manifest, base, n, counts)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None
    expected = {"counts", "trustees", "rejected_shares"}
    expected |= {"mixed"} if mixed is not None else set()
    expected |= {"ranked"} if ranked is not None else set()
    if set(result) != expected:
        raise ValueError(f"{what}: the result's keys are not {sorted(expected)}")
    if result["counts"] != listed:
        raise ValueError(f"{what}: counts are not the decrypted listed entries {listed}")
    if mixed is not None and result["mixed"] != mixed:
        raise ValueError(f"{what}: mixed is not {mixed}")
    if ranked is not None and result["ranked"] != ranked:
        raise ValueError(f"{what}: ranked is not {ranked}")
    return result, counts


def check_count(events: Sequence[dict]) -> dict:
    """From the close to the result: `mix.proofs`, `tally.aggregation`,
    `decryption.shares` and `result.counts` in that order, on a record's events (the
    first is the `setup`).  Returns {base, counted, chains, tally, entries, shares,
    result, counts}; ValueError names the first check that fails."""
    setup = events[0]["body"]
    base = setup_base_hash(setup)
    counted = counted_ballots(events)
    try:
        chains = check_mixes(base, setup, events, counted)
    except (ValueError, DecodeError) as e:
        raise ValueError(f"mix.proofs: {e}") from None
    tally = check_tally(base, setup, events, counted, chains)
    entries, shares = check_decryption_shares(base, setup, events, chains)
    result, counts = check_result(base, setup, events, entries, shares)
    return {
        "base": base,
        "counted": counted,
        "chains": chains,
        "tally": tally,
        "entries": entries,
        "shares": shares,
        "result": result,
        "counts": counts,
    }


# ---------------------------------------------------------------------------
# Polling stations (record-format §6 "Polling stations", board rule 10, §8).
# ---------------------------------------------------------------------------

STATION_ROLES = ("chair", "deputy", "secretary", "member")


def station_details_hash(base: bytes, details: dict) -> bytes:
    """`station/details` over the details shown on the observer pages."""
    address = details["address"]
    return hash_bytes(
        "station/details",
        By(base),
        Tx(details["unit"]),
        Li([Tx(address["ru"]), Tx(address["kk"]), Tx(address["en"])]),
        Tx(details["hours"]),
        In(1 if details["paper"] else 0),
        Li(Li([Tx(m["name"]), Tx(m["role"]), Tx(m["nominated_by"])]) for m in details["members"]),
        By(details["salt"]),
    )


def check_station_details(details: dict) -> None:
    """The details' own rules: roles, one chair, 1 to 50 members, texts of 1 to 200
    characters without spaces around them (nominated_by may be empty), a 32-byte salt."""

    def text(value: object, what: str, empty: bool = False) -> None:
        if not isinstance(value, str) or len(value) > 200 or value != value.strip():
            raise ValueError(f"{what}: 1 to 200 characters without spaces around")
        if not value and not empty:
            raise ValueError(f"{what}: empty")

    for lang in ("ru", "kk", "en"):
        text(details["address"][lang], f"address {lang}")
    text(details["hours"], "hours")
    members = details["members"]
    if not 1 <= len(members) <= 50:
        raise ValueError("a commission has 1 to 50 members")
    for m in members:
        text(m["name"], "name")
        text(m["nominated_by"], "nominated_by", empty=True)
        if m["role"] not in STATION_ROLES:
            raise ValueError(f"role {m['role']!r}")
    if sum(m["role"] == "chair" for m in members) != 1:
        raise ValueError("not exactly one chair")
    if len(bytes.fromhex(details["salt"])) != 32:
        raise ValueError("the salt is 32 bytes")


def verify_commission_proof(m_hash: bytes, unit: str, key: str, proof: dict) -> None:
    """`station/commission-key`: c = H(manifest hash, unit, key, R), R = s·B − c·key."""
    public = decode_point(key, False)
    c, s = decode_scalar(proof["c"]), decode_scalar(proof["s"])
    r = schnorr_commitment(c, s, public)
    if c != hash_to_scalar("station/commission-key", By(m_hash), Tx(unit), Pt(key), Pt(r)):
        raise ValueError(f"the commission key of unit {unit!r}: its proof does not verify")


def check_stations(manifest: dict, events: Sequence[dict]) -> dict[str, dict]:
    """Board rule 10 (`board.rules`) and `stations.commissions` over the record's events in
    order; returns unit -> its latest `station` body (ValueError names the check).  Each
    unit's station events are numbered 1, 2, ... by their `sequence` (an older signed
    station posted again stands at the wrong place)."""
    m_hash = manifest_hash(manifest)
    units = {u["id"] for u in manifest["units"]}
    phase = "setup"
    latest: dict[str, dict] = {}
    sent: dict[str, int] = {}
    for ev in events:
        kind = ev["kind"]
        if kind == "open":
            phase = "open"
        elif kind == "close":
            phase = "closed"
        if kind != "station":
            continue
        body = ev["body"]
        keys = {"unit", "sequence", "paper", "commission_key", "commission_proof", "details_hash"}
        if set(body) - {"organiser_signature"} != keys:
            raise ValueError(f"board.rules: event {ev['seq']}: the station body's keys")
        if phase not in ("setup", "open"):
            raise ValueError(f"board.rules: event {ev['seq']}: a station after the close")
        unit = body["unit"]
        if unit not in units:
            raise ValueError(f"board.rules: event {ev['seq']}: unknown unit {unit!r}")
        if len(bytes.fromhex(body["details_hash"])) != 32 or not isinstance(body["paper"], bool):
            raise ValueError(f"board.rules: event {ev['seq']}: malformed station")
        sequence = body["sequence"]
        if type(sequence) is not int or sequence != sent.get(unit, 0) + 1:
            raise ValueError(
                f"board.rules: event {ev['seq']}: station sequence {sequence!r}, not the "
                f"unit's next ({sent.get(unit, 0) + 1})"
            )
        if phase == "open":
            before = latest.get(unit)
            if before is None:
                raise ValueError(f"board.rules: event {ev['seq']}: a new station after the open")
            if (before["commission_key"], before["paper"]) != (
                body["commission_key"],
                body["paper"],
            ):
                raise ValueError(
                    f"board.rules: event {ev['seq']}: key or paper voting changed after the open"
                )
        try:
            verify_commission_proof(m_hash, unit, body["commission_key"], body["commission_proof"])
        except (ValueError, DecodeError) as exc:
            raise ValueError(f"stations.commissions: event {ev['seq']}: {exc}") from None
        latest[unit] = body
        sent[unit] = sequence
    return latest


def check_station_signatures(base: bytes, setup: dict, events: Sequence[dict]) -> int:
    """`stations.signature` (§6 "Polling stations", §8): with `organiser_key` in the setup,
    every station body carries `organiser_signature` = (c, s) with R = s·B − c·O and
    c = H_station/organiser(B base, P O, B message, P O, P R), the message being the
    body's canonical bytes without that member; without it, no body carries one.
    Returns how many station events were checked."""
    organiser = setup.get("organiser_key")
    checked = 0
    for ev in events:
        if ev["kind"] != "station":
            continue
        body = ev["body"]
        checked += 1
        if organiser is None:
            if "organiser_signature" in body:
                raise ValueError(
                    f"stations.signature: event {ev['seq']}: a signed station, but the setup "
                    "names no organiser key"
                )
            continue
        sig = body.get("organiser_signature")
        if not isinstance(sig, dict) or set(sig) != {"c", "s"}:
            raise ValueError(
                f"stations.signature: event {ev['seq']}: the station lacks the organiser's "
                "signature"
            )
        key = decode_point(organiser, False)
        c, s = decode_scalar(sig["c"]), decode_scalar(sig["s"])
        message = canonical({k: v for k, v in body.items() if k != "organiser_signature"})
        r = schnorr_commitment(c, s, key)
        parts = [By(base), Pt(organiser), By(message), Pt(organiser), Pt(r)]
        if c != hash_to_scalar("station/organiser", *parts):
            raise ValueError(
                f"stations.signature: event {ev['seq']}: the organiser's signature on the station"
            )
    return checked


# ---------------------------------------------------------------------------
# Paper results (record-format §6 "Paper results", board rule 12, §8: paper.signatures,
# paper.protocol, paper.voters, paper.missing).
# ---------------------------------------------------------------------------

PAPER_KEYS = {"unit", "sequence", "previous", "final", "protocol", "voters", "signature"}
#: the close may begin without every paper station's last results final 24 hours after
#: the close
PAPER_DEADLINE_MS = 24 * 3600 * 1000
PROTOCOL_NUMBERS = ("received", "issued", "spoiled", "unused", "in_box")
MAX_NUMBER = (1 << 53) - 1


def paper_digest(base: bytes, body: dict) -> bytes:
    """`paper/digest` over the canonical body without `signature`."""
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return hash_bytes("paper/digest", By(base), By(canonical(unsigned)))


def paper_signature_ok(base: bytes, key: str, body: dict) -> bool:
    """`paper/signature`: c = H(B base, P key, B digest, P key, P R), R = s·B − c·key."""
    public = decode_point(key, False)
    sig = body["signature"]
    c, s = decode_scalar(sig["c"]), decode_scalar(sig["s"])
    r = schnorr_commitment(c, s, public)
    digest = paper_digest(base, body)
    return c == hash_to_scalar("paper/signature", By(base), Pt(key), By(digest), Pt(key), Pt(r))


def _number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER


def paper_arithmetic(manifest: dict, body: dict, on_roll: int | None = None) -> None:
    """The protocol's arithmetic (`issued` at most `on_roll`, the unit's voters in the
    roll summary): ValueError naming the rule broken."""
    p = body["protocol"]
    if set(p) != {*PROTOCOL_NUMBERS, "contests"}:
        raise ValueError("the protocol's keys")
    if not all(_number(p[k]) for k in PROTOCOL_NUMBERS):
        raise ValueError("a protocol number out of range")
    if any(c.get("count", "sum") == "mix" or is_ranked(c) for c in manifest["contests"]):
        raise ValueError("a contest counted by mixing: no paper results")
    if p["received"] != p["issued"] + p["spoiled"] + p["unused"]:
        raise ValueError("received != issued + spoiled + unused")
    if p["in_box"] > p["issued"]:
        raise ValueError("in_box > issued")
    if p["issued"] != len(body["voters"]):
        raise ValueError("issued != the voters listed")
    if on_roll is not None and p["issued"] > on_roll:
        raise ValueError("issued > the unit's voters on the roll")
    if [c["id"] for c in p["contests"]] != [c["id"] for c in manifest["contests"]]:
        raise ValueError("the contests are not the manifest's, in order")
    for mc, pc in zip(manifest["contests"], p["contests"], strict=True):
        if set(pc) != {"id", "invalid", "counts"} or not _number(pc["invalid"]):
            raise ValueError(f"contest {mc['id']}: malformed")
        if [c["option"] for c in pc["counts"]] != [o for o, _, _ in encrypted_options(mc)]:
            raise ValueError(f"contest {mc['id']}: the options are not its encrypted ones")
        if not all(set(c) == {"option", "count"} and _number(c["count"]) for c in pc["counts"]):
            raise ValueError(f"contest {mc['id']}: a count out of range")
        if pc["invalid"] > p["in_box"]:
            raise ValueError(f"contest {mc['id']}: invalid > in_box")
        valid = p["in_box"] - pc["invalid"]
        if any(c["count"] > valid for c in pc["counts"]):
            raise ValueError(f"contest {mc['id']}: an option counts more than the valid ballots")
        candidates = {o["id"] for o in mc["options"]}
        e = sum(c["count"] for c in pc["counts"] if c["option"] not in candidates)
        s = sum(c["count"] for c in pc["counts"] if c["option"] in candidates)
        if e > valid:
            raise ValueError(f"contest {mc['id']}: exclusive marks > valid ballots")
        rest = valid - e
        if not max(mc["min_selections"], 1) * rest <= s <= mc["max_selections"] * rest:
            raise ValueError(f"contest {mc['id']}: {s} candidate marks for {rest} ballots")


def paper_voters_ok(base: bytes, h: Point, body: dict) -> int | None:
    """The first listed voter whose proof fails at its place, or None."""
    place = hash_bytes("paper/place", By(base), Tx(body["unit"]))
    alphas: set[str] = set()
    for i, item in enumerate(body["voters"]):
        if set(item) != {"handle", "proof"} or set(item["proof"]) != {"c", "s"}:
            return i
        if item["handle"]["alpha"] in alphas:
            return i
        alphas.add(item["handle"]["alpha"])
        proof = item["proof"]
        ctx = [By(base), Tx("paper"), By(place), Tx("handle"), In(i)]
        if not randomness_proof_ok(ctx, h, item["handle"], proof):
            return i
    return None


def check_paper(
    manifest: dict, setup: dict, base: bytes, h: Point, events: Sequence[dict]
) -> dict[str, list[str]]:
    """Board rule 12 (as `board.rules`) and the checks `paper.signatures`,
    `paper.protocol`, `paper.voters`, `paper.missing` over the record's events in order:
    check -> the failures (each naming the event and its unit); empty lists if all pass."""
    failures: dict[str, list[str]] = {
        "board.rules": [], "paper.signatures": [], "paper.protocol": [], "paper.voters": [],
        "paper.missing": [],
    }  # fmt: skip
    units = {u["id"] for u in manifest["units"]}
    phase, begun, close_ms = "setup", False, None
    stations: dict[str, dict] = {}
    sent: dict[str, int] = {}  # unit -> its paper events so far
    last: dict[str, str] = {}  # unit -> the hex digest of its last paper event
    final: set[str] = set()  # the units whose last paper event is final
    on_roll: dict[str, int] | None = None
    for ev in events:
        kind, body = ev["kind"], ev["body"]
        if kind == "open":
            phase = "open"
        elif kind == "roll":
            on_roll = {u["unit"]: u["voters"] for u in body["voters_per_unit"]}
        elif kind == "close":
            phase, close_ms = "closed", ev["time_ms"]
        elif kind in ("close-part", "close-step"):
            waiting = [u for u, st in stations.items() if st["paper"] and u not in final]
            if not begun and waiting and ev["time_ms"] < (close_ms or 0) + PAPER_DEADLINE_MS:
                failures["board.rules"].append(f"event {ev['seq']}: the close began early")
                failures["paper.missing"].append(
                    f"event {ev['seq']}: the close began before final results of {sorted(waiting)}"
                )
            begun = True
        elif kind == "station":
            stations[body["unit"]] = body
        if kind != "paper":
            continue
        where = f"event {ev['seq']} (unit {body.get('unit')})"
        if set(body) != PAPER_KEYS or not isinstance(body["final"], bool):
            failures["paper.protocol"].append(f"{where}: the body's keys")
            continue
        station = stations.get(body["unit"])
        if phase not in ("open", "closed") or "schedule" not in setup or begun:
            failures["board.rules"].append(f"{where}: a paper event out of its place")
        if body["unit"] in final:
            failures["board.rules"].append(f"{where}: after its unit's final upload")
        if body["sequence"] != sent.get(body["unit"], 0) + 1:
            failures["board.rules"].append(f"{where}: sequence {body['sequence']} out of turn")
        if body["sequence"] > 20:
            failures["board.rules"].append(f"{where}: more than 20 paper events of its unit")
        if body["previous"] != last.get(body["unit"]):
            failures["board.rules"].append(
                f"{where}: previous {str(body['previous'])[:16]} is not its unit's last upload"
            )
        sent[body["unit"]] = sent.get(body["unit"], 0) + 1
        last[body["unit"]] = paper_digest(base, body).hex()
        if body["final"]:
            final.add(body["unit"])
        if body["unit"] not in units or station is None or not station["paper"]:
            failures["board.rules"].append(f"{where}: no station with paper voting")
            failures["paper.signatures"].append(f"{where}: no station with paper voting")
        elif not paper_signature_ok(base, station["commission_key"], body):
            failures["board.rules"].append(f"{where}: not signed by its commission")
            failures["paper.signatures"].append(f"{where}: not signed by its commission")
        try:
            paper_arithmetic(
                manifest, body, None if on_roll is None else on_roll.get(body["unit"], 0)
            )
        except (ValueError, KeyError, TypeError) as exc:
            failures["paper.protocol"].append(f"{where}: {exc}")
        bad = paper_voters_ok(base, h, body)
        if bad is not None:
            failures["paper.voters"].append(f"{where}: listed voter {bad}'s proof")
    return failures


# ---------------------------------------------------------------------------
# The encrypted roll (record-format §6 "The encrypted roll", board rule 3, §8:
# roll.units and roll.encrypted).
# ---------------------------------------------------------------------------

ROLL_PART_ROWS = 5000
ROW_KEYS = {"handle", "handle_proof", "unit", "unit_proof", "activation", "activation_proof"}


def reporting_units_rule(counts: Sequence[tuple[str, int]], minimum: int) -> list[dict]:
    """The rule of coercion.md §2.3 from (unit, voters) in manifest order: units with at
    least `minimum` voters stand alone; the rest make `pool`; a non-empty pool below the
    minimum takes the smallest unit standing alone (the first in manifest order among
    equals)."""
    alone = [u for u, n in counts if n >= minimum]
    voters = dict(counts)
    pooled = [u for u, n in counts if n < minimum]
    if pooled and sum(voters[u] for u in pooled) < minimum and alone:
        smallest = min(alone, key=lambda u: (voters[u], alone.index(u)))
        alone.remove(smallest)
        pooled.append(smallest)
    listing = [{"id": u, "units": [u]} for u, _ in counts if u in alone]
    if pooled:
        listing.append({"id": "pool", "units": [u for u, _ in counts if u in pooled]})
    return listing


def randomness_proof_ok(ctx: list[Part], h: Point, ct: dict, proof: dict) -> bool:
    """`randomness-proof`: e = H(ctx…, P H, P alpha, P beta, P R), R = s·B − e·alpha."""
    alpha = decode_point(ct["alpha"], False)
    e, s = decode_scalar(proof["c"]), decode_scalar(proof["s"])
    r = s * B - e * alpha
    parts = [*ctx, Pt(h), Pt(ct["alpha"]), Pt(ct["beta"]), Pt(r)]
    return e == hash_to_scalar("randomness-proof", *parts)


def activation_proof_ok(base: bytes, h: Point, row: int, ct: dict, proof: dict) -> bool:
    """`activation-proof`: A1 = s_r·B − e·alpha, A2 = s_r·H + s_a·P_act − e·beta,
    e = H(B base, T "roll", I row, P H, P P_act, P alpha, P beta, P A1, P A2)."""
    p_act = hash_to_point("activation-base", By(base))
    alpha, beta = decode_point(ct["alpha"], False), decode_point(ct["beta"])
    e = decode_scalar(proof["c"])
    s_r, s_a = decode_scalar(proof["s_randomness"]), decode_scalar(proof["s_activation"])
    a1 = s_r * B - e * alpha
    a2 = s_r * h + s_a * p_act - e * beta
    parts = [By(base), Tx("roll"), In(row), Pt(h), Pt(p_act), Pt(alpha), Pt(beta), Pt(a1), Pt(a2)]
    return e == hash_to_scalar("activation-proof", *parts)


def check_roll_row(base: bytes, h: Point, index: int, row: dict) -> None:
    if set(row) != ROW_KEYS:
        raise ValueError(f"roll row {index}: its keys")
    for field in ("handle", "unit"):
        place = [By(base), Tx("roll"), By(bytes(32)), Tx(field), In(index)]
        if not randomness_proof_ok(place, h, row[field], row[f"{field}_proof"]):
            raise ValueError(f"roll row {index}, {field}: proof of randomness")
    if not activation_proof_ok(base, h, index, row["activation"], row["activation_proof"]):
        raise ValueError(f"roll row {index}, activation: activation proof")


#: with an encrypted roll, a contest counted by mixing admits at most one row per this
#: many voters on the roll (record-format.md, `roll.units`; docs/coercion.md §8.3)
VOTERS_PER_ROW = 100


def admissible_rows(contest: dict) -> int:
    """How many different rows a contest's counted ballots can decrypt to (`roll.units`):
    a ranked contest `(options + 1) ^ positions`, its options every encrypted one;
    otherwise its exclusive options plus `C(candidates, k)` for `k` from
    `max(min_selections, 1)` to `max_selections`."""
    options = encrypted_options(contest)
    if is_ranked(contest):
        return int((len(options) + 1) ** contest["max_selections"])
    exclusive = sum(1 for _, _, x in options if x)
    c = len(options) - exclusive
    lower = max(contest["min_selections"], 1)
    return exclusive + sum(math.comb(c, k) for k in range(lower, contest["max_selections"] + 1))


def check_encrypted_roll(
    manifest: dict, setup: dict, base: bytes, events: Sequence[dict]
) -> str | None:
    """`roll.units` and `roll.encrypted`; None when the election has no encrypted roll.
    Raises ValueError naming the check first and then what failed."""
    rolls = [e for e in events if e["kind"] == "roll" and "encrypted" in e["body"]]
    parts = [e for e in events if e["kind"] == "roll-part"]
    revoting = "schedule" in setup  # the one mark of re-voting protection (§3)
    if (rolls or parts) and not revoting:
        raise ValueError("roll.encrypted: an encrypted roll in an election without a schedule")
    opened = [e["seq"] for e in events if e["kind"] == "open"]
    if revoting and opened and not rolls:
        raise ValueError("roll.encrypted: an election with a schedule opened without one")
    if not rolls:
        if parts:
            raise ValueError("roll.encrypted: roll parts without a roll naming them")
        return None
    roll = rolls[0]
    body, encrypted = roll["body"], roll["body"]["encrypted"]
    counts = [(u["unit"], u["voters"]) for u in body["voters_per_unit"]]
    order = [u["id"] for u in manifest["units"]]
    by_unit = dict(counts)
    if sorted(by_unit) != sorted(order) or len(by_unit) != len(counts):
        raise ValueError("roll.units: the summary does not list every unit once")
    expected = reporting_units_rule([(u, by_unit[u]) for u in order], manifest["min_unit_size"])
    if encrypted["reporting_units"] != expected:
        raise ValueError(f"roll.units: the reporting units are not the rule's {expected}")
    voters = sum(n for _, n in counts)
    for mc in manifest["contests"]:
        rows = admissible_rows(mc)
        if is_mixed(mc) and rows * VOTERS_PER_ROW > voters:
            raise ValueError(
                f"roll.units: contest {mc['id']} is mixed and admits {rows} rows, more than "
                f"one per {VOTERS_PER_ROW} of the roll's {voters} voters"
            )
    if opened and opened[0] < roll["seq"]:
        raise ValueError("roll.encrypted: the roll follows the open")
    if "organiser_key" not in setup or "signature" not in body:
        raise ValueError("roll.encrypted: no organiser key, or no signature")
    key = decode_point(setup["organiser_key"], False)
    c, s = decode_scalar(body["signature"]["c"]), decode_scalar(body["signature"]["s"])
    r = schnorr_commitment(c, s, key)
    message = roll_summary_message(body)
    sig_parts = roll_signature_parts(base, setup["organiser_key"], message, r)
    if c != hash_to_scalar("board/roll-summary", *sig_parts):
        raise ValueError("roll.encrypted: the organiser's signature")
    digests = encrypted["parts"]
    if len(parts) != len(digests) or any(p["seq"] > roll["seq"] for p in parts):
        raise ValueError("roll.encrypted: the parts on the board are not the roll's")
    h = decode_point(setup["election_key"]["public_key"], False)
    rows = 0
    for part, digest in zip(parts, digests, strict=True):
        pb = part["body"]
        if hash_bytes("roll/part", By(canonical(pb))).hex() != digest:
            raise ValueError(f"roll.encrypted: event {part['seq']} is not the part named")
        if set(pb) != {"offset", "rows"} or pb["offset"] != rows:
            raise ValueError(f"roll.encrypted: event {part['seq']} out of place")
        if not 1 <= len(pb["rows"]) <= ROLL_PART_ROWS:
            raise ValueError(f"roll.encrypted: event {part['seq']} has 1 to 5,000 rows")
        for i, row in enumerate(pb["rows"]):
            try:
                check_roll_row(base, h, rows + i, row)
            except ValueError as exc:
                raise ValueError(f"roll.encrypted: {exc}") from None
        rows += len(pb["rows"])
    if rows != encrypted["rows"] or rows != sum(n for _, n in counts):
        raise ValueError("roll.encrypted: not one row per voter of the summary")
    return f"{rows} rows in {len(parts)} parts; {len(expected)} reporting units"


# ---------------------------------------------------------------------------
# Re-voting protection's objects (record-format §6 "Registrations, ballots version 2
# and cast rows", §2.1).
# ---------------------------------------------------------------------------

REGISTRATION_KEYS = {
    "type", "version", "election", "nonce", "credential", "tag", "handle", "activation",
    "revokes", "revokes_proof", "credential_proof", "tag_proof", "handle_proof",
    "activation_proof",
}  # fmt: skip
BALLOT_V2_KEYS = {"type", "version", "election", "credential", "tag", "contests",
                  "credential_proof", "tag_proof"}  # fmt: skip
CAST_ROW_KEYS = {"type", "version", "ballot", "counter", "counter_proof", "flag"}
IDENTITY_HEX = "00" * 32


def ct_part(ct: dict) -> Part:
    return Li([Pt(ct["alpha"]), Pt(ct["beta"])])


def representation_ok(
    tag: str, ctx: list[Part], h: Point, base_point: Point, ct: dict, proof: dict, second: str
) -> bool:
    """A1 = s_randomness·B − c·alpha, A2 = s_randomness·H + s_<second>·base − c·beta;
    c = H(tag, ctx…, P H, P base, P alpha, P beta, P A1, P A2)."""
    alpha, beta = decode_point(ct["alpha"], False), decode_point(ct["beta"])
    e = decode_scalar(proof["c"])
    s_r, s_m = decode_scalar(proof["s_randomness"]), decode_scalar(proof[f"s_{second}"])
    a1 = s_r * B - e * alpha
    a2 = s_r * h + s_m * base_point - e * beta
    parts = [*ctx, Pt(h), Pt(base_point), Pt(alpha), Pt(beta), Pt(a1), Pt(a2)]
    return e == hash_to_scalar(tag, *parts)


def check_registration(base: bytes, h: Point, reg: dict) -> bytes:
    """A registration's proofs; returns its tracking hash.  Raises ValueError naming the
    proof that fails."""
    if set(reg) != REGISTRATION_KEYS or (reg["type"], reg["version"]) != ("registration", 1):
        raise ValueError("registration: its keys, type or version")
    if reg["election"] != base.hex():
        raise ValueError("registration: another election")
    nonce = bytes.fromhex(reg["nonce"])
    if len(nonce) != 32:
        raise ValueError("registration: the nonce")
    place = [By(base), Tx("registration-nonce"), By(nonce), Tx("revokes"), In(0)]
    if not randomness_proof_ok(place, h, reg["revokes"], reg["revokes_proof"]):
        raise ValueError("registration, revokes: proof of randomness")
    p = hash_to_point("credential-base", By(base))
    p_act = hash_to_point("activation-base", By(base))
    rp = reg["revokes_proof"]
    statement = hash_bytes(
        "registration/statement", By(base), Pt(h), Pt(p), Pt(p_act), By(nonce),
        *(ct_part(reg[k]) for k in ("credential", "tag", "handle", "activation", "revokes")),
        Li([Sc(rp["c"]), Sc(rp["s"])]),
    )  # fmt: skip
    ctx = [By(base), Tx("registration"), By(statement)]
    if not representation_ok(
        "credential-proof", ctx, h, p, reg["credential"], reg["credential_proof"], "credential"
    ):
        raise ValueError("registration, credential: credential proof")
    for field in ("tag", "handle"):
        place = [*ctx, Tx(field), In(0)]
        if not randomness_proof_ok(place, h, reg[field], reg[f"{field}_proof"]):
            raise ValueError(f"registration, {field}: proof of randomness")
    if not representation_ok(
        "activation-proof", ctx, h, p_act, reg["activation"], reg["activation_proof"],
        "activation",
    ):  # fmt: skip
        raise ValueError("registration, activation: activation proof")
    cp, ap = reg["credential_proof"], reg["activation_proof"]
    scalars = [
        cp["c"], cp["s_randomness"], cp["s_credential"], reg["tag_proof"]["c"],
        reg["tag_proof"]["s"], reg["handle_proof"]["c"], reg["handle_proof"]["s"], ap["c"],
        ap["s_randomness"], ap["s_activation"],
    ]  # fmt: skip
    return hash_bytes("registration/tracking", By(statement), Li(Sc(x) for x in scalars))


def check_ballot_v2(base: bytes, h: Point, manifest: dict, ballot: dict) -> bytes:
    """A ballot version 2's proofs; returns its tracking hash."""
    if set(ballot) != BALLOT_V2_KEYS or (ballot["type"], ballot["version"]) != ("ballot", 2):
        raise ValueError("ballot v2: its keys, type or version")
    if ballot["election"] != base.hex():
        raise ValueError("ballot v2: another election")
    p = hash_to_point("credential-base", By(base))
    statement = ballot_v2_statement(base, h, ballot)
    ctx = [By(base), Tx("ballot"), By(statement)]
    if not representation_ok(
        "credential-proof", ctx, h, p, ballot["credential"], ballot["credential_proof"],
        "credential",
    ):  # fmt: skip
        raise ValueError("ballot v2, credential: credential proof")
    if not randomness_proof_ok([*ctx, Tx("tag"), In(0)], h, ballot["tag"], ballot["tag_proof"]):
        raise ValueError("ballot v2, tag: proof of randomness")
    verify_contests(base, h, manifest, ballot, By(statement))
    return ballot_v2_tracking(base, h, ballot)


def ballot_v2_statement(base: bytes, h: Point, ballot: dict) -> bytes:
    """`ballot/statement` of a ballot version 2 (record-format §6, §2.1)."""
    p = hash_to_point("credential-base", By(base))
    contests = Li(
        Li([Tx(c["id"]), Li(ct_part(ct) for ct in c["ciphertexts"])]) for c in ballot["contests"]
    )
    return hash_bytes(
        "ballot/statement", By(base), Pt(h), Pt(p), ct_part(ballot["credential"]),
        ct_part(ballot["tag"]), contests,
    )  # fmt: skip


def ballot_v2_tracking(base: bytes, h: Point, ballot: dict) -> bytes:
    """`ballot/tracking` of a ballot version 2: its statement hash and every proof scalar
    (the contests' in order, then the credential proof's, then the tag proof's)."""
    statement = ballot_v2_statement(base, h, ballot)
    scalars: list[str] = []
    for c in ballot["contests"]:
        for pr in [
            *c["option_proofs"],
            *([c["selection_proof"]] if "selection_proof" in c else []),
        ]:
            scalars += [*pr["c"], *pr["s"]]
    cp = ballot["credential_proof"]
    scalars += [cp["c"], cp["s_randomness"], cp["s_credential"]]
    scalars += [ballot["tag_proof"]["c"], ballot["tag_proof"]["s"]]
    return hash_bytes("ballot/tracking", By(statement), Li(Sc(x) for x in scalars))


PADDING_KEYS = {"type", "version", "election", "salt", "cover_rows", "rows"}
PADDING_ROW_KEYS = {
    "tag", "tag_proof", "credential", "credential_proof", "counter", "counter_proof", "flag",
}  # fmt: skip


def cover_tag_point(base: bytes, i: int) -> Point:
    """`Q_i = hash_to_point("cover-tag", B base, I i)` (coercion.md §4)."""
    return hash_to_point("cover-tag", By(base), In(i))


def close_list_hash(base: bytes, name: str, rows: Sequence[Sequence[dict]]) -> bytes:
    """A list of the close (coercion.md §5.1): hash_bytes("close/list", B base, T name,
    L(L(L(P alpha, P beta), … per column), … per row))."""
    return hash_bytes(
        "close/list", By(base), Tx(name),
        Li(Li(Li([Pt(ct["alpha"]), Pt(ct["beta"])]) for ct in row) for row in rows),
    )  # fmt: skip


def check_close_signed(base: bytes, kind: str, body: dict, key: Point) -> bytes:
    """A close part's or step's digest (record-format §6, "The close of an election with
    re-voting protection": hash_bytes("close/part" or "close/step", B base, B the canonical
    body without its signature)) and its trustee's Schnorr signature on it, tag
    close/signature, context (B base, P X_t).  Returns the digest."""
    unsigned = canonical({k: v for k, v in body.items() if k != "signature"})
    digest = hash_bytes(f"close/{kind}", By(base), By(unsigned))
    c, s = decode_scalar(body["signature"]["c"]), decode_scalar(body["signature"]["s"])
    r = schnorr_commitment(c, s, key)
    if hash_to_scalar("close/signature", By(base), Pt(key), By(digest), Pt(key), Pt(r)) != c:
        raise ValueError(f"close.signatures: the {kind}'s signature does not verify")
    return digest


def check_padding(base: bytes, h: Point, padding: dict) -> int:
    """The padding (record-format §6, "Padding"): its shape, every row's flag E1 = (O, B)
    and the proofs of randomness of its tag, credential and counter at ("padding", salt,
    field, row).  Returns its number of rows."""
    if set(padding) != PADDING_KEYS or (padding["type"], padding["version"]) != ("padding", 1):
        raise ValueError("padding: its keys, type or version")
    if padding["election"] != base.hex():
        raise ValueError("padding: made for another election")
    salt = bytes.fromhex(padding["salt"])
    if len(salt) != 32 or salt.hex() != padding["salt"]:
        raise ValueError("padding: the salt is not 32 bytes of lower-case hex")
    if type(padding["cover_rows"]) is not int or padding["cover_rows"] < 0:
        raise ValueError("padding: cover_rows is not a count")
    e1 = {"alpha": IDENTITY_HEX, "beta": BASE_HEX}
    for i, row in enumerate(padding["rows"]):
        if set(row) != PADDING_ROW_KEYS:
            raise ValueError(f"padding row {i}: its keys")
        if row["flag"] != e1:
            raise ValueError(f"padding row {i}, flag: not E1")
        for field in ("tag", "credential", "counter"):
            place = [By(base), Tx("padding"), By(salt), Tx(field), In(i)]
            if not randomness_proof_ok(place, h, row[field], row[f"{field}_proof"]):
                raise ValueError(f"padding row {i}, {field}: proof of randomness")
    return len(padding["rows"])


def check_cast_row(base: bytes, h: Point, manifest: dict, row: dict) -> bytes:
    """A cast row: its ballot, the counter's proof at its place, the flag E0.  Returns the
    ballot's tracking hash."""
    if set(row) != CAST_ROW_KEYS or (row["type"], row["version"]) != ("cast-row", 1):
        raise ValueError("cast row: its keys, type or version")
    tracking = check_ballot_v2(base, h, manifest, row["ballot"])
    if row["flag"] != {"alpha": IDENTITY_HEX, "beta": IDENTITY_HEX}:
        raise ValueError("cast row, flag: not E0")
    place = [By(base), Tx("cast-row"), By(tracking), Tx("counter"), In(0)]
    if not randomness_proof_ok(place, h, row["counter"], row["counter_proof"]):
        raise ValueError("cast row, counter: proof of randomness")
    return tracking


# ---------------------------------------------------------------------------
# The board of an election with re-voting protection: batches and their items, audits of
# ballots version 2, the close (coercion.md §3 "Board rules", §4 "Fixed batches", §6).
# ---------------------------------------------------------------------------

BATCH_ITEMS = ("registration", "cast-row")
#: what may follow a batch posted before it was due: the close's block
CLOSING_BLOCK = ("batch", *BATCH_ITEMS, "audit", "close")
#: what an election with re-voting protection never takes: its close counts it
AFTER_CLOSE = ("mix-part", "mix", "tally", "share-part", "decryption-share")


def batch_due_ms(schedule: dict, open_ms: int, index: int) -> int:
    """Batch j is due (j + 1)·interval seconds after the open."""
    return open_ms + (index + 1) * schedule["interval"] * 1000


def batch_sizes(schedule: dict, index: int) -> tuple[int, int]:
    """(F_rows, F_reg) of the hour batch j's slot begins in; past the list, its last."""
    hours = schedule["hours"]
    hour = index * schedule["interval"] // 3600
    rows, registrations = hours[min(hour, len(hours) - 1)]
    return rows, registrations


def _alphas(cts: Sequence[dict], what: str) -> set[str]:
    """The alphas of `cts`, which must all differ (rule 3: a repeated alpha is reused
    randomness)."""
    out = {ct["alpha"] for ct in cts}
    if len(out) != len(cts):
        raise ValueError(f"board.rules: two ciphertexts of {what} share an alpha")
    return out


def registration_cts(reg: dict) -> list[dict]:
    return [reg[k] for k in ("credential", "tag", "handle", "activation", "revokes")]


def ballot_v2_cts(ballot: dict) -> list[dict]:
    return [
        ballot["credential"],
        ballot["tag"],
        *(ct for c in ballot["contests"] for ct in c["ciphertexts"]),
    ]


def check_revoting_board(events: Sequence[dict]) -> dict | None:
    """`board.schedule` and the re-voting part of `board.rules` over a record's events
    (the first is the `setup`): None when the setup names no schedule.

    Batches come in index order from 0, each of exactly its schedule's sizes, none before
    it is due unless it begins the close's block (after which only batches, their items,
    audits and the close follow, every one at that batch's time); each batch is followed
    at once by exactly its cast rows and registrations, in any order, at its time, and no
    item stands outside a batch; no registration repeats a nonce; no ciphertext alpha
    (but a flag's) is on the board twice; at most one cast row per ballot tracking hash;
    audits only in one block right before the close, in increasing tracking-hash order,
    at the close's time, none a cast row's ballot; the close after every batch due by its
    time.  Raises ValueError naming the check first."""
    setup = events[0]["body"]
    if "schedule" not in setup:
        if any(e["kind"] in ("batch", *BATCH_ITEMS) for e in events):
            raise ValueError("board.rules: a batch in an election without a schedule")
        return None
    schedule = setup["schedule"]
    base = setup_base_hash(setup)
    h = decode_point(setup["election_key"]["public_key"], False)
    open_ms: int | None = None
    closed = padded = resulted = False
    batches = 0
    pending: list[int] | None = None  # [index, time, rows left, registrations left]
    closing: int | None = None
    audit_block: tuple[bytes, int] | None = None
    nonces: set[str] = set()
    alphas: set[str] = set()
    rows: set[bytes] = set()
    audits: set[bytes] = set()
    registrations = cast_rows = 0
    for e in events:
        kind, seq, t, body = e["kind"], e["seq"], e["time_ms"], e["body"]
        where = f"event {seq} ({kind})"
        if pending is not None and kind not in BATCH_ITEMS:
            raise ValueError(f"board.rules: {where} before batch {pending[0]}'s items end")
        if pending is None and kind in BATCH_ITEMS:
            raise ValueError(f"board.rules: {where} outside a batch")
        if closing is not None and kind not in CLOSING_BLOCK:
            raise ValueError(f"board.rules: {where} in the close's block")
        if audit_block is not None and kind not in ("audit", "close"):
            raise ValueError(f"board.rules: {where} after the audits before the close")
        if kind in CLOSING_BLOCK and kind != "close" and (open_ms is None or closed):
            raise ValueError(f"board.rules: {where} while voting is not open")
        if closed and not padded and kind != "padding":
            raise ValueError(f"board.rules: {where} after the close, before the padding")
        if kind == "padding":
            if not closed or padded:
                raise ValueError(f"board.rules: {where}: the padding comes once, after the close")
            if set(body) != {"padding"}:
                raise ValueError(f"record.format: {where}: its keys")
            if body["padding"].get("cover_rows", 0) > cast_rows:
                raise ValueError(f"padding.shape: {where}: more cover rows than cast rows")
            padded = True
            continue
        if kind == "close-round":
            # the service's announcement of a round of the close and its deadline; the
            # close's objects themselves are not checked here yet (below)
            if not padded or resulted or set(body) != {"round", "deadline_ms"}:
                raise ValueError(f"board.rules: {where}: a round of the close, after the padding")
            continue
        if kind in ("close-part", "close-step", "result"):
            # the close's objects and its result: read by check_close (below)
            if not padded or resulted:
                raise ValueError(f"board.rules: {where}: not between the padding and the result")
            resulted = kind == "result"
            continue
        if kind in AFTER_CLOSE:
            raise ValueError(
                f"board.rules: {where}: an election with re-voting protection takes no "
                f"{kind} (its close counts it, record-format §6)"
            )
        if kind in ("ballot", "superseded", "credential"):
            raise ValueError(f"board.rules: {where} in an election with re-voting protection")
        if kind == "open":
            open_ms = t
        elif kind == "batch":
            assert open_ms is not None
            if set(body) != {"index", "rows", "registrations"}:
                raise ValueError(f"board.schedule: {where}: its keys")
            if body["index"] != batches:
                raise ValueError(f"board.schedule: {where}: batch {body['index']}, not {batches}")
            if closing is not None and t != closing:
                raise ValueError(f"board.schedule: {where}: not at the close's block's time")
            if closing is None and t < batch_due_ms(schedule, open_ms, batches):
                closing = t  # early: the close's block begins
            if (body["rows"], body["registrations"]) != batch_sizes(schedule, batches):
                raise ValueError(
                    f"board.schedule: {where}: {body['rows']} rows and {body['registrations']} "
                    f"registrations, not the schedule's {batch_sizes(schedule, batches)}"
                )
            batches += 1
            if body["rows"] or body["registrations"]:
                pending = [body["index"], t, body["rows"], body["registrations"]]
        elif kind in BATCH_ITEMS:
            assert pending is not None
            left = 2 if kind == "cast-row" else 3
            if pending[left] == 0:
                raise ValueError(f"board.rules: {where}: more {kind}s than batch {pending[0]} says")
            if t != pending[1]:
                raise ValueError(f"board.rules: {where}: not at its batch's time")
            pending[left] -= 1
            if kind == "registration":
                reg = body["registration"]
                if set(body) != {"registration"}:
                    raise ValueError(f"board.rules: {where}: its keys")
                if reg["nonce"] in nonces:
                    raise ValueError(f"board.rules: {where}: a nonce already on the board")
                nonces.add(reg["nonce"])
                mine = _alphas(registration_cts(reg), "a registration")
                registrations += 1
            else:
                row = body["row"]
                if set(body) != {"row"}:
                    raise ValueError(f"board.rules: {where}: its keys")
                tracking = ballot_v2_tracking(base, h, row["ballot"])
                if tracking in rows:
                    raise ValueError(f"board.rules: {where}: a second row of one ballot")
                mine = _alphas([*ballot_v2_cts(row["ballot"]), row["counter"]], "a cast row")
                rows.add(tracking)
                cast_rows += 1
            if mine & alphas:
                raise ValueError(f"board.rules: {where}: an alpha already on the board")
            alphas |= mine
            if pending[2] == pending[3] == 0:
                pending = None
        elif kind == "audit" and "ballot" in body:
            if set(body) != {"ballot", "opening"}:
                raise ValueError(f"board.rules: {where}: its keys")
            tracking = ballot_v2_tracking(base, h, body["ballot"])
            if audit_block is not None and (tracking <= audit_block[0] or t != audit_block[1]):
                raise ValueError(f"board.rules: {where}: out of order or time in its block")
            if closing is not None and t != closing:
                raise ValueError(f"board.rules: {where}: not at the close's block's time")
            if tracking in rows or tracking in audits:
                raise ValueError(f"board.rules: {where}: a ballot already on the board")
            mine = _alphas(ballot_v2_cts(body["ballot"]), "an audited ballot")
            if mine & alphas:
                raise ValueError(f"board.rules: {where}: an alpha already on the board")
            alphas |= mine
            audits.add(tracking)
            audit_block = (tracking, t)
        elif kind == "audit":
            raise ValueError(f"board.rules: {where}: a version 1 audit")
        elif kind == "close":
            if open_ms is None or closed:
                raise ValueError(f"board.rules: {where} while voting is not open")
            if audit_block is not None and t != audit_block[1]:
                raise ValueError(f"board.rules: {where}: not at its audits' time")
            if closing is not None and t != closing:
                raise ValueError(f"board.schedule: {where}: not at the close's block's time")
            due = max(0, (t - open_ms) // (schedule["interval"] * 1000))
            if batches < due:
                raise ValueError(f"board.schedule: {where}: after {batches} batches, {due} due")
            closed, closing, audit_block = True, None, None
    if pending is not None:
        raise ValueError(f"board.rules: the record ends inside batch {pending[0]}")
    if closed and not padded:
        raise ValueError("padding.shape: the election is closed but no padding follows")
    return {
        "batches": batches,
        "registrations": registrations,
        "cast_rows": cast_rows,
        "audits": len(audits),
    }


def rank_values(contest: dict, position: int) -> list[int]:
    """What position i of a ranked contest may hold: 1 … c at 1, 0 … c after it."""
    return list(range(1 if position == 1 else 0, len(encrypted_options(contest)) + 1))


def check_opening(h: Point, manifest: dict, contests: Sequence[dict], opening: dict) -> None:
    """A ballot's audit opening (record-format §5, "Audit opening"): every contest in
    manifest order, each ciphertext re-encrypted from its plaintext and randomness, each
    plaintext one the contest allows (0 or 1 for an option; a ranked position's values)."""
    if set(opening) != {"type", "version", "contests"} or (
        opening["type"],
        opening["version"],
    ) != ("ballot-opening", 1):
        raise ValueError("opening: its keys, type or version")
    ids = [c["id"] for c in manifest["contests"]]
    if [c["id"] for c in opening["contests"]] != ids or [c["id"] for c in contests] != ids:
        raise ValueError("opening: not the manifest's contests in order")
    for mc, bc, oc in zip(manifest["contests"], contests, opening["contests"], strict=True):
        cts, plain, rand = bc["ciphertexts"], oc["plaintexts"], oc["randomness"]
        if not len(cts) == len(plain) == len(rand):
            raise ValueError(f"opening, contest {mc['id']}: its length")
        for i, (ct, m, r) in enumerate(zip(cts, plain, rand, strict=True)):
            allowed = rank_values(mc, i + 1) if is_ranked(mc) else [0, 1]
            a, b = encrypt(h, m, decode_scalar(r)) if m in allowed else (None, None)
            if a is None or (a.hex(), b.hex()) != (ct["alpha"], ct["beta"]):
                raise ValueError(f"opening, contest {mc['id']}, ciphertext {i}: does not match")


def check_revoting_proofs(events: Sequence[dict]) -> dict:
    """`registrations.proofs`, `rows.proofs`, and an audited ballot version 2's proofs
    (`ballots.proofs`) and opening (`audits.openings`), over every such event.  Raises
    ValueError naming the check and the event first."""
    setup = events[0]["body"]
    base = setup_base_hash(setup)
    h = decode_point(setup["election_key"]["public_key"], False)
    manifest = setup["manifest"]
    counts = {"registrations": 0, "cast_rows": 0, "audits": 0}
    for e in events:
        seq, body = e["seq"], e["body"]
        try:
            if e["kind"] == "registration":
                check = "registrations.proofs"
                check_registration(base, h, body["registration"])
                counts["registrations"] += 1
            elif e["kind"] == "cast-row":
                check = "rows.proofs"
                check_cast_row(base, h, manifest, body["row"])
                counts["cast_rows"] += 1
            elif e["kind"] == "padding":
                check = "rows.proofs"
                check_padding(base, h, body["padding"])
            elif e["kind"] == "audit" and "ballot" in body:
                check = "ballots.proofs"
                check_ballot_v2(base, h, manifest, body["ballot"])
                check = "audits.openings"
                check_opening(h, manifest, body["ballot"]["contests"], body["opening"])
                counts["audits"] += 1
        except (ValueError, DecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{check}: event {seq}: {exc}") from None
    return counts


def check_heads_outside_batches(events: Sequence[dict], head_sizes: Sequence[int]) -> None:
    """`board.schedule`, record-format §6 rule 11: no signed tree head ends inside a batch
    (size s with b + 1 <= s <= b + n for a batch at seq b with n items) or inside the
    close's block (from its first batch's seq c to the close's z: c + 1 <= s <= z)."""
    inside: list[tuple[int, int, str]] = []
    block: int | None = None
    open_ms: int | None = None
    interval = events[0]["body"]["schedule"]["interval"] * 1000
    for e in events:
        kind, seq, body = e["kind"], e["seq"], e["body"]
        if kind == "open":
            open_ms = e["time_ms"]
        elif kind == "batch":
            assert open_ms is not None
            inside.append((seq + 1, seq + body["rows"] + body["registrations"], "a batch"))
            early = e["time_ms"] < open_ms + (body["index"] + 1) * interval
            if early and block is None:
                block = seq
        elif kind == "close" and block is not None:
            inside.append((block + 1, seq, "the close's block"))
    for size in head_sizes:
        for first, last, what in inside:
            if first <= size <= last:
                raise ValueError(f"board.schedule: the tree head of size {size} ends inside {what}")


def check_revoting(
    events: Sequence[dict], head_sizes: Sequence[int] = (), *, now_ms: int = 0
) -> dict | None:
    """Both of the above, the board first (as `honestballot verify` reports them), the
    polling stations (board rule 10, `stations.commissions`, `stations.signature`), the
    tree heads' places (`head_sizes`: the size of every signed head in the record), and
    the close with its result (:func:`check_close`, under the key "close" once the padding
    is on the board; ``now_ms`` for `close.stalled`); None without a schedule."""
    board = check_revoting_board(events)
    if board is None:
        return None
    setup = events[0]["body"]
    check_stations(setup["manifest"], events)
    check_station_signatures(setup_base_hash(setup), setup, events)
    check_heads_outside_batches(events, head_sizes)
    check_revoting_proofs(events)
    close = check_close(events, now_ms, head_sizes)
    if close is not None:
        board["close"] = close
    return board


# ---------------------------------------------------------------------------
# The close of an election with re-voting protection (record-format §6 "The close of an
# election with re-voting protection", §7 "The result of an election with re-voting
# protection"; coercion.md §5.1-§5.4, §5.7, §5.8; shuffle.md).
#
# This checker is stricter than `verify` in one way: an object the close would not take
# (a failure with a remedy, which `verify` names while the record still verifies) fails
# the record here, under the name `verify` gives it; so does every other named failure
# (coercion.md §5.5), except on two paths, which are followed as `verify` follows them,
# the failure returned (check, party named), not raised:
# - the paper path: a paper listing that `close.paper` names (on no roll row, of another
#   reporting unit, one voter listed twice, a list whose valid cancellations are not its
#   length): the valid listings applied, the rest not, the kept and cancelled rows, the
#   result's counts and `paper` member recomputed;
# - the fallback round: a winner whose flag is not 0 (`close.dummy`) or whose voting
#   point is not its registration's (`close.credential`): its group's rows checked again
#   in rounds A-fallback and A-fallback-dec, the highest-counter row that passes both the
#   group's winner, a group with none dropped.
# An honest record has none.  `close.stalled` (the open round past its deadline) is
# returned too: it names the round, and a close that waits for its trustees is no fault.
# ---------------------------------------------------------------------------

CLOSE_STEP_KINDS = ("mix", "tag", "point-tag", "offset", "equivalence", "decrypt")
CLOSE_ITEM_KEYS = {
    "mix": {"row", "permutation_commitment", "chain", "s_hat", "s_prime"},
    "tag": {"share", "proof"},
    "point-tag": {"image", "proof"},
    "offset": {"offset", "proof"},
    "equivalence": {"commitment", "share", "proof"},
    "decrypt": {"factor", "proof"},
}
CLOSE_PROOF_KEYS = {
    "tag": {"c", "s"},
    "point-tag": {"c", "s"},
    "offset": {"c", "s_randomness", "s_offset"},
    "equivalence": {"c", "s"},
    "decrypt": {"c", "s"},
}
#: the rounds of the close in order (record-format §6, "Rounds and deadlines")
CLOSE_ROUNDS = (
    "A-mix", "A-tag", "A-tag-dec", "A-offset", "A-count", "A-check", "A-check-dec",
    "A-fallback", "A-fallback-dec", "B-mix", "P-tag", "P-tag-dec", "P-units", "P-mix",
    "B-tag", "B-tag-dec", "B-revoke",
    "B-revoke-dec", "B-handle", "B-handle-dec", "B-activate", "B-activate-dec", "B-column",
    "B-tally",
)  # fmt: skip
CLOSE_MAX_ITEMS = 10_000_000
CLOSE_PART_CELLS = 131072

Ct = tuple[Point, Point]


def ct_points(ct: object) -> Ct:
    if not isinstance(ct, dict) or set(ct) != {"alpha", "beta"}:
        raise ValueError("a ciphertext is {alpha, beta}")
    return decode_point(ct["alpha"]), decode_point(ct["beta"])


def ct_json(ct: Ct) -> dict:
    return {"alpha": ct[0].hex(), "beta": ct[1].hex()}


def ct_add(a: Ct, b: Ct) -> Ct:
    return a[0] + b[0], a[1] + b[1]


def ct_sub(a: Ct, b: Ct) -> Ct:
    return a[0] - b[0], a[1] - b[1]


def ct_mul(k: int, a: Ct) -> Ct:
    return a[0] * k, a[1] * k


ZERO_CT: Ct = (IDENTITY, IDENTITY)


def points_list_hash(base: bytes, name: str, rows: Sequence[Sequence[Ct]]) -> bytes:
    """`close/list` (coercion.md §5.1) of rows of ciphertexts held as points."""
    return hash_bytes(
        "close/list", By(base), Tx(name),
        Li(Li(Li([Pt(a), Pt(b)]) for a, b in row) for row in rows),
    )  # fmt: skip


def close_body_keys(step: str, kind: str) -> set[str]:
    """The members of a `close-part` (``kind`` "part") or `close-step` body of ``step``."""
    keys = {"step", "list", "trustee", "signature"}
    keys |= {"part", "offset", "items"} if kind == "part" else {"items", "parts"}
    if step == "mix":
        keys |= {"position"} | ({"proof"} if kind == "step" else set())
    if step in ("tag", "point-tag"):
        keys.add("key")
    return keys


def close_place(body: dict) -> tuple:
    return (body["step"], body["list"], body["trustee"], body.get("position"), body.get("key"))


def check_close_item(step: str, item: object, width: int | None) -> None:
    """An item's shape (record-format §6 table): its members, points and scalars."""
    if not isinstance(item, dict) or set(item) != CLOSE_ITEM_KEYS[step]:
        raise ValueError(f"a {step} item's members")
    if step == "mix":
        row = item["row"]
        if not isinstance(row, list) or not row or (width is not None and len(row) != width):
            raise ValueError("a mix item's row")
        for ct in row:
            ct_points(ct)
        decode_point(item["permutation_commitment"], False)
        decode_point(item["chain"], False)
        decode_scalar(item["s_hat"]), decode_scalar(item["s_prime"])
        return
    proof = item["proof"]
    if not isinstance(proof, dict) or set(proof) != CLOSE_PROOF_KEYS[step]:
        raise ValueError(f"a {step} item's proof members")
    for v in proof.values():
        decode_scalar(v)
    for k in CLOSE_ITEM_KEYS[step] - {"proof"}:
        if k in ("share", "offset"):
            ct_points(item[k])
        else:
            decode_point(item[k])


def check_close_body(body: object, kind: str, trustees: dict[int, Point]) -> dict:
    """A `close-part` or `close-step` body's shape (`close.steps`)."""
    if not isinstance(body, dict) or body.get("step") not in CLOSE_STEP_KINDS:
        raise ValueError("close.steps: not a step of the close")
    step = body["step"]
    if set(body) != close_body_keys(step, kind):
        raise ValueError(f"close.steps: a {kind}'s members {sorted(body)}")
    if not isinstance(body["list"], str) or not 1 <= len(body["list"]) <= 80:
        raise ValueError("close.steps: the list's name")
    trustee = _integer(body["trustee"], 1, 1000, "close.steps: trustee")
    if trustee not in trustees:
        raise ValueError(f"close.steps: trustee {trustee} is no trustee of the ceremony")
    if step == "mix":
        _integer(body["position"], 1, 1000, "close.steps: position")
    if "key" in body and body["key"] not in ("y1", "y2"):
        raise ValueError("close.steps: key")
    if kind == "part":
        _integer(body["part"], 0, CLOSE_MAX_ITEMS, "close.steps: part")
        _integer(body["offset"], 0, CLOSE_MAX_ITEMS, "close.steps: offset")
        items = body["items"]
        if not isinstance(items, list) or not items:
            raise ValueError("close.steps: a part holds at least one item")
        width = None
        for item in items:
            check_close_item(step, item, width)
            width = len(item["row"]) if step == "mix" else None
        cells = width + 2 if step == "mix" else 2
        if len(items) > CLOSE_PART_CELLS // cells:
            raise ValueError("close.steps: a part holds too many items")
    else:
        _integer(body["items"], 1, CLOSE_MAX_ITEMS, "close.steps: items")
        if not isinstance(body["parts"], list) or not body["parts"]:
            raise ValueError("close.steps: a step names at least one part")
        if step == "mix":
            proof = body["proof"]
            if not isinstance(proof, dict) or set(proof) != MIX_PROOF_KEYS:
                raise ValueError("close.steps: a mix's proof members")
            for k in ("c", "s1", "s2", "s3"):
                decode_scalar(proof[k])
            if not isinstance(proof["s4"], list) or not proof["s4"]:
                raise ValueError("close.steps: s4")
            for x in proof["s4"]:
                decode_scalar(x)
    return body


def read_close_objects(base: bytes, setup: dict, events: Sequence[dict]) -> list[dict]:
    """The close's objects in the order of their `close-step` events: each part's and
    step's shape (`close.steps`) and signature by its trustee's `X_t`
    (`close.signatures`), the parts a step names on the board before it, of its place,
    `part` i, `offset` the items before it, each serving the first step that names it,
    together exactly `items` items.  Returns {seq, step, list, trustee, position, key,
    items, proof}."""
    trustees = {
        v["trustee"]: decode_point(v["key"], False)
        for v in setup["election_key"]["verification_keys"]
    }
    parts: dict[str, dict] = {}
    served: set[str] = set()
    seen: set[str] = set()
    objects = []
    for ev in events:
        kind = {"close-part": "part", "close-step": "step"}.get(ev["kind"])
        if kind is None:
            continue
        where = f"event {ev['seq']} ({ev['kind']})"
        try:
            body = check_close_body(ev["body"], kind, trustees)
        except (DecodeError, KeyError, TypeError) as e:
            raise ValueError(f"close.steps: {where}: {e}") from None
        except ValueError as e:
            raise ValueError(f"{e}: {where}") from None
        try:
            digest = check_close_signed(base, kind, body, trustees[body["trustee"]]).hex()
        except ValueError as e:
            raise ValueError(f"{e}: {where}") from None
        if kind == "part":
            if digest in seen:  # the service stores a part once
                raise ValueError(f"close.steps: {where}: the part is already on the board")
            seen.add(digest)
            parts[digest] = body
            continue
        items: list = []
        for i, d in enumerate(body["parts"]):
            part = parts.get(d) if isinstance(d, str) else None
            if part is None or d in served:
                raise ValueError(f"close.steps: {where}: part {i} is not on the board before it")
            if close_place(part) != close_place(body) or (part["part"], part["offset"]) != (
                i,
                len(items),
            ):
                raise ValueError(f"close.steps: {where}: part {i} is not this step's part {i}")
            items += part["items"]
            served.add(d)
        if len(items) != body["items"]:
            raise ValueError(f"close.steps: {where}: {len(items)} items, not {body['items']}")
        objects.append(
            {
                "seq": ev["seq"],
                "step": body["step"],
                "list": body["list"],
                "trustee": body["trustee"],
                "position": body.get("position"),
                "key": body.get("key"),
                "items": items,
                "proof": body.get("proof"),
            }
        )
    return objects


# -- the proofs of the close's objects (coercion.md §5.8) --------------------------------


def tag_share_ok(
    base: bytes, name: str, key: str, l_hash: bytes, trustee: int, row: int, y_j: Point,
    ct: Ct, item: dict,
) -> Ct:  # fmt: skip
    """`tag-share`: three-base, log_G Y_j = log_alpha A = log_beta B; returns (A, B)."""
    a, b = ct_points(item["share"])
    c, s = decode_scalar(item["proof"]["c"]), decode_scalar(item["proof"]["s"])
    r0, r1, r2 = B * s - y_j * c, ct[0] * s - a * c, ct[1] * s - b * c
    parts = [By(base), Tx(name), Tx(key), By(l_hash), In(trustee), In(row), Pt(y_j),
             Pt(ct[0]), Pt(ct[1]), Pt(a), Pt(b), Pt(r0), Pt(r1), Pt(r2)]  # fmt: skip
    if c != hash_to_scalar("tag-share", *parts):
        raise ValueError(f"tags.proofs: {name} row {row}: trustee {trustee}'s tag share")
    return a, b


def point_tag_ok(base: bytes, key: str, trustee: int, i: int, y_j: Point, item: dict) -> Point:
    """`point-tag-share`: two-base, log_G Y_j = log_Q D for the cover point Q_i."""
    q = cover_tag_point(base, i)
    d = decode_point(item["image"])
    c, s = decode_scalar(item["proof"]["c"]), decode_scalar(item["proof"]["s"])
    r1, r2 = B * s - y_j * c, q * s - d * c
    parts = [By(base), Tx(key), In(trustee), In(i), Pt(y_j), Pt(q), Pt(d), Pt(r1), Pt(r2)]
    if c != hash_to_scalar("point-tag-share", *parts):
        raise ValueError(f"tags.proofs: cover point {i}: trustee {trustee}'s tag share")
    return d


def offset_ok(base: bytes, h: Point, l_hash: bytes, group: int, trustee: int, item: dict) -> Ct:
    """`counter-offset`: representation with base G of Enc(delta); randomness non-zero."""
    alpha, beta = ct_points(item["offset"])
    if alpha == IDENTITY:
        raise ValueError(f"close.trustees: group {group}: trustee {trustee}'s offset randomness 0")
    proof = item["proof"]
    e = decode_scalar(proof["c"])
    z_s, z_m = decode_scalar(proof["s_randomness"]), decode_scalar(proof["s_offset"])
    a1 = B * z_s - alpha * e
    a2 = h * z_s + B * z_m - beta * e
    parts = [By(base), Tx("close-offsets"), Tx("A.groups"), By(l_hash), In(group),
             In(trustee), Pt(h), Pt(B), Pt(alpha), Pt(beta), Pt(a1), Pt(a2)]  # fmt: skip
    if e != hash_to_scalar("counter-offset", *parts):
        raise ValueError(f"close.trustees: group {group}: trustee {trustee}'s offset proof")
    return alpha, beta


def equivalence_ok(
    base: bytes, name: str, l_hash: bytes, trustee: int, pair: int, a: Ct, b: Ct, item: dict
) -> Ct:
    """`equivalence-share`: three-base, log_G Z_j = log_alpha alpha' = log_beta beta' for
    (alpha, beta) = A - B; Z_j not the identity.  Returns (alpha', beta')."""
    z = decode_point(item["commitment"])
    if z == IDENTITY:
        raise ValueError(f"close.trustees: {name} pair {pair}: trustee {trustee}'s Z is O")
    alpha, beta = ct_sub(a, b)
    a2, b2 = ct_points(item["share"])
    c, s = decode_scalar(item["proof"]["c"]), decode_scalar(item["proof"]["s"])
    r0, r1, r2 = B * s - z * c, alpha * s - a2 * c, beta * s - b2 * c
    parts = [By(base), Tx(name), By(l_hash), In(trustee), In(pair), Pt(a[0]), Pt(a[1]),
             Pt(b[0]), Pt(b[1]), Pt(z), Pt(alpha), Pt(beta), Pt(a2), Pt(b2), Pt(r0), Pt(r1),
             Pt(r2)]  # fmt: skip
    if c != hash_to_scalar("equivalence-share", *parts):
        raise ValueError(f"close.trustees: {name} pair {pair}: trustee {trustee}'s share")
    return a2, b2


def decryption_ok(
    base: bytes, name: str, l_hash: bytes, trustee: int, row: int, x_j: Point, ct: Ct,
    item: dict,
) -> Point:  # fmt: skip
    """`partial-decryption`: log_G X_j = log_alpha D; returns D.  A factor whose proof
    fails is not taken (`close.trustees`, whatever the list: a tag's, a unit's, a sum's)."""
    d = decode_point(item["factor"])
    c, s = decode_scalar(item["proof"]["c"]), decode_scalar(item["proof"]["s"])
    r1, r2 = B * s - x_j * c, ct[0] * s - d * c
    parts = [By(base), Tx("close-decryption"), Tx(name), By(l_hash), In(trustee), In(row),
             Pt(ct[1]), Pt(x_j), Pt(ct[0]), Pt(d), Pt(r1), Pt(r2)]  # fmt: skip
    if c != hash_to_scalar("partial-decryption", *parts):
        raise ValueError(f"close.trustees: {name} row {row}: trustee {trustee}'s decryption")
    return d


# -- the replay (coercion.md §5.3, §5.4, §5.7) --------------------------------------------


def _spec(step: str, name: str, **kw: object) -> dict:
    """One step of a round: ``cts`` (decrypt, tag: one ciphertext per row), ``pairs``
    (equivalence), ``count`` (point-tag, offset) or ``rows`` (mix: its input)."""
    return {"step": step, "list": name, "key": None, "taken": [], "results": {}, **kw}


def _spec_count(spec: dict) -> int:
    for k in ("cts", "pairs", "rows"):
        if k in spec:
            return len(spec[k])
    return int(spec["count"])


def _spec_done(spec: dict, k: int) -> bool:
    return len(spec["taken"]) == k


def _lagrange_points(spec: dict) -> tuple[list[int], dict[int, int]]:
    used = [o["trustee"] for o in spec["taken"]]
    return used, lagrange(used)


def combine_spec(spec: dict) -> list:
    """What a complete step gives (coercion.md §5.1): tag shares and cover point images
    combined by Lagrange at 0 over its k trustees; offsets and equivalence shares summed;
    a decryption's points beta - sum(lambda_t D_t); a mix's last output rows."""
    step = spec["step"]
    if step == "mix":
        return spec["rows_out"]
    used, lam = _lagrange_points(spec)
    n = _spec_count(spec)
    out = []
    for i in range(n):
        if step == "tag":
            acc = ZERO_CT
            for t in used:
                acc = ct_add(acc, ct_mul(lam[t], spec["results"][t][i]))
            out.append(acc)
        elif step == "point-tag":
            out.append(_total(spec["results"][t][i] * lam[t] for t in used))
        elif step in ("offset", "equivalence"):
            acc = ZERO_CT
            for t in used:
                acc = ct_add(acc, spec["results"][t][i])
            out.append(acc)
        else:  # decrypt
            beta = spec["cts"][i][1]
            out.append(beta - _total(spec["results"][t][i] * lam[t] for t in used))
    return out


def commission(station: str) -> str:
    """The party a `close.paper` failure names: the station's commission."""
    return f"commission of {station}"


def paper_joins(n: int, tags: Sequence[Point], stations: Sequence[str]) -> dict:
    """Paper lists at the close, the joins (record-format §6, "Applying the lists", step
    1; coercion.md §5.4 "Paper lists", step 4): `tags` the decrypted `P.tags` (the `n` roll
    rows' first, then one per listing), `stations` each listing's station.  A listing
    whose tag is no roll row's is not applied and names its station (`close.paper`); one
    whose tag is two or more roll rows' is **excused** (those rows are unusable,
    `roll.handles`: not the station's fault, not in its count); any other joins its row.
    Returns {joined: the joined rows ascending (`P.units`' rows), listed: row -> the
    listings joining it, excused: station -> listings excused, failures}."""
    rows_of: dict[bytes, list[int]] = {}
    for r, t in enumerate(tags[:n]):
        rows_of.setdefault(t.encode(), []).append(r)
    listed: dict[int, list[int]] = {}
    excused = dict.fromkeys(stations, 0)
    failures = []
    for i, (station, t) in enumerate(zip(stations, tags[n:], strict=True)):
        rows = rows_of.get(t.encode(), [])
        if not rows:
            failures.append(("close.paper", commission(station), f"paper row {i}: on no roll row"))
        elif len(rows) == 1:
            listed.setdefault(rows[0], []).append(i)
        else:
            excused[station] += 1
    return {"joined": sorted(listed), "listed": listed, "excused": excused, "failures": failures}


def paper_apply(
    joins: dict, unit_of_row: dict[int, int | None], listings: Sequence[tuple[str, int]],
    lists: Sequence[tuple[str, int]], unit_ids: Sequence[str],
) -> dict:  # fmt: skip
    """The listings applied and counted (record-format §6, "Applying the lists", steps 2
    and 3; coercion.md §5.4 "Paper lists", step 6): `unit_of_row` each
    joined row's decrypted unit (None: no reporting unit), `listings` each listing's
    (station, its reporting unit's index), `lists` each counting event's (station, its
    number of voters) in manifest unit order.  Row by joined row, ascending: with no
    reporting unit its listings are excused (the row is unusable, `close.units`); a
    listing of another reporting unit is not applied and names its station; a row with a
    valid listing is cancelled once, and more than one valid listing names each station
    among them (once per row).  Then per list, in order: its valid cancellations (a row
    once per station that validly lists it) must be its length less its excused listings,
    else its station is named.  Returns {cancelled: the cancelled rows ascending, valid:
    station -> rows it validly cancelled, unit_of_row, failures}."""
    excused = dict(joins["excused"])
    valid_of = {s: 0 for s, _ in lists}
    failures: list[tuple[str, str, str]] = []
    cancelled = []
    for r in joins["joined"]:
        u = unit_of_row[r]
        valid = []
        for i in joins["listed"][r]:
            station, unit = listings[i]
            if u is None:
                excused[station] += 1
            elif unit != u:
                failures.append(
                    (
                        "close.paper", commission(station),
                        f"paper row {i}: a voter of {unit_ids[u]}, not of {unit_ids[unit]}",
                    )
                )  # fmt: skip
            else:
                valid.append(i)
        if not valid:
            continue
        cancelled.append(r)
        stations = sorted({listings[i][0] for i in valid})
        for station in stations:
            valid_of[station] += 1
        if len(valid) > 1:
            failures += [
                ("close.paper", commission(s), f"paper rows {valid}: one voter") for s in stations
            ]
    for station, voters in lists:
        if valid_of[station] != voters - excused.get(station, 0):
            failures.append(
                (
                    "close.paper", commission(station),
                    f"{voters} listed, {excused.get(station, 0)} excused, "
                    f"{valid_of[station]} cancelled",
                )
            )  # fmt: skip
    return {
        "cancelled": cancelled, "valid": valid_of, "unit_of_row": unit_of_row,
        "failures": failures,
    }  # fmt: skip


class CloseReplay:
    """The close read from the board (record-format §6, coercion.md §5): the lists from
    the board, then the objects in their `close-step` order, round by round."""

    def __init__(self, base: bytes, setup: dict, events: Sequence[dict]):
        self.base = base
        self.setup = setup
        self.manifest = setup["manifest"]
        ek = setup["election_key"]
        self.k = ek["ceremony"]["threshold"]
        self.h = decode_point(ek["public_key"], False)
        self.x = {v["trustee"]: decode_point(v["key"]) for v in ek["verification_keys"]}
        self.y = {
            tk["label"]: {v["trustee"]: decode_point(v["key"]) for v in tk["verification_keys"]}
            for tk in ek["tag_keys"]
        }
        self.width = sum(len(slots(c)) for c in self.manifest["contests"])
        e0 = {"alpha": IDENTITY_HEX, "beta": IDENTITY_HEX}
        a_rows: list[list[Ct]] = []
        regs: list[dict] = []
        self.cast_rows = 0
        self.padding: dict = {}
        roll_rows: list[dict] = []
        paper_station: dict[str, bool] = {}  # unit -> its last station event's paper
        paper_event: dict[str, dict] = {}  # unit -> its last paper event's body
        self.uploads: dict[str, int] = {}  # unit -> its paper events
        closing = False  # the first close object ends the paper uploads
        self.unit_of: dict[str, int] = {}  # manifest unit -> its reporting unit's index
        for ev in events:
            body = ev["body"]
            closing = closing or ev["kind"] in ("close-part", "close-step")
            if ev["kind"] == "station":
                paper_station[body["unit"]] = body["paper"] is True
            elif ev["kind"] == "paper" and not closing:
                paper_event[body["unit"]] = body
                self.uploads[body["unit"]] = self.uploads.get(body["unit"], 0) + 1
            elif ev["kind"] == "cast-row":
                row, ballot = body["row"], body["row"]["ballot"]
                cts = [ballot["tag"], ballot["credential"], row["counter"], row["flag"]]
                cts += [ct for c in ballot["contests"] for ct in c["ciphertexts"]]
                a_rows.append([ct_points(ct) for ct in cts])
                self.cast_rows += 1
            elif ev["kind"] == "registration":
                regs.append(body["registration"])
            elif ev["kind"] == "padding":
                self.padding = body["padding"]
            elif ev["kind"] == "roll-part":
                roll_rows += body["rows"]
            elif ev["kind"] == "roll" and "encrypted" in body:
                listed = body["encrypted"]["reporting_units"]
                self.reporting_units = [u["id"] for u in listed]
                voters = {u["unit"]: u["voters"] for u in body["voters_per_unit"]}
                #: the voters the organiser signed per reporting unit (roll.counts)
                self.signed_counts = [sum(voters[m] for m in u["units"]) for u in listed]
                self.unit_of = {m: i for i, u in enumerate(listed) for m in u["units"]}
        for prow in self.padding.get("rows", []):
            cts = [prow["tag"], prow["credential"], prow["counter"], prow["flag"]]
            cts += [e0] * self.width
            a_rows.append([ct_points(ct) for ct in cts])
        self.a_rows = a_rows
        self.a_regs = [
            [ct_points(r[f]) for f in ("tag", "credential", "handle", "activation")] for r in regs
        ]
        self.revocations = [[ct_points(r[f]) for f in ("revokes", "activation")] for r in regs]
        self.roll = [[ct_points(r[f]) for f in ("handle", "unit", "activation")] for r in roll_rows]
        # paper ballots (record-format §6, "Paper lists at the close"): the paper stations
        # in manifest order, each one's counting (last before the first close object)
        # paper event, and its listings (station, Enc(V)) in manifest unit order, each
        # event's voters in order: the second part of P.tags
        order = [u["id"] for u in self.manifest["units"]]
        self.paper_stations = [u for u in order if paper_station.get(u)]
        self.paper_events = [(u, paper_event[u]) for u in self.paper_stations if u in paper_event]
        self.listings = [
            (u, ct_points(v["handle"])) for u, body in self.paper_events for v in body["voters"]
        ]
        self.cancelled_rows = {rid: 0 for rid in self.reporting_units}
        self.station_cancelled: dict[str, int] = {}
        #: the close's failures with a remedy that hbcheck follows (only `close.paper`):
        #: (check, party, detail), in the order found
        self.failures: list[tuple[str, str, str]] = []
        self.out: dict[tuple[str, str], list] = {}  # (step, list) -> what it gave
        self.rounds: list[tuple[str, int]] = []  # (round, seq of the step that opened it)
        self.round: str | None = None
        self.specs: list[dict] = []
        self.all_specs: list[dict] = []
        self.done = False
        self.summary: dict = {}

    # -- the rounds -------------------------------------------------------------------

    def open_next(self, seq: int) -> None:
        """Open the next round that has anything to take after the current one."""
        names = list(CLOSE_ROUNDS)
        at = 0 if self.round is None else names.index(self.round) + 1
        for name in names[at:]:
            specs = []
            for s in getattr(self, "round_" + name.replace("-", "_"))():
                if _spec_count(s):
                    specs.append(s)
                else:  # nothing to take (no group joined, no row): its output is empty
                    self.out[(s["step"], s["list"])] = []
            self.round = name
            if specs:
                self.specs = specs
                self.all_specs += specs
                self.rounds.append((name, seq))
                return
        self.specs, self.done = [], True
        self.finish()

    def got(self, step: str, name: str) -> list:
        return self.out[(step, name)]

    def round_A_mix(self) -> list[dict]:
        return [_spec("mix", "A.rows", rows=self.a_rows), _spec("mix", "A.registrations",
                rows=self.a_regs)]  # fmt: skip

    def round_A_tag(self) -> list[dict]:
        rows, regs = self.got("mix", "A.rows"), self.got("mix", "A.registrations")
        cts = [r[0] for r in rows] + [r[0] for r in regs]
        cover = self.padding["cover_rows"]
        return [
            _spec("tag", "A.tags", key="y1", cts=cts),
            _spec("point-tag", "A.cover", key="y1", count=cover),
        ]

    def round_A_tag_dec(self) -> list[dict]:
        return [_spec("decrypt", "A.tags", cts=self.got("tag", "A.tags"))]

    def round_A_offset(self) -> list[dict]:
        rows = self.got("mix", "A.rows")
        tags = self.got("decrypt", "A.tags")
        row_tags, reg_tags = tags[: len(rows)], tags[len(rows) :]
        reg_of: dict[bytes, int] = {}
        doubled: set[bytes] = set()
        for j, t in enumerate(reg_tags):
            if t.encode() in reg_of:
                doubled.add(t.encode())
            reg_of[t.encode()] = j
        if doubled:
            raise ValueError("registrations.unique: two registrations share a y1 tag")
        cover = {p.encode() for p in self.out.get(("point-tag", "A.cover"), [])}
        groups: dict[bytes, list[int]] = {}
        for i, t in enumerate(row_tags):
            groups.setdefault(t.encode(), []).append(i)
        joined, cover_rows = [], 0
        for t in sorted(groups):
            if t in reg_of:
                joined.append((t, reg_of[t], groups[t]))
            elif t in cover and len(groups[t]) == 1:
                cover_rows += 1
            else:
                raise ValueError("close.cover: a group that is neither a registration's nor cover")
        for _, _, members in joined:
            if len(members) not in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32):
                raise ValueError("padding.shape: a joined group's size is not on the list")
        self.joined, self.cover_found = joined, cover_rows
        return [_spec("offset", "A.groups", count=len(joined))]

    def round_A_count(self) -> list[dict]:
        rows, offsets = self.got("mix", "A.rows"), self.got("offset", "A.groups")
        cts = [ct_add(rows[i][2], offsets[g]) for g, (_, _, m) in enumerate(self.joined) for i in m]
        return [_spec("decrypt", "A.counters", cts=cts)]

    def round_A_check(self) -> list[dict]:
        """A5's walk: each joined group's rows from the lowest counter to the highest (its
        last the winner), then A6's lists for the winners (`A.flags`, `A.pets`)."""
        w = self.got("decrypt", "A.counters")
        at, ordered = 0, []
        for _, _, members in self.joined:
            points = w[at : at + len(members)]
            at += len(members)
            enc = [p.encode() for p in points]
            if len(set(enc)) != len(enc):
                raise ValueError("close.counters: a group's counters are not distinct")
            starts = [i for i, p in enumerate(points) if (p - B).encode() not in enc]
            if len(starts) != 1:
                raise ValueError("close.counters: a group's counters are not consecutive")
            index = {e: i for i, e in enumerate(enc)}
            walk = [starts[0]]
            while (points[walk[-1]] + B).encode() in index:
                walk.append(index[(points[walk[-1]] + B).encode()])
            if len(walk) != len(points):
                raise ValueError("close.counters: a group's counters are not consecutive")
            ordered.append([members[i] for i in walk])
        self.ordered = ordered
        self.winners = [rows[-1] for rows in ordered]
        picks = list(enumerate(self.winners))
        return self.check_specs("A.flags", "A.pets", picks)

    def check_specs(self, flags: str, pets: str, picks: list[tuple[int, int]]) -> list[dict]:
        """A6 for ``picks`` (joined group, row in mixed `A.rows`): the rows' flags to
        decrypt, and the pairs (row's `Enc(σ)`, its registration's) to test."""
        rows, regs = self.got("mix", "A.rows"), self.got("mix", "A.registrations")
        self.picks = picks
        pairs = [(rows[i][1], regs[self.joined[g][1]][1]) for g, i in picks]
        return [
            _spec("decrypt", flags, cts=[rows[i][3] for _, i in picks]),
            _spec("equivalence", pets, pairs=pairs),
        ]

    def check_results(self, flags: str, pets: str) -> list[tuple[bool, bool]]:
        """Per pick of :meth:`check_specs`: (its flag decrypts to 0, its pair tests equal)."""
        f, p = self.out.get(("decrypt", flags), []), self.out.get(("decrypt", pets), [])
        return [(a == IDENTITY, b == IDENTITY) for a, b in zip(f, p, strict=True)]

    def round_A_check_dec(self) -> list[dict]:
        return [_spec("decrypt", "A.pets", cts=self.out.get(("equivalence", "A.pets"), []))]

    def round_A_fallback(self) -> list[dict]:
        """coercion.md §5.3, A6: a winner whose flag is not 0 names the service
        (`close.dummy`), one whose `Enc(σ)` is not its registration's too
        (`close.credential`); those groups' rows, every one, from the lowest counter to
        the highest, are checked again at once (`A.fallback-flags`, `A.fallback-pets`).
        Followed as `verify` follows it (not strict: the record still verifies)."""
        self.failing = []
        for (g, _), (flag_ok, pet_ok) in zip(
            self.picks, self.check_results("A.flags", "A.pets"), strict=True
        ):
            tag = self.joined[g][0].hex()
            if not flag_ok:
                self.failures.append(("close.dummy", "service", f"group {tag}: its winner's flag"))
            if not pet_ok:
                self.failures.append(
                    ("close.credential", "service", f"group {tag}: its winner's voting point")
                )
            if not (flag_ok and pet_ok):
                self.failing.append(g)
        picks = [(g, i) for g in self.failing for i in self.ordered[g]]
        return self.check_specs("A.fallback-flags", "A.fallback-pets", picks)

    def round_A_fallback_dec(self) -> list[dict]:
        pets = self.out.get(("equivalence", "A.fallback-pets"), [])
        return [_spec("decrypt", "A.fallback-pets", cts=pets)]

    def fallback_winners(self) -> None:
        """A6's outcome: a failing group's winner is its highest-counter row that passes
        both tests in the fallback round; a group none of whose rows passes is dropped."""
        if not self.failing:
            return
        passed: dict[int, int] = {}
        results = self.check_results("A.fallback-flags", "A.fallback-pets")
        for (g, i), (flag_ok, pet_ok) in zip(self.picks, results, strict=True):
            if flag_ok and pet_ok:
                passed[g] = i  # rows from the lowest counter: the last that passes wins
        keep = [g for g in range(len(self.joined)) if g not in self.failing or g in passed]
        self.winners = [passed.get(g, self.winners[g]) for g in keep]
        self.joined = [self.joined[g] for g in keep]

    def round_B_mix(self) -> list[dict]:
        self.fallback_winners()
        rows, regs = self.got("mix", "A.rows"), self.got("mix", "A.registrations")
        winners = [
            [regs[j][0], regs[j][2], regs[j][3], *rows[i][4:]]
            for i, (_, j, _) in zip(self.winners, self.joined, strict=True)
        ]
        return [
            _spec("mix", "B.winners", rows=winners),
            _spec("mix", "B.revocations", rows=self.revocations),
            _spec("mix", "B.roll", rows=self.roll),
        ]

    # coercion.md §5.4, "Paper lists": only when some counting paper event lists a voter

    def round_P_tag(self) -> list[dict]:
        """The roll's handles (last mix of B.roll), then the listings, each paired with
        the zero ciphertext: every trustee blinds them all with one exponent."""
        if not self.listings:
            return []
        pairs = [(r[0], ZERO_CT) for r in self.got("mix", "B.roll")]
        pairs += [(h, ZERO_CT) for _, h in self.listings]
        return [_spec("equivalence", "P.tags", pairs=pairs)]

    def round_P_tag_dec(self) -> list[dict]:
        return [_spec("decrypt", "P.tags", cts=self.out.get(("equivalence", "P.tags"), []))]

    def round_P_units(self) -> list[dict]:
        """The joins (coercion.md §5.4 "Paper lists", step 4; record-format §6 "Paper lists
        at the close"): `close.paper` names the commission of a listing on no roll row (not
        applied); a listing on roll rows sharing a `P` tag is excused; the rest join their
        row.  Then the joined rows' units."""
        if not self.listings:
            return []
        roll = self.got("mix", "B.roll")
        tags = self.got("decrypt", "P.tags")
        self.paper_joins = paper_joins(len(roll), tags, [s for s, _ in self.listings])
        self.failures += self.paper_joins["failures"]
        joined = self.paper_joins["joined"]
        return [_spec("decrypt", "P.units", cts=[roll[r][1] for r in joined])]

    def round_P_mix(self) -> list[dict]:
        """The listings applied (step 6): each joined row's valid listings cancel it once,
        the rest name their commissions (`close.paper`, not strict: the record still
        verifies, as with `verify`); then B.kept, the roll rows not cancelled, and
        B.cancelled, the cancelled rows' Enc(V)."""
        if not self.listings:
            return []
        n = len(self.reporting_units)
        units = [discrete_log(u, n - 1) for u in self.out.get(("decrypt", "P.units"), [])]
        applied = paper_apply(
            self.paper_joins,
            dict(zip(self.paper_joins["joined"], units, strict=True)),
            [(s, self.unit_of[s]) for s, _ in self.listings],
            [(u, len(body["voters"])) for u, body in self.paper_events],
            self.reporting_units,
        )
        self.failures += applied["failures"]
        self.station_cancelled = applied["valid"]
        self.cancelled = applied["cancelled"]
        for r in self.cancelled:
            self.cancelled_rows[self.reporting_units[applied["unit_of_row"][r]]] += 1
        roll, gone = self.got("mix", "B.roll"), set(self.cancelled)
        return [
            _spec("mix", "B.kept", rows=[row for r, row in enumerate(roll) if r not in gone]),
            _spec("mix", "B.cancelled", rows=[[roll[r][0]] for r in self.cancelled]),
        ]

    def kept_roll(self) -> list:
        """The roll as B2 sees it: B.kept's last mix with paper listings, else B.roll's."""
        return self.out.get(("mix", "B.kept"), []) if self.listings else self.got("mix", "B.roll")

    def round_B_tag(self) -> list[dict]:
        cts = [r[0] for r in self.got("mix", "B.winners")]
        cts += [r[0] for r in self.got("mix", "B.revocations")]
        cts += [r[0] for r in self.kept_roll()]
        cts += [r[0] for r in self.out.get(("mix", "B.cancelled"), [])]
        return [_spec("tag", "B.tags", key="y2", cts=cts)]

    def round_B_tag_dec(self) -> list[dict]:
        units = [r[1] for r in self.kept_roll()]
        return [
            _spec("decrypt", "B.tags", cts=self.got("tag", "B.tags")),
            _spec("decrypt", "B.units", cts=units),
        ]

    def round_B_revoke(self) -> list[dict]:
        tags = self.got("decrypt", "B.tags")
        nw, nr = len(self.got("mix", "B.winners")), len(self.got("mix", "B.revocations"))
        nl = len(self.kept_roll())
        w_tags, r_tags = tags[:nw], tags[nw : nw + nr]
        roll_tags, cancelled_tags = tags[nw + nr : nw + nr + nl], tags[nw + nr + nl :]
        units = self.out.get(("decrypt", "B.units"), [])
        self.roll_unit: list[int | None] = []
        for u in units:
            self.roll_unit.append(discrete_log(u, len(self.reporting_units) - 1))
        if None in self.roll_unit:
            raise ValueError("close.units: a roll row's unit is no reporting unit")
        rows_per_unit = [
            self.roll_unit.count(u) + self.cancelled_rows[rid]
            for u, rid in enumerate(self.reporting_units)
        ]
        if rows_per_unit != self.signed_counts:
            raise ValueError(
                f"roll.counts: the roll's rows per reporting unit {rows_per_unit} are not the "
                f"voters the organiser signed {self.signed_counts}"
            )
        enc = [t.encode() for t in roll_tags]
        if len(set(enc)) != len(enc):
            raise ValueError("roll.handles: two roll rows share a handle tag")
        self.roll_of = {e: i for i, e in enumerate(enc)}
        self.cancelled_tags = {t.encode() for t in cancelled_tags}
        self.matched = [
            (i, j)
            for i, wt in enumerate(w_tags)
            for j, rt in enumerate(r_tags)
            if wt.encode() == rt.encode()
        ]
        w, r = self.got("mix", "B.winners"), self.got("mix", "B.revocations")
        pairs = [(w[i][2], r[j][1]) for i, j in self.matched]
        return [_spec("equivalence", "B.revoke-pets", pairs=pairs)]

    def round_B_revoke_dec(self) -> list[dict]:
        pets = self.out.get(("equivalence", "B.revoke-pets"), [])
        return [_spec("decrypt", "B.revoke-pets", cts=pets)]

    def round_B_handle(self) -> list[dict]:
        equal = self.out.get(("decrypt", "B.revoke-pets"), [])
        if any(p != IDENTITY for p in equal):  # a void revocation names the service
            raise ValueError("close.revocation: a matched revocation of another activation")
        revoked = {i for i, _ in self.matched}
        w = self.got("mix", "B.winners")
        self.revoked = len(revoked)
        self.survivors = [i for i in range(len(w)) if i not in revoked]
        return [_spec("tag", "B.handles", key="y2", cts=[w[i][1] for i in self.survivors])]

    def round_B_handle_dec(self) -> list[dict]:
        return [_spec("decrypt", "B.handles", cts=self.out.get(("tag", "B.handles"), []))]

    def round_B_activate(self) -> list[dict]:
        handles = [t.encode() for t in self.out.get(("decrypt", "B.handles"), [])]
        if len(set(handles)) != len(handles):
            raise ValueError("close.voters: two survivors join one roll row")
        # a survivor on a cancelled handle (B.cancelled's tags) is dropped, no failure, and
        # not tested (its voter voted on paper): one election-wide number
        kept, self.cancelled_e_votes = [], 0
        for i, t in zip(self.survivors, handles, strict=True):
            if t in self.roll_of:
                kept.append((i, self.roll_of[t]))
            elif t in self.cancelled_tags:
                self.cancelled_e_votes += 1
            else:
                raise ValueError("close.voters: a survivor joins no roll row")
        self.kept = kept
        w, roll = self.got("mix", "B.winners"), self.kept_roll()
        pairs = [(w[i][2], roll[j][2]) for i, j in kept]
        return [_spec("equivalence", "B.activation-pets", pairs=pairs)]

    def round_B_activate_dec(self) -> list[dict]:
        pets = self.out.get(("equivalence", "B.activation-pets"), [])
        return [_spec("decrypt", "B.activation-pets", cts=pets)]

    def counted(self) -> list[tuple[int, str]]:
        """(position in mixed B.winners, reporting unit id) of every counted survivor."""
        if not hasattr(self, "_counted"):
            pets = self.out.get(("decrypt", "B.activation-pets"), [])
            if any(p != IDENTITY for p in pets):
                raise ValueError("close.activation: a survivor's activation is not its roll row's")
            self._counted = [
                (i, self.reporting_units[self.roll_unit[j]])  # type: ignore[index]
                for i, j in self.kept
            ]
        return self._counted

    def contest_columns(self) -> list[tuple[dict, int]]:
        """(contest, its first column in a B.winners row) in manifest order."""
        out, at = [], 3
        for c in self.manifest["contests"]:
            out.append((c, at))
            at += len(slots(c))
        return out

    def round_B_column(self) -> list[dict]:
        counted = self.counted()
        if not counted:
            return []
        w = self.got("mix", "B.winners")
        return [
            _spec(
                "mix", f"column/{c['id']}", rows=[w[i][at : at + len(slots(c))] for i, _ in counted]
            )
            for c, at in self.contest_columns()
            if is_mixed(c)
        ]

    def tally_entries(self) -> list[tuple[str, Ct]]:
        """B.tally's entries (record-format §7): the totals of every option of every
        contest counted by sum, then each broken-out reporting unit's."""
        counted = self.counted()
        w = self.got("mix", "B.winners") if counted else []
        ids, sums = [], {}
        for c, at in self.contest_columns():
            if is_mixed(c):
                continue
            for j, (oid, _, _) in enumerate(encrypted_options(c)):
                eid = f"{c['id']}/{oid}"
                ids.append(eid)
                for i, u in counted:
                    for key in (eid, f"{eid}@{u}"):
                        sums[key] = ct_add(sums.get(key, ZERO_CT), w[i][at + j])
        per_unit = {u: 0 for u in self.reporting_units}
        for _, u in counted:
            per_unit[u] += 1
        self.per_unit = per_unit
        broken = broken_out_units(self.reporting_units, per_unit, self.manifest["min_unit_size"])
        entries = [(eid, sums.get(eid, ZERO_CT)) for eid in ids]
        entries += [(f"{eid}@{u}", sums.get(f"{eid}@{u}", ZERO_CT)) for u in broken for eid in ids]
        return entries

    def round_B_tally(self) -> list[dict]:
        if not self.counted():
            return []
        specs = [_spec("decrypt", "B.tally", cts=[ct for _, ct in self.tally_entries()])]
        for c, _ in self.contest_columns():
            if is_mixed(c):
                rows = self.got("mix", f"column/{c['id']}")
                specs.append(
                    _spec("decrypt", f"column/{c['id']}", cts=[ct for row in rows for ct in row])
                )
        return specs

    # -- taking an object -------------------------------------------------------------

    def take(self, obj: dict) -> None:
        """An object of an open step, by a trustee who has not acted in it, every proof
        verifying; else ValueError with the check's name."""
        where = f"event {obj['seq']} ({obj['step']} of {obj['list']} by {obj['trustee']})"
        if self.done:
            raise ValueError(f"close.steps: {where}: after the close is done")
        spec = next(
            (s for s in self.specs if (s["step"], s["list"]) == (obj["step"], obj["list"])),
            None,
        )
        if spec is None or spec["key"] != obj["key"] or _spec_done(spec, self.k):
            raise ValueError(f"close.steps: {where}: no such step open in round {self.round}")
        t = obj["trustee"]
        if t in [o["trustee"] for o in spec["taken"]]:
            raise ValueError(f"close.steps: {where}: the trustee acted in this step already")
        if len(obj["items"]) != _spec_count(spec):
            raise ValueError(f"close.steps: {where}: not {_spec_count(spec)} items")
        try:
            spec["results"][t] = self.check_object(spec, obj)
        except (DecodeError, KeyError, TypeError) as e:
            raise ValueError(f"close.steps: {where}: {e}") from None
        except ValueError as e:
            raise ValueError(f"{e}: {where}") from None
        spec["taken"].append(obj)
        if all(_spec_done(s, self.k) for s in self.specs):
            for s in self.specs:
                self.out[(s["step"], s["list"])] = combine_spec(s)
            self.open_next(obj["seq"])

    def check_object(self, spec: dict, obj: dict) -> list:
        base, t, name, items = self.base, obj["trustee"], spec["list"], obj["items"]
        step = spec["step"]
        if step == "mix":
            previous = spec.get("rows_out", spec["rows"])
            if obj["position"] != len(spec["taken"]) + 1:
                raise ValueError(f"close.steps: position {obj['position']}")
            outputs = [[ct_json(ct_points(x)) for x in it["row"]] for it in items]
            inputs = [[ct_json(ct) for ct in row] for row in previous]
            proof = {
                **{k: [it[k] for it in items] for k in CLOSE_ITEM_KEYS["mix"] - {"row"}},
                **obj["proof"],
            }
            context = [By(base), Tx("close-mix"), Tx(name), In(obj["position"]), In(t)]
            if not verify_shuffle(context, self.h.hex(), inputs, outputs, proof):
                raise ValueError("mix.proofs: the proof of shuffle does not verify")
            spec["rows_out"] = [[ct_points(x) for x in row] for row in outputs]
            return []
        if step == "tag":
            l_hash = points_list_hash(base, name, [[c] for c in spec["cts"]])
            y_j = self.y[spec["key"]][t]
            return [
                tag_share_ok(base, name, spec["key"], l_hash, t, i, y_j, ct, it)
                for i, (ct, it) in enumerate(zip(spec["cts"], items, strict=True))
            ]
        if step == "point-tag":
            y_j = self.y[spec["key"]][t]
            return [point_tag_ok(base, spec["key"], t, i, y_j, it) for i, it in enumerate(items)]
        if step == "offset":
            l_hash = points_list_hash(base, "A.groups", self.got("mix", "A.rows"))
            return [offset_ok(base, self.h, l_hash, g, t, it) for g, it in enumerate(items)]
        if step == "equivalence":
            if name == "P.tags" and len({decode_point(it["commitment"]) for it in items}) > 1:
                raise ValueError(f"close.trustees: trustee {t} blinds P.tags with two exponents")
            l_hash = points_list_hash(base, name, [list(p) for p in spec["pairs"]])
            return [
                equivalence_ok(base, name, l_hash, t, i, a, b, it)
                for i, ((a, b), it) in enumerate(zip(spec["pairs"], items, strict=True))
            ]
        l_hash = points_list_hash(base, name, [[c] for c in spec["cts"]])
        return [
            decryption_ok(base, name, l_hash, t, i, self.x[t], ct, it)
            for i, (ct, it) in enumerate(zip(spec["cts"], items, strict=True))
        ]

    # -- the end: B6 and the result (record-format §7) --------------------------------

    def finish(self) -> None:
        counted = self.counted()
        entries = self.tally_entries()
        n = len(counted)
        bound = dlog_bound(self.manifest, n)
        counts: dict[str, int] = {}
        points = self.out.get(("decrypt", "B.tally"), [])
        for (eid, _), m_b in zip(entries, points or [IDENTITY] * len(entries), strict=True):
            m = discrete_log(m_b, bound)
            if m is None:
                raise ValueError(f"result.counts: entry {eid} decrypts to no count up to {bound}")
            counts[eid] = m
        for c, _ in self.contest_columns():
            if not is_mixed(c):
                continue
            decrypted = self.out.get(("decrypt", f"column/{c['id']}"), [])
            ids = [row_entry_id(c["id"], i, s) for i in range(n) for s in slots(c)]
            for eid, m_b in zip(ids, decrypted, strict=True):
                m = discrete_log(m_b, bound)
                if m is None:
                    raise ValueError(f"result.counts: entry {eid} decrypts to no count")
                counts[eid] = m
        tally_spec = [o["trustee"] for o in self._taken("decrypt", "B.tally")]
        result: dict = {
            "counted_per_unit": [
                {"unit": u, "ballots": self.per_unit[u]} for u in self.reporting_units
            ],
            "counts": [{"id": eid, "count": counts[eid]} for eid, _ in entries],
            "trustees": tally_spec,
            "close": {
                "cast_rows": self.cast_rows - self.cover_found,
                "cover_rows": self.cover_found,
                "padding_rows": len(self.padding["rows"]),
                "registrations": len(self.a_regs),
                "selected": len(self.winners),
                "revoked": self.revoked,
                "survivors": len(self.survivors),
            },
        }
        try:
            mixed = mixed_counts(self.manifest, n, counts)
            ranked = ranked_counts(self.manifest, self.base, n, counts)
        except ValueError as e:
            raise ValueError(f"result.counts: {e}") from None
        if mixed is not None:
            result["mixed"] = mixed
        if ranked is not None:
            result["ranked"] = ranked
        if self.paper_stations:
            result["paper"] = self.paper_result(result["counts"])
        self.result = result

    def paper_result(self, counts: list[dict]) -> dict:
        """record-format §7: the result's `paper` member."""
        events = dict(self.paper_events)
        ids = self.reporting_units

        def protocol_counts(body: dict) -> dict[str, int]:
            return {
                f"{c['id']}/{o['option']}": o["count"]
                for c in body["protocol"]["contests"]
                for o in c["counts"]
            }

        stations = [
            {
                "unit": u,
                "reporting_unit": ids[self.unit_of[u]],
                "protocol": u in events,
                "uploads": self.uploads.get(u, 0),
                "voters": len(events[u]["voters"]) if u in events else 0,
                "in_box": events[u]["protocol"]["in_box"] if u in events else 0,
                "cancelled": self.station_cancelled.get(u, 0),
                "failures": sum(1 for _, party, _ in self.failures if party == commission(u)),
            }
            for u in self.paper_stations
        ]
        units = []
        for i, rid in enumerate(ids):
            mine = [b for u, b in self.paper_events if self.unit_of[u] == i]
            units.append(
                {
                    "unit": rid,
                    "listed": sum(len(b["voters"]) for b in mine),
                    "cancelled_rows": self.cancelled_rows[rid],
                    "in_box": sum(b["protocol"]["in_box"] for b in mine),
                }
            )
        paper, combined = [], []
        for c in counts:
            eid, _, at = c["id"].partition("@")
            n = sum(
                protocol_counts(b).get(eid, 0)
                for u, b in self.paper_events
                if not at or ids[self.unit_of[u]] == at
            )
            paper.append({"id": c["id"], "count": n})
            combined.append({"id": c["id"], "count": c["count"] + n})
        return {
            "stations": stations,
            "units": units,
            "cancelled_e_votes": self.cancelled_e_votes,
            "counts": paper,
            "combined": combined,
        }

    def _taken(self, step: str, name: str) -> list[dict]:
        for s in self.all_specs:
            if (s["step"], s["list"]) == (step, name):
                return list(s["taken"])
        return []


def check_close(
    events: Sequence[dict], now_ms: int = 0, head_sizes: Sequence[int] = ()
) -> dict | None:
    """The close of an election with re-voting protection replayed from the record (None
    before its padding): the objects (:func:`read_close_objects`) taken round by round
    (:class:`CloseReplay`), `close.rounds` (each round announced by a `close-round` event
    right after the step that opened it, the first right after the padding, its deadline
    after its own time), and, when the close is done, the `result` (`result.counts`):
    right after the close's last step, exactly the recomputed body, member for member,
    and there once a signed head (``head_sizes``: every head's size) covers that step.
    Returns {round, done, rounds, result, failures}: `failures` the failures followed
    (check, party, detail), the only ones this checker does not fail on: `close.paper`
    (the paper path), `close.dummy` and `close.credential` (the fallback round), and
    `close.stalled` when the open round's announced deadline is before ``now_ms`` (the
    later of the record's last tree head's `timestamp_ms` and the time of the check);
    ValueError names the first check that fails."""
    setup = events[0]["body"]
    padding = [e["seq"] for e in events if e["kind"] == "padding"]
    if not padding:
        return None
    base = setup_base_hash(setup)
    objects = read_close_objects(base, setup, events)
    replay = CloseReplay(base, setup, events)
    replay.open_next(padding[0])
    for obj in objects:
        replay.take(obj)
    rounds = [e for e in events if e["kind"] == "close-round"]
    announced = [(e["body"]["round"], e["seq"]) for e in rounds]
    expected = [(name, seq + 1) for name, seq in replay.rounds]
    if announced != expected:
        raise ValueError(f"close.rounds: the rounds announced are not {expected}")
    for e in rounds:
        if e["body"]["deadline_ms"] <= e["time_ms"]:
            raise ValueError(f"close.rounds: event {e['seq']}: its deadline is not after its time")
    # close.stalled: the open round's deadline passed by the last tree head or now (named,
    # the record still verifies: trustees who do not act are no fault of the board's)
    if not replay.done and rounds and rounds[-1]["body"]["deadline_ms"] < now_ms:
        waiting = "; ".join(
            f"{s['step']} of {s['list']} done by {[o['trustee'] for o in s['taken']]}"
            for s in replay.specs
            if not _spec_done(s, replay.k)
        )
        replay.failures.append(
            ("close.stalled", f"round {replay.round}", f"past its deadline: {waiting}")
        )
    results = [e for e in events if e["kind"] == "result"]
    if results and not replay.done:
        raise ValueError("result.counts: a result before the close is done")
    if replay.done and not results and any(size > objects[-1]["seq"] for size in head_sizes):
        raise ValueError("result.counts: a signed head covers the close's last step, no result")
    if results:
        result, last = results[0]["body"], objects[-1]["seq"] if objects else padding[0]
        if results[0]["seq"] != last + 1:
            raise ValueError("result.counts: the result is not right after the close's last step")
        expected_result = replay.result
        if not isinstance(result, dict) or set(result) != set(expected_result):
            raise ValueError(
                f"result.counts: the result's members are not {sorted(expected_result)}"
            )
        for k, v in expected_result.items():
            if canonical(result[k]) != canonical(v):
                raise ValueError(f"result.counts: {k} is not {v}")
    return {
        "round": replay.round,
        "done": replay.done,
        "rounds": [name for name, _ in replay.rounds],
        "result": replay.result if replay.done else None,
        "failures": list(replay.failures),
    }
