"""The browser bundle (honestballot/web/static/honestballot-crypto.js) against the Python code.

The Python code is the specification.  Every test runs the BUILT bundle under Node (one
``node`` process per test, many cases batched into it) through ``tests/web/js_driver.cjs``:

* the choices the device's ballot refuses, in Python's words;
* Merkle proofs and signed tree heads, hashing layout, canonical JSON, manifest hash;
* the board's keys (board key, witnesses and quorum, organiser's key) in the base hash, and
  the witnesses' co-signatures and their quorum, as the receipt page checks them;
* re-voting protection: credential seeds, activation codes and their `HB2-`/`HBL-` codes,
  the designated-verifier proofs, and registrations and ballots version 2 byte for byte
  Python's from the same draws (and from the CSPRNG, verified in Python); cast rows and
  their board entries read as the verifier reads them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from honestballot.crypto.elgamal import Ciphertext, encrypt
from honestballot.crypto.group import GENERATOR, IDENTITY, L, Point, Scalar, base_mul
from honestballot.crypto.hashing import (
    Part,
    canonical_json,
    hash_bytes,
    hash_to_point,
    hash_to_scalar,
)
from honestballot.crypto.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    TreeHead,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import (
    EncodingError,
    HonestBallotError,
    InvalidProof,
    LogError,
    RecordFormatError,
)
from honestballot.protocol.ballot import check_opening
from honestballot.protocol.ballot_v2 import BallotV2, verify_ballot_v2
from honestballot.protocol.credential_seed import generate_seed
from honestballot.protocol.election import ElectionContext, manifest_hash
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.protocol.verifier_key import prove_verifier_key
from honestballot.protocol.witnesses import (
    BoardKeys,
    board_keys_hash,
    check_quorum,
    cosign,
    schedule_part,
)
from honestballot.protocol.witnesses import Witness as NamedWitness
from honestballot.record.ballot import (
    opening_from_json,
)
from honestballot.record.codec import Reader
from honestballot.record.events import log_id, sign_tree_head, tree_head_from_json
from honestballot.record.manifest import manifest_from_json, manifest_to_json
from honestballot.record.revoting import ballot_v2_from_json
from honestballot.record.witness import (
    Cosignature,
    board_keys_from_setup,
    board_keys_to_json,
    cosignature_from_json,
    schedule_from_json,
    schedule_to_json,
    signature_to_json,
)
from honestballot.service.demo import demo_manifest
from tests.factories import SMALL_SCHEDULE

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "honestballot" / "web" / "static" / "honestballot-crypto.js"
DRIVER = Path(__file__).with_name("js_driver.cjs")
NODE_CANDIDATES = ("/usr/bin/node", "/usr/local/bin/node")

JsResult = dict[str, Any]


# --- running the bundle ----------------------------------------------------------------------


def _node() -> str:
    for candidate in (*NODE_CANDIDATES, shutil.which("node")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(
        "node is not installed, so the browser cryptography cannot be tested: "
        "install Node.js 20+ (apt-get install nodejs) so that /usr/bin/node exists",
        pytrace=False,
    )


def run_js(calls: Sequence[tuple[str, Sequence[Any]]]) -> list[JsResult]:
    """Run ``HonestBallot.<fn>(*args)`` for each call in one node process."""
    if not BUNDLE.is_file():
        pytest.fail(
            f"{BUNDLE} is missing: build it with `bash honestballot/web/js/build.sh`",
            pytrace=False,
        )
    payload = {"bundle": str(BUNDLE), "calls": [{"fn": f, "args": list(a)} for f, a in calls]}
    proc = subprocess.run(
        [_node(), str(DRIVER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"node failed ({proc.returncode}): {proc.stderr[-3000:]}"
    out = json.loads(proc.stdout)
    assert out["console"] == [], f"the bundle wrote to the console: {out['console']!r}"
    results: list[JsResult] = out["results"]
    assert len(results) == len(calls)
    return results


def ok(result: JsResult) -> Any:
    assert "ok" in result, f"JS threw {result.get('error')}"
    return result["ok"]


def err(result: JsResult) -> dict[str, str]:
    assert "error" in result, f"JS accepted what it should refuse (returned {result.get('ok')!r})"
    error: dict[str, str] = result["error"]
    return error


def js_one(fn: str, *args: Any) -> Any:
    return ok(run_js([(fn, args)])[0])


# --- elections ---------------------------------------------------------------------------------


def lab(en: str) -> Label:
    return Label(f"{en} (ru) ё", f"{en} (kk) ә", en)


def candidates(prefix: str, n: int) -> tuple[Option, ...]:
    return tuple(Option(f"{prefix}-{i}", lab(f"{prefix.title()} {i}")) for i in range(1, n + 1))


def one_contest_manifest(election_id: str, *contests: Contest) -> Manifest:
    return Manifest(election_id, lab("Election"), contests, (Unit("unit-1", lab("Unit 1")),), 1)


MANIFESTS: dict[str, Manifest] = {
    "demo": demo_manifest(),
    "multi": one_contest_manifest(
        "multi",
        Contest("board", lab("Board"), candidates("b", 5), 2, 3, False),
        Contest("mayor", lab("Mayor"), candidates("m", 2), 1, 1, False),
    ),
    "wide-against-all": one_contest_manifest(
        "wide",
        # max_selections > 3 takes Python's scale() branch for the exclusive weight.
        Contest("list", lab("List"), candidates("l", 7), 1, 5, True),
    ),
    "both-exclusive": one_contest_manifest(
        "both",
        Contest("q", lab("Question"), candidates("q", 4), 0, 2, True),
        Contest("solo", lab("Solo"), candidates("s", 1), 0, 1, False),
    ),
    # contests counted by the mix chain (protocol/mix.py) between summed ones: the ballot
    # is the same, the manifest hash gains "mix" for each mixed contest
    "mixed": one_contest_manifest(
        "mixed",
        Contest("mayor", lab("Mayor"), candidates("m", 3), 1, 1, True),
        Contest("leader", lab("Leader"), candidates("l", 4), 1, 1, False, count="mix"),
        Contest("council", lab("Council"), candidates("c", 5), 0, 3, True, count="mix"),
    ),
}

#: For each manifest, ballots as {contest: chosen option ids}.
SELECTIONS: dict[str, list[dict[str, list[str]]]] = {
    "demo": [
        {"chair": ["cand-2"], "council": ["member-1", "member-4", "member-6"]},
        {"chair": ["against-all"], "council": ["blank"]},
        {"chair": ["cand-5"], "council": ["member-3"]},
    ],
    "multi": [
        {"board": ["b-1", "b-5"], "mayor": ["m-2"]},
        {"board": ["b-2", "b-3", "b-4"], "mayor": ["m-1"]},
    ],
    "wide-against-all": [
        {"list": ["l-1", "l-2", "l-3", "l-4", "l-7"]},
        {"list": ["against-all"]},
        {"list": ["l-6"]},
    ],
    "both-exclusive": [
        {"q": ["blank"], "solo": ["s-1"]},
        {"q": ["against-all"], "solo": ["blank"]},
        {"q": ["q-1", "q-4"], "solo": ["s-1"]},
    ],
    "mixed": [
        {"mayor": ["m-2"], "leader": ["l-4"], "council": ["c-1", "c-3", "c-5"]},
        {"mayor": ["against-all"], "leader": ["l-1"], "council": ["blank"]},
        {"mayor": ["m-1"], "leader": ["l-2"], "council": ["against-all"]},
    ],
}


@dataclass(frozen=True)
class Election:
    ctx: ElectionContext
    context_json: dict[str, Any]
    election_key_hash: bytes
    board_keys: BoardKeys


def witness_secret(name: str) -> Scalar:
    return random_nonzero_scalar(SeededRandomness(f"web-witness/{name}"))


#: the witnesses of the "demo" election (two of three must co-sign), by name
WITNESS_NAMES = ("Observers' union", "Кандидат Б: штаб", "Team ә 😀")


def board_secret(seed: str) -> Scalar:
    return random_nonzero_scalar(SeededRandomness(f"web-board/{seed}"))


def organiser_key(seed: str) -> Point:
    return base_mul(random_nonzero_scalar(SeededRandomness(f"web-organiser/{seed}")))


def verifier_secret(seed: str) -> Scalar:
    """w of the service's designated-verifier key W of the board keys made with ``seed``."""
    return random_nonzero_scalar(SeededRandomness(f"web-verifier/{seed}"))


#: W -> w for every W the board keys below name (so an election can prove its W)
VERIFIER_SECRETS: dict[Point, Scalar] = {}


def make_board_keys(
    seed: str,
    witnesses: Sequence[str] = (),
    quorum: int = 0,
    *,
    organiser: bool = False,
    schedule: Schedule | None = None,
) -> BoardKeys:
    w = verifier_secret(seed)
    VERIFIER_SECRETS[base_mul(w)] = w
    return BoardKeys(
        base_mul(board_secret(seed)),
        tuple(NamedWitness(name, base_mul(witness_secret(name))) for name in witnesses),
        quorum,
        organiser_key(seed) if organiser else None,
        verifier_key=base_mul(w),
        schedule=schedule,
    )


def make_election(manifest: Manifest, seed: str, board_keys: BoardKeys | None = None) -> Election:
    rng = SeededRandomness(f"web-election/{seed}")
    public_key = base_mul(random_nonzero_scalar(rng))
    election_key_hash = rng.random_bytes(32)
    keys = board_keys or make_board_keys(seed)
    ctx = ElectionContext.create(manifest, public_key, election_key_hash, keys)
    w = VERIFIER_SECRETS[keys.verifier_key]
    proof = prove_verifier_key(ctx.base_hash, w, SeededRandomness(f"web-verifier-proof/{seed}"))
    # as GET /api/e/{id}/context gives it, without election_key_hash (tests add it where
    # the base hash is to be recomputed)
    context_json = {
        "election_id": manifest.election_id,
        "base_hash": ctx.base_hash.hex(),
        "public_key": public_key.hex(),
        "manifest": manifest_to_json(manifest),
        **board_keys_to_json(keys),
        "verifier_key_proof": signature_to_json(proof),
    }
    return Election(ctx, context_json, election_key_hash, keys)


def make_elections(schedule: Schedule | None) -> dict[str, Election]:
    """An election for each of MANIFESTS (the "demo" one with three witnesses, two of
    whom must co-sign, and the organiser's key), with ``schedule`` in its board keys."""
    found = {name: make_election(m, name, make_board_keys(name, schedule=schedule))
             for name, m in MANIFESTS.items()}  # fmt: skip
    found["demo"] = make_election(
        MANIFESTS["demo"],
        "demo",
        make_board_keys("demo", WITNESS_NAMES, 2, organiser=True, schedule=schedule),
    )
    return found


@pytest.fixture(scope="module")
def elections() -> dict[str, Election]:
    """The elections with re-voting protection (a batch schedule in their setup, as every
    election an organiser creates has), whose devices make ballots version 2."""
    return make_elections(SMALL_SCHEDULE)


def seed_of(name: str, election: Election) -> str:
    """A device's credential seed (hex) for ``election``, drawn from ``name``."""
    return generate_seed(SeededRandomness(name), election.ctx.base_hash).seed.hex()


def v2_ballot(election: Election, result: JsResult) -> BallotV2:
    """The ballot version 2 the bundle made, read and verified as the service does."""
    ballot = ballot_v2_from_json(ok(result)["ballot"])
    verify_ballot_v2(election.ctx, ballot)
    return ballot


def as_sets(selection: Mapping[str, Sequence[str]]) -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in selection.items()}


def flip_proof_byte(ballot: dict[str, Any]) -> dict[str, Any]:
    """A copy of a ballot JSON with the low byte of one option-proof challenge changed (it
    stays a canonical scalar, so only the proof check can notice)."""
    bad: dict[str, Any] = copy.deepcopy(ballot)
    c = bad["contests"][0]["option_proofs"][0]["c"][0]
    bad["contests"][0]["option_proofs"][0]["c"][0] = f"{int(c[:2], 16) ^ 1:02x}{c[2:]}"
    return bad


# --- 1. the choices ---------------------------------------------------------------------------


def test_invalid_selections_are_refused_before_encrypting(
    elections: dict[str, Election],
) -> None:
    """The device's ballot version 2 refuses a choice the manifest does not allow, in
    Python's words, before anything is encrypted."""
    demo = _bound(elections["demo"])
    multi = _bound(elections["multi"])
    code = seed_of("voter/refused", elections["demo"])
    bad: list[tuple[dict[str, Any], Any, str]] = [
        (demo, {"chair": ["cand-1", "cand-2"], "council": ["blank"]}, "over-vote"),
        (demo, {"chair": ["cand-1", "against-all"], "council": ["blank"]}, "cannot be combined"),
        (demo, {"chair": ["cand-1"], "council": []}, "choose 'blank' to abstain"),
        (demo, {"chair": ["cand-1"], "council": ["blank", "member-1"]}, "cannot be combined"),
        (demo, {"chair": ["nobody"], "council": ["blank"]}, "unknown option"),
        (demo, {"chair": ["cand-1"]}, "no choice given for contest council"),
        (demo, {"chair": ["cand-1"], "council": ["blank"], "extra": ["x"]}, "unknown contest"),
        (demo, {"chair": "cand-1", "council": ["blank"]}, "list of option ids"),
        (multi, {"board": ["b-1"], "mayor": ["m-1"]}, "at least 2 required"),
        (multi, {"board": ["b-1", "b-2"], "mayor": ["blank"]}, "unknown option"),
    ]
    results = run_js([("revoting.encryptBallot", [ctx, sel, code]) for ctx, sel, _ in bad])
    for (_, sel, expected), result in zip(bad, results, strict=True):
        assert expected in err(result)["message"], sel
    # A context whose manifest names another election is refused.
    wrong = dict(demo, election_id="other")
    refused = run_js([("revoting.encryptBallot", [wrong, SELECTIONS["demo"][0], code])])[0]
    assert "differs" in err(refused)["message"]


# --- 2. Merkle proofs and tree heads ---------------------------------------------------------


def _tree(size: int) -> MerkleTree:
    return MerkleTree.from_entries(f"entry {i}".encode() for i in range(size))


def _python_accepts(check: Callable[..., None], *args: Any) -> bool:
    try:
        check(*args)
    except LogError:
        return False
    return True


def _assert_agree(
    name: str, check: Callable[..., None], cases: list[tuple[tuple[Any, ...], bool | None]]
) -> None:
    """Run each case in JS and in Python; both must agree, and with ``expected`` if given
    (``None``: a mutated case that may happen to be valid)."""
    calls: list[tuple[str, Sequence[Any]]] = [
        (name, [a.hex() if isinstance(a, bytes) else a for a in _hexed(args)]) for args, _ in cases
    ]
    results = run_js(calls)
    accepted = 0
    for (args, expected), result in zip(cases, results, strict=True):
        python_ok = _python_accepts(check, *args)
        if expected is not None:
            assert python_ok == expected, (name, args)
        if python_ok:
            accepted += 1
            assert ok(result) is True, (name, args)
        else:
            assert err(result)["name"] == "LogError", (name, args)
    assert 0 < accepted < len(cases)


def _hexed(args: tuple[Any, ...]) -> list[Any]:
    return [[p.hex() for p in a] if isinstance(a, list) else a for a in args]


def test_inclusion_proofs_agree() -> None:
    tree = _tree(130)
    cases: list[tuple[tuple[Any, ...], bool | None]] = []
    for size in [*range(1, 34), 63, 64, 65, 100, 127, 128, 129, 130]:
        root = tree.root(size)
        indices = sorted({0, size - 1, size // 2, (size * 2) // 3})
        for index in indices:
            cases.append(
                ((tree.leaf(index), index, size, tree.inclusion_proof(index, size), root), True)
            )
        index = indices[-1]
        proof = tree.inclusion_proof(index, size)
        leaf = tree.leaf(index)
        cases += [
            ((leaf, index, size, proof, bytes(32)), False),  # wrong root
            ((bytes(32), index, size, proof, root), False),  # wrong leaf
            ((leaf, index, size + 1, proof, root), None),  # wrong size (may share the path)
            ((leaf, size, size, proof, root), False),  # index out of range
            ((leaf, index, size, [*proof, bytes(32)], root), False),  # too long
        ]
        if proof:
            flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
            cases += [
                ((leaf, index, size, proof[:-1], root), False),  # too short
                ((leaf, index, size, flipped, root), False),
                ((leaf, index - 1 if index else 1, size, proof, root), False),  # wrong index
            ]
    _assert_agree("verifyInclusion", verify_inclusion, cases)
    results = run_js(
        [
            ("leafHash", [b"entry 7".hex()]),
            ("verifyInclusion", ["00" * 31, 0, 1, [], "00" * 32]),
            ("verifyInclusion", ["00" * 32, 0, 1, ["zz" * 32], "00" * 32]),
        ]
    )
    assert ok(results[0]) == leaf_hash(b"entry 7").hex()
    assert err(results[1])["name"] == "EncodingError"
    assert err(results[2])["name"] == "EncodingError"


def test_consistency_proofs_agree() -> None:
    tree = _tree(70)
    cases: list[tuple[tuple[Any, ...], bool | None]] = []
    pairs = [(m, n) for n in range(1, 18) for m in range(1, n + 1)]
    pairs += [(m, n) for n in (31, 32, 33, 64, 70) for m in (1, 7, 16, 31, 32, n - 1, n) if m <= n]
    for m, n in pairs:
        proof = tree.consistency_proof(m, n)
        old, new = tree.root(m), tree.root(n)
        cases += [
            ((m, n, old, new, proof), True),
            ((m, n, bytes(32), new, proof), False),  # wrong old root
            ((m, n, old, bytes(32), proof), False),  # wrong new root
        ]
        if m != n:
            cases += [
                ((m, n, old, new, proof[:-1]), False),  # too short
                ((m, n, old, new, [*proof, proof[0]]), False),  # too long
                ((n, m, new, old, proof), False),  # sizes swapped
                ((m, n + 1, old, new, proof), None),  # wrong new size
                ((m + 1, n, old, new, proof), None),  # wrong old size
            ]
    cases += [
        ((0, 0, EMPTY_ROOT, EMPTY_ROOT, []), True),
        ((0, 5, EMPTY_ROOT, tree.root(5), []), False),
        ((0, 0, bytes(32), bytes(32), []), False),
        ((3, 3, tree.root(3), tree.root(3), [tree.root(3)]), False),
    ]
    _assert_agree("verifyConsistency", verify_consistency, cases)


def test_tree_heads_agree() -> None:
    rng = SeededRandomness("board")
    secret = random_nonzero_scalar(rng)
    board_key = base_mul(secret)
    tree = _tree(41)
    election_id = "demo-primary"
    heads = [
        sign_tree_head(
            TreeHead(n, tree.root(n), 1_760_000_000_000 + n), election_id, secret, board_key, rng
        )
        for n in (0, 1, 2, 17, 40)
    ]
    calls: list[tuple[str, Sequence[Any]]] = []
    expect: list[bool] = []
    for sth in heads:
        good = sth.to_json()
        sth.verify(election_id, board_key)
        calls += [
            ("verifyTreeHead", [good, election_id, board_key.hex()]),
            ("verifyTreeHead", [json.dumps(good), election_id, board_key.hex()]),
        ]
        expect += [True, True]
        variants: list[dict[str, Any]] = []
        for key, value in (
            ("size", good["size"] + 1),
            ("root", tree.root(good["size"] + 1).hex()),
            ("timestamp_ms", good["timestamp_ms"] + 1),
            (
                "signature",
                {
                    "c": good["signature"]["c"],
                    "s": (Scalar.decode(bytes.fromhex(good["signature"]["s"])) + Scalar(1)).hex(),
                },
            ),
            ("signature", {"c": good["signature"]["s"], "s": good["signature"]["c"]}),
            ("type", "event"),
        ):
            variants.append(dict(good, **{key: value}))
        variants.append(dict(good, extra=1))
        for v in variants:
            calls.append(("verifyTreeHead", [v, election_id, board_key.hex()]))
            expect.append(False)
        calls.append(("verifyTreeHead", [good, "another-election", board_key.hex()]))
        calls.append(("verifyTreeHead", [good, election_id, GENERATOR.hex()]))
        calls.append(("verifyTreeHead", [good, election_id, IDENTITY.hex()]))
        expect += [False, False, False]
    results = run_js(calls)
    for call, good_call, result in zip(calls, expect, results, strict=True):
        if good_call:
            assert ok(result) is True, call
        else:
            assert err(result)["name"] in {
                "InvalidProof",
                "LogError",
                "RecordFormatError",
                "EncodingError",
            }, call


# --- 3. the board's keys and the witnesses' co-signatures -------------------------------------


def _bound(election: Election, **changes: Any) -> dict[str, Any]:
    """The election's context with ``election_key_hash`` (so the bundle recomputes the
    base hash from the board's keys too), with ``changes`` applied (None: drop the key)."""
    out = dict(election.context_json, election_key_hash=election.election_key_hash.hex())
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _board_keys_parts(keys: BoardKeys) -> list[Part]:
    """board_keys_hash's parts, as voter.js lays them out for HB.primitives.hashBytes."""
    witnesses: list[Part] = [[w.name, w.key] for w in keys.witnesses]
    organiser: Part = keys.organiser_key if keys.organiser_key is not None else b""
    return [
        keys.board_key, witnesses, keys.quorum, organiser, keys.verifier_key,
        schedule_part(keys.schedule),
    ]  # fmt: skip


BOARD_KEY_VARIANTS: dict[str, BoardKeys] = {
    "board key only": make_board_keys("variant-0"),
    "organiser only": make_board_keys("variant-1", organiser=True),
    "one witness": make_board_keys("variant-2", WITNESS_NAMES[1:2], 1),
    "witnesses and organiser": make_board_keys("variant-3", WITNESS_NAMES, 2, organiser=True),
    "all must co-sign": make_board_keys("variant-4", WITNESS_NAMES, 3),
    "the most witnesses": make_board_keys(
        "variant-5", [f"witness {i:02d} " + "ё" * 80 for i in range(32)], 17, organiser=True
    ),
    "a batch schedule": make_board_keys(
        "variant-6",
        WITNESS_NAMES[:1],
        1,
        schedule=Schedule(60, ((40, 20), (5000, 1)), cover=Cover(300, 100)),
    ),
    # the cover's K0 and epsilon are bound too (docs/coercion.md §4)
    "a schedule with another cover": make_board_keys(
        "variant-7",
        WITNESS_NAMES[:1],
        1,
        schedule=Schedule(60, ((40, 20), (5000, 1)), cover=Cover(600, 25)),
    ),
}


def test_board_keys_hash_and_base_hash_agree() -> None:
    calls: list[tuple[str, Sequence[Any]]] = []
    for keys in BOARD_KEY_VARIANTS.values():
        as_json = board_keys_to_json(keys)
        calls += [
            ("boardKeysHash", [as_json]),
            ("boardKeysHash", [json.dumps(as_json)]),
            ("primitives.hashBytes", ["election/board-keys", _typed(_board_keys_parts(keys))["L"]]),
        ]
    results = run_js(calls)
    for i, (name, keys) in enumerate(BOARD_KEY_VARIANTS.items()):
        want = board_keys_hash(keys).hex()
        assert [ok(r) for r in results[3 * i : 3 * i + 3]] == [want] * 3, name

    # the base hash over every variant, for the same manifest and election key
    manifest = MANIFESTS["multi"]
    selection = SELECTIONS["multi"][0]
    variants = [make_election(manifest, "multi", keys) for keys in BOARD_KEY_VARIANTS.values()]
    calls = []
    for election in variants:
        base_parts: list[Part] = [
            manifest_hash(manifest),
            election.election_key_hash,
            election.ctx.public_key,
            board_keys_hash(election.board_keys),
        ]
        seed = seed_of("voter/board-keys", election)
        calls += [
            ("primitives.hashBytes", ["election/base", [_typed(p) for p in base_parts]]),
            ("revoting.encryptBallot", [_bound(election), selection, seed]),
        ]
    results = run_js(calls)
    for i, election in enumerate(variants):
        assert ok(results[2 * i]) == election.ctx.base_hash.hex()
        # bound to the base hash with these board keys
        v2_ballot(election, results[2 * i + 1])
    assert len({e.ctx.base_hash for e in variants}) == len(variants)


def test_the_context_base_hash_binds_the_board_keys(elections: dict[str, Election]) -> None:
    demo = elections["demo"]
    keys = board_keys_to_json(demo.board_keys)
    witnesses: list[dict[str, str]] = keys["witnesses"]
    renamed = [dict(witnesses[0], name="Someone else"), *witnesses[1:]]
    stranger = {"name": "Stranger", "key": base_mul(witness_secret("stranger")).hex()}
    changed: list[dict[str, Any]] = [
        {"witness_quorum": 3},  # a server changing the quorum
        {"witnesses": witnesses[:2]},  # dropping a witness (2 of 2 would be valid)
        {"witnesses": [witnesses[1], witnesses[0], witnesses[2]]},  # the order is bound
        {"witnesses": [*witnesses[:2], stranger]},  # another witness's key
        {"witnesses": renamed},
        {"organiser_key": None},
        {"organiser_key": organiser_key("someone else").hex()},
        {"board_key": base_mul(board_secret("someone else")).hex()},
        {"verifier_key": base_mul(verifier_secret("someone else")).hex()},
    ]
    other_schedule = replace(SMALL_SCHEDULE, hours=((9, 4),))
    changed.append({"schedule": schedule_to_json(other_schedule)})  # the batch schedule
    changed.append({"schedule": None})  # protection dropped
    code = seed_of("voter/bound", demo)
    selection = SELECTIONS["demo"][0]
    contexts = [_bound(demo), *(_bound(demo, **c) for c in changed)]
    results = run_js([("revoting.encryptBallot", [c, selection, code]) for c in contexts])
    v2_ballot(demo, results[0])
    for change, result in zip(changed, results[1:], strict=True):
        assert "base_hash does not match" in err(result)["message"], change
    # a server lowering the quorum below a majority: refused before any hash
    lowered = run_js(
        [("revoting.encryptBallot", [_bound(demo, witness_quorum=1), selection, code])]
    )
    assert "more than half of the 3 witnesses" in err(lowered[0])["message"]
    # an election without an organiser's key: adding one changes the base hash too
    multi = elections["multi"]
    added = _bound(multi, organiser_key=organiser_key("multi").hex())
    result = run_js([("revoting.encryptBallot", [added, SELECTIONS["multi"][0], code])])[0]
    assert "base_hash does not match" in err(result)["message"]


def test_the_context_yields_w_only_with_its_proof(elections: dict[str, Election]) -> None:
    """The service's designated-verifier key W (docs/coercion.md §7): the bundle refuses a
    context whose W's proof of knowledge fails, whose W is the identity, or whose W was
    swapped after the proof was made (the base hash recomputed for the new W: the proof
    is for the old W and the old base hash), and every re-voting function takes W from the
    context alone."""
    demo = elections["demo"]
    code = seed_of("voter/w", demo)
    selection = SELECTIONS["demo"][0]
    proof = demo.context_json["verifier_key_proof"]
    s = Scalar.decode(bytes.fromhex(proof["s"]))
    bad_proof = {"c": proof["c"], "s": (s + Scalar.of(1)).hex()}
    other_w = verifier_secret("swapped")
    VERIFIER_SECRETS[base_mul(other_w)] = other_w
    swapped = make_election(
        MANIFESTS["demo"], "demo", replace(demo.board_keys, verifier_key=base_mul(other_w))
    )
    swapped_context = dict(_bound(swapped), verifier_key_proof=proof)
    encrypt = "revoting.encryptBallot"
    results = run_js(
        [
            (encrypt, [_bound(demo), selection, code]),
            (encrypt, [_bound(demo, verifier_key_proof=bad_proof), selection, code]),
            (encrypt, [swapped_context, selection, code]),
            (encrypt, [_bound(demo, verifier_key=IDENTITY.hex()), selection, code]),
            (encrypt, [_bound(demo, verifier_key_proof=None), selection, code]),
        ]
    )
    v2_ballot(demo, results[0])
    for result in results[1:3]:
        assert err(result)["name"] == "InvalidProof"
        assert "designated-verifier key W: its proof of knowledge of w" in err(result)["message"]
    assert "verifier_key" in err(results[3])["message"]
    assert "verifier_key_proof" in err(results[4])["message"]


def _python_board_keys(value: Any) -> BoardKeys:
    r = Reader(value, "board keys")
    keys = board_keys_from_setup(r)
    r.done()
    return keys


def test_malformed_board_keys_are_refused_as_python_refuses_them() -> None:
    good = board_keys_to_json(BOARD_KEY_VARIANTS["witnesses and organiser"])
    witnesses: list[dict[str, str]] = good["witnesses"]
    board, organiser = good["board_key"], good["organiser_key"]
    bad: list[dict[str, Any]] = [
        dict(good, witness_quorum=4),  # more than the witnesses named
        dict(good, witness_quorum=0),  # witnesses named, nobody needs to co-sign
        dict(good, witness_quorum=-1),
        dict(good, witness_quorum=33),
        dict(good, witness_quorum=True),
        dict(good, witness_quorum="2"),
        dict(good, witnesses=[*witnesses, witnesses[0]]),  # twice the same
        dict(good, witnesses=[*witnesses, dict(witnesses[0], key=GENERATOR.hex())]),  # name
        dict(good, witnesses=[*witnesses, dict(witnesses[0], name="x")]),  # key
        dict(good, witnesses=[*witnesses[:2], dict(witnesses[2], key=board)]),
        dict(good, witnesses=[*witnesses[:2], dict(witnesses[2], key=organiser)]),
        dict(good, witnesses=[*witnesses[:2], dict(witnesses[2], key=IDENTITY.hex())]),
        dict(good, witnesses=[*witnesses[:2], dict(witnesses[2], name=" \t\u3000")]),
        dict(good, witnesses=[*witnesses[:2], dict(witnesses[2], name="x" * 101)]),
        dict(good, witnesses=[*witnesses[:2], dict(witnesses[2], note="x")]),
        dict(good, witnesses=[*witnesses[:2], {"name": "x"}]),
        dict(good, witnesses=[*witnesses[:2], [witnesses[2]["name"], witnesses[2]["key"]]]),
        dict(good, witnesses={"a": witnesses[0]}),
        dict(good, organiser_key=board),
        dict(good, verifier_key=board),  # W its own key
        dict(good, verifier_key=organiser),
        dict(good, verifier_key=IDENTITY.hex()),
        dict(good, witnesses=[*witnesses[:2], dict(witnesses[2], key=good["verifier_key"])]),
        {k: v for k, v in good.items() if k != "verifier_key"},
        dict(good, organiser_key=IDENTITY.hex()),
        dict(good, board_key=IDENTITY.hex()),
        dict(good, board_key=board.upper()),
        dict(good, extra=1),
        {k: v for k, v in good.items() if k != "witness_quorum"},
        {k: v for k, v in good.items() if k != "witnesses"},
        {k: v for k, v in good.items() if k != "board_key"},
        dict(  # more witnesses than a setup may name
            good,
            witnesses=[
                {"name": f"w{i}", "key": base_mul(witness_secret(f"w{i}")).hex()} for i in range(33)
            ],
        ),
    ]
    results = run_js([("boardKeysHash", [b]) for b in bad])
    for value, result in zip(bad, results, strict=True):
        with pytest.raises(RecordFormatError):
            _python_board_keys(value)
        assert err(result)["name"] in {"RecordFormatError", "EncodingError"}, value
    # and the good ones pass both
    for keys in BOARD_KEY_VARIANTS.values():
        assert _python_board_keys(board_keys_to_json(keys)) == keys


@dataclass(frozen=True)
class Witnessed:
    """Signed tree heads of the demo election and the witnesses' co-signatures."""

    election: Election
    heads: list[dict[str, Any]]
    #: head index -> witness name -> co-signature line
    cosigs: list[dict[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def witnessed(elections: dict[str, Election]) -> Witnessed:
    election = elections["demo"]
    eid = election.ctx.manifest.election_id
    rng = SeededRandomness("cosign")
    tree = _tree(20)
    heads: list[dict[str, Any]] = []
    cosigs: list[dict[str, dict[str, Any]]] = []
    secret = board_secret("demo")
    for n in (0, 7, 19):
        sth = sign_tree_head(
            TreeHead(n, tree.root(n), 1_760_000_000_000 + n),
            eid,
            secret,
            election.board_keys.board_key,
            rng,
        )
        heads.append(sth.to_json())
        by_name: dict[str, dict[str, Any]] = {}
        for w in election.board_keys.witnesses:
            when = 1_760_000_000_500 + n
            sig = cosign(
                election.ctx.base_hash,
                sth.head,
                log_id(eid),
                when,
                witness_secret(w.name),
                w.key,
                rng,
            )
            cosig = Cosignature(sth.head, w.key, when, sig)
            cosig.verify(election.ctx.base_hash, eid, election.board_keys)
            by_name[w.name] = cosig.to_json()
        cosigs.append(by_name)
    return Witnessed(election, heads, cosigs)


def _python_witnessed(election: Election, head: Any, cosignatures: Any) -> bool:
    """Python's verdict on a witnessed head, by the rule the receipt page applies: the board
    signed it; every co-signature is for exactly it, by a distinct named witness, valid;
    at least the quorum."""
    eid = election.ctx.manifest.election_id
    try:
        sth = tree_head_from_json(head, "tree head")
        sth.verify(eid, election.board_keys.board_key)
        parsed = [cosignature_from_json(c, "co-signature") for c in cosignatures]
        for c in parsed:
            if c.head != sth.head:
                return False
            c.verify(election.ctx.base_hash, eid, election.board_keys)
        if len({c.witness for c in parsed}) != len(parsed):
            return False
        check_quorum(election.board_keys, [c.witness for c in parsed], "tree head")
    except HonestBallotError:
        return False
    return True


def _changed(cosig: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(cosig), **changes}


def test_python_cosignatures_verify_in_js(witnessed: Witnessed) -> None:
    election = witnessed.election
    context = _bound(election)
    calls: list[tuple[str, Sequence[Any]]] = []
    for by_name in witnessed.cosigs:
        for cosig in by_name.values():
            calls += [
                ("verifyCosignature", [cosig, context]),
                ("verifyCosignature", [json.dumps(cosig), json.dumps(context)]),
            ]
    results = run_js(calls)
    assert all(ok(r) is True for r in results)

    a, b, _ = WITNESS_NAMES
    good = witnessed.cosigs[1][a]
    s = good["signature"]
    stranger_secret = witness_secret("stranger")
    head = tree_head_from_json(witnessed.heads[1], "tree head").head
    eid = election.ctx.manifest.election_id
    rng = SeededRandomness("cosign/bad")

    def signed(base_hash: bytes, log: bytes, secret: Scalar, key: Point) -> dict[str, Any]:
        sig = cosign(base_hash, head, log, good["witnessed_ms"], secret, key, rng)
        return Cosignature(head, key, good["witnessed_ms"], sig).to_json()

    a_secret = witness_secret(a)
    a_key = base_mul(a_secret)
    bad: list[tuple[dict[str, Any], str]] = [
        (_changed(good, witnessed_ms=good["witnessed_ms"] + 1), "does not verify"),
        (_changed(good, timestamp_ms=good["timestamp_ms"] + 1), "does not verify"),
        (_changed(good, size=good["size"] + 1), "does not verify"),
        (_changed(good, root=witnessed.heads[2]["root"]), "does not verify"),
        (
            _changed(
                good,
                signature={
                    "c": s["c"],
                    "s": (Scalar.decode(bytes.fromhex(s["s"])) + Scalar(1)).hex(),
                },
            ),
            "does not verify",
        ),
        (_changed(good, signature={"c": s["s"], "s": s["c"]}), "does not verify"),
        # a's signature presented as b's
        (_changed(good, witness=witnessed.cosigs[1][b]["witness"]), "does not verify"),
        # a valid signature by a key the setup does not name
        (
            signed(election.ctx.base_hash, log_id(eid), stranger_secret, base_mul(stranger_secret)),
            "not the key of a witness",
        ),
        # a's key, but for another election (its base hash) or another log
        (signed(bytes(32), log_id(eid), a_secret, a_key), "does not verify"),
        (signed(election.ctx.base_hash, log_id("other"), a_secret, a_key), "does not verify"),
        (_changed(good, type="tree-head"), "expected a cosignature"),
        (_changed(good, note="x"), "unexpected field"),
        (_changed(good, witness=IDENTITY.hex()), "identity"),
    ]
    for cosig, _ in bad:
        with pytest.raises(HonestBallotError):
            parsed = cosignature_from_json(cosig, "co-signature")
            parsed.verify(election.ctx.base_hash, eid, election.board_keys)
    results = run_js([("verifyCosignature", [cosig, context]) for cosig, _ in bad])
    for (cosig, expected), result in zip(bad, results, strict=True):
        assert expected in err(result)["message"], (expected, cosig)
    # the board's keys come from a context whose base hash binds them
    unbound = dict(election.context_json)
    lowered = _bound(election, witness_quorum=3)
    results = run_js(
        [("verifyCosignature", [good, unbound]), ("verifyCosignature", [good, lowered])]
    )
    assert "election_key_hash" in err(results[0])["message"]
    assert "base_hash does not match" in err(results[1])["message"]


def test_the_quorum_is_checked_as_python_checks_it(
    witnessed: Witnessed, elections: dict[str, Election]
) -> None:
    election = witnessed.election
    context = _bound(election)
    a, b, c = WITNESS_NAMES
    head0, head1, head2 = witnessed.heads
    at1 = witnessed.cosigs[1]
    forged = _changed(at1[b], witnessed_ms=at1[b]["witnessed_ms"] + 1)
    bad_board = dict(head1, timestamp_ms=head1["timestamp_ms"] + 1)
    cases: list[tuple[dict[str, Any], list[dict[str, Any]], bool, str]] = [
        (head1, [at1[a], at1[b]], True, ""),
        (head1, [at1[c], at1[a]], True, ""),
        (head1, [at1[a], at1[b], at1[c]], True, ""),
        (head0, [witnessed.cosigs[0][b], witnessed.cosigs[0][c]], True, ""),
        (head1, [at1[a]], False, "co-signed by 1 of the witnesses, the setup asks for 2"),
        (head1, [], False, "co-signed by 0 of the witnesses, the setup asks for 2"),
        (head1, [at1[a], at1[a]], False, "twice"),  # one witness counted twice
        (head1, [at1[a], forged], False, "does not verify"),
        (head1, [at1[a], at1[b], forged], False, "does not verify"),  # every one must hold
        (head1, [at1[a], witnessed.cosigs[2][b]], False, "another tree head"),
        (head2, [at1[a], at1[b]], False, "another tree head"),
        (bad_board, [at1[a], at1[b]], False, "Schnorr proof does not verify"),
    ]
    calls: list[tuple[str, Sequence[Any]]] = [
        ("verifyWitnessedHead", [head, cosigs, context]) for head, cosigs, _, _ in cases
    ]
    calls += [
        ("verifyWitnessedHead", [json.dumps(head1), json.dumps([at1[a], at1[b]]), context]),
        ("verifyWitnessedHead", [head1, [at1[a], at1[b]], dict(election.context_json)]),
        ("verifyWitnessedHead", [head1, [at1[a]], _bound(election, witness_quorum=3)]),
        ("verifyWitnessedHead", [head1, {"0": at1[a]}, context]),
        ("verifyWitnessedHead", [head1, [at1[a]] * 33, context]),
    ]
    # an election without witnesses: its heads need no co-signature, and take none
    multi = elections["multi"]
    multi_head = sign_tree_head(
        tree_head_from_json(head1, "tree head").head,
        multi.ctx.manifest.election_id,
        board_secret("multi"),
        multi.board_keys.board_key,
        SeededRandomness("multi-head"),
    ).to_json()
    calls += [
        ("verifyWitnessedHead", [multi_head, [], _bound(multi)]),
        ("verifyWitnessedHead", [multi_head, [at1[a]], _bound(multi)]),
    ]
    results = run_js(calls)
    for (head, cosigs, expected, message), result in zip(cases, results[: len(cases)], strict=True):
        assert _python_witnessed(election, head, cosigs) == expected, message
        if expected:
            assert ok(result) is True
        else:
            assert message in err(result)["message"], message
            assert err(result)["name"] in {"InvalidProof", "LogError"}, message
    extra = results[len(cases) :]
    assert ok(extra[0]) is True
    assert "election_key_hash" in err(extra[1])["message"]
    assert "base_hash does not match" in err(extra[2])["message"]  # no lowering the quorum
    assert err(extra[3])["name"] == "RecordFormatError"
    assert err(extra[4])["name"] == "RecordFormatError"
    assert ok(extra[5]) is True
    assert "not the key of a witness" in err(extra[6])["message"]


# --- 4. hashing layout, canonical JSON, manifest hash ----------------------------------------


def _typed(part: Part) -> Any:
    if isinstance(part, Point):
        return {"P": part.hex()}
    if isinstance(part, Scalar):
        return {"S": part.hex()}
    if isinstance(part, bytes):
        return {"B": part.hex()}
    if isinstance(part, str):
        return {"T": part}
    if isinstance(part, int):
        return {"I": str(part)}
    return {"L": [_typed(p) for p in part]}


HASH_VECTORS: list[tuple[str, tuple[Part, ...]]] = [
    ("t", ()),
    ("ballot/option", (b"", "", 0, [])),
    ("manifest", (GENERATOR, IDENTITY, Scalar(0), Scalar(L - 1), Scalar(5))),
    ("x", (b"\x00\x01\xff" * 50, "Против всех ә 😀", -7, 2**70, -(2**80))),
    ("nested", ([1, [b"x", ["y", [Scalar(3), [GENERATOR]]]], ()], ("a", "b"))),
    ("ballot/selection", (bytes(32), base_mul(Scalar(12345)), "contest", (1, 2, 3))),
]


def test_hashing_vectors_agree() -> None:
    calls: list[tuple[str, Sequence[Any]]] = []
    for tag, parts in HASH_VECTORS:
        typed = [_typed(p) for p in parts]
        calls += [
            ("primitives.hashBytes", [tag, typed]),
            ("primitives.hashToScalar", [tag, typed]),
            ("primitives.hashToPoint", [tag, typed]),
        ]
    results = run_js(calls)
    for i, (tag, parts) in enumerate(HASH_VECTORS):
        hb, hs, hp = results[3 * i : 3 * i + 3]
        assert ok(hb) == hash_bytes(tag, *parts).hex(), tag
        assert ok(hs) == hash_to_scalar(tag, *parts).hex(), tag
        assert ok(hp) == hash_to_point(tag, *parts).hex(), tag


CANONICAL_VALUES: list[Any] = [
    {"b": 1, "a": [True, False, None, -3, 0, 2**53 - 1]},
    {"é": "ё", "z": '\u0000\u001f\u007f\u2028"\\/\n\r\t\b\f', "😀": {"\uffff": "𝄞"}},
    {"\ue000": 1, "\U0001f600": 2, "a": {"": []}},
    [],
    "plain",
]


def test_canonical_json_and_manifest_hash_agree() -> None:
    calls: list[tuple[str, Sequence[Any]]] = [("canonicalJson", [v]) for v in CANONICAL_VALUES]
    calls += [("manifestHash", [manifest_to_json(m)]) for m in MANIFESTS.values()]
    calls += [("contestOptions", [manifest_to_json(MANIFESTS["both-exclusive"])])]
    calls += [("canonicalJson", [{"x": 1.5}])]
    results = run_js(calls)
    n = len(CANONICAL_VALUES)
    for value, result in zip(CANONICAL_VALUES, results[:n], strict=True):
        assert ok(result).encode() == canonical_json(value)
    for m, result in zip(MANIFESTS.values(), results[n : n + len(MANIFESTS)], strict=True):
        assert ok(result) == manifest_hash(m).hex()
    options = ok(results[-2])
    q = MANIFESTS["both-exclusive"].contests[0]
    assert [o["id"] for o in options[0]["options"]] == [o.id for o in q.options]
    assert [o["exclusive"] for o in options[0]["options"]] == [o.exclusive for o in q.options]
    assert options[0]["options"][-1]["label"]["en"] == "Blank vote"
    assert "float" in err(results[-1])["message"] or "integer" in err(results[-1])["message"]


def test_mixed_contests_hash_and_encrypt_as_in_python(elections: dict[str, Election]) -> None:
    """A manifest's optional ``count``: JS reads it as Python does, hashes a mixed contest
    with its seventh part, so the ballot page's fingerprint check (the base hash
    recomputed from the manifest) passes, and its ballots verify in Python."""
    mixed = elections["mixed"]
    manifest = MANIFESTS["mixed"]
    as_json = manifest_to_json(manifest)
    assert [c.get("count") for c in as_json["contests"]] == [None, "mix", "mix"]
    summed = Manifest(
        manifest.election_id,
        manifest.title,
        tuple(replace(c, count="sum") for c in manifest.contests),
        manifest.units,
        manifest.min_unit_size,
    )
    assert manifest_hash(summed) != manifest_hash(manifest)
    explicit_sum = copy.deepcopy(as_json)
    explicit_sum["contests"][0]["count"] = "sum"  # read, and hashed as if absent
    unknown = copy.deepcopy(as_json)
    unknown["contests"][1]["count"] = "tally"
    not_text = copy.deepcopy(as_json)
    not_text["contests"][1]["count"] = 1
    too_long = copy.deepcopy(as_json)
    too_long["contests"][1]["count"] = "m" * 17
    refused = [unknown, not_text, too_long]
    for bad in refused:
        with pytest.raises(RecordFormatError) as py_error:
            manifest_from_json(bad)
        bad["python"] = str(py_error.value)
    code = seed_of("voter/mixed", mixed)
    selection = SELECTIONS["mixed"][0]
    bound = _bound(mixed)
    as_summed = copy.deepcopy(bound)
    as_summed["manifest"] = manifest_to_json(summed)
    calls: list[tuple[str, Sequence[Any]]] = [
        ("manifestHash", [as_json]),
        ("manifestHash", [manifest_to_json(summed)]),
        ("manifestHash", [explicit_sum]),
        ("contestOptions", [as_json]),
        *[("manifestHash", [{k: v for k, v in bad.items() if k != "python"}]) for bad in refused],
        ("revoting.encryptBallot", [bound, selection, code]),
        ("revoting.encryptBallot", [as_summed, selection, code]),
    ]
    results = run_js(calls)
    assert ok(results[0]) == manifest_hash(manifest).hex()
    assert ok(results[1]) == manifest_hash(summed).hex() != ok(results[0])
    assert ok(results[2]) == manifest_hash(manifest_from_json(explicit_sum)).hex()
    assert ok(results[2]) == ok(results[0])
    assert [c["id"] for c in ok(results[3])] == ["mayor", "leader", "council"]
    for bad, result in zip(refused, results[4:7], strict=True):
        assert err(result) == {"name": "RecordFormatError", "message": bad["python"]}
    ballot = v2_ballot(mixed, results[7])
    opening = opening_from_json(ok(results[7])["opening"])
    assert check_opening(mixed.ctx, ballot, opening) == as_sets(selection)
    # the same manifest with its contests summed is another election: the page refuses it
    assert "base_hash does not match" in err(results[8])["message"]


def test_revoting_derivations_and_codes_agree_with_the_vectors() -> None:
    vectors = json.loads((REPO / "tests" / "vectors" / "coercion-v3.json").read_text("utf-8"))
    base = vectors["base_hash"]
    calls: list[tuple[str, Sequence[Any]]] = []
    for c in vectors["credentials"]:
        calls += [("revoting.seed", [c["seed"], base]), ("revoting.seedFromCode", [c["code"]])]
    for letter in vectors["letters"]:
        calls += [
            ("revoting.letter", [letter["secret"], base]),
            ("revoting.letterFromCode", [letter["code"].lower()]),
        ]
    results = iter(run_js(calls))
    for c in vectors["credentials"]:
        assert ok(next(results)) == {
            "signing_scalar": c["signing_scalar"]["value"],
            "voting_point": c["voting_point"],
            "tag_secret": c["tag_secret"]["value"],
            "tag_point": c["tag_point"]["value"],
            "code": c["code"],
        }
        assert ok(next(results)) == c["seed"]
    for letter in vectors["letters"]:
        assert ok(next(results)) == {
            "handle": letter["handle"]["value"],
            "activation_scalar": letter["activation_scalar"]["value"],
            "activation_point": letter["activation_point"],
            "none_point": letter["none_point"]["value"],
            "code": letter["code"],
        }
        assert ok(next(results)) == letter["secret"]


def test_revoting_code_errors_match_python() -> None:
    from honestballot.protocol.credential_seed import CredentialSeed
    from honestballot.protocol.letters import LetterSecret

    seed_code = CredentialSeed(bytes(range(32))).to_code()
    letter_code = LetterSecret(bytes(range(16))).to_code()
    bad = [
        ("revoting.seedFromCode", CredentialSeed.from_code, seed_code[:-1] + "Q"),
        ("revoting.seedFromCode", CredentialSeed.from_code, "HB1-" + seed_code[4:]),
        ("revoting.seedFromCode", CredentialSeed.from_code, seed_code[:-6]),
        ("revoting.seedFromCode", CredentialSeed.from_code, "HB2-0000"),
        ("revoting.letterFromCode", LetterSecret.from_code, seed_code),
        ("revoting.letterFromCode", LetterSecret.from_code, letter_code[:-1] + "Q"),
        ("revoting.letterFromCode", LetterSecret.from_code, letter_code + "AAAAA"),
    ]
    results = run_js([(fn, [code]) for fn, _, code in bad])
    for (fn, python, code), result in zip(bad, results, strict=True):
        with pytest.raises(EncodingError) as raised:
            python(code)
        assert result.get("error", {}).get("message") == str(raised.value), (fn, code, result)


def test_cyrillic_look_alikes_in_codes_read_as_latin_as_in_python() -> None:
    """A code typed with the Cyrillic letters that look like Latin ones (А В Е К М Н О Р С
    Т Х, either case; docs/coercion.md §2.1) reads as the code itself, in the bundle as in
    Python; another Cyrillic letter is refused by both, in the same words."""
    from honestballot.protocol.credential_seed import CredentialSeed
    from honestballot.protocol.letters import LetterSecret

    latin, cyrillic = "ABEKMHOPCTX", "АВЕКМНОРСТХ"

    def typed(code: str) -> str:
        out = []
        for i, ch in enumerate(code):
            twin = cyrillic[latin.index(ch)] if ch in latin else ch
            out.append(twin.lower() if i % 2 else twin)
        return "".join(out)

    seeds = [CredentialSeed(hashlib.sha256(bytes([n])).digest()) for n in range(8)]
    letters = [LetterSecret(hashlib.sha256(bytes([n, 1])).digest()[:16]) for n in range(8)]
    codes = [("revoting.seedFromCode", typed(x.to_code()), x.seed) for x in seeds]
    codes += [("revoting.letterFromCode", typed(x.to_code()), x.secret) for x in letters]
    used = {ch.upper() for _, code, _ in codes for ch in code if ch.upper() in cyrillic}
    assert used == set(cyrillic)  # every look-alike, upper and lower case, is read
    assert all(code[:2] == "Нв" for _, code, _ in codes)  # the prefix too
    other = typed(seeds[0].to_code()).replace("Н", "Б", 1)[:4] + seeds[0].to_code()[4:]
    results = run_js([(fn, [code]) for fn, code, _ in codes] + [("revoting.seedFromCode", [other])])
    for (fn, code, secret), result in zip(codes, results[:-1], strict=True):
        assert ok(result) == secret.hex(), (fn, code)
        if fn == "revoting.seedFromCode":
            assert CredentialSeed.from_code(code).seed == secret
        else:
            assert LetterSecret.from_code(code).secret == secret
    with pytest.raises(EncodingError) as raised:
        CredentialSeed.from_code(other)
    assert err(results[-1])["message"] == str(raised.value)


def test_designated_proofs_agree_both_ways() -> None:
    from honestballot.crypto.designated_verifier import (
        DesignatedProof,
        prove_designated_plaintext,
        verify_designated_plaintext,
    )
    from honestballot.crypto.randomness import random_scalar
    from tests.vectors.make_coercion_vectors import RANDOMNESS

    vectors = json.loads((REPO / "tests" / "vectors" / "coercion-v3.json").read_text("utf-8"))
    d = vectors["designated_proof"]
    statement = {
        "base": vectors["base_hash"],
        "purpose": d["purpose"],
        "nonce": d["nonce"],
        "public_key": vectors["public_key"],
        "verifier_key": d["verifier_key"],
        "message": d["message"],
        "ciphertext": d["ciphertext"],
    }
    # the vector's proof, replaying Python's draws (u, e2, z2); and one from the CSPRNG
    rng = SeededRandomness("vector designated proof")
    draws = [random_scalar(rng).hex() for _ in range(3)]
    with_r = {**statement, "randomness": RANDOMNESS.hex()}
    lie = {**statement, "message": hash_to_point("test/another point", b"").hex()}
    replayed, fresh, checked, refused = run_js(
        [
            ("revoting.proveDesignatedPlaintext", [with_r, draws]),
            ("revoting.proveDesignatedPlaintext", [with_r]),
            ("revoting.verifyDesignatedPlaintext", [statement, d["proof"]]),
            ("revoting.verifyDesignatedPlaintext", [lie, d["proof"]]),
        ]
    )
    assert ok(replayed) == d["proof"]
    assert ok(checked) is True
    assert refused.get("error", {}).get("name") == "InvalidProof"
    args = (
        bytes.fromhex(statement["base"]),
        d["purpose"],
        bytes.fromhex(d["nonce"]),
        Point.decode(bytes.fromhex(statement["public_key"])),
        Point.decode(bytes.fromhex(d["verifier_key"])),
        Point.decode(bytes.fromhex(d["message"])),
        Ciphertext(
            Point.decode(bytes.fromhex(d["ciphertext"]["alpha"])),
            Point.decode(bytes.fromhex(d["ciphertext"]["beta"])),
        ),
    )
    js = ok(fresh)
    proof = DesignatedProof(
        *(Scalar.decode(bytes.fromhex(js[k])) for k in ("e1", "e2", "z1", "z2"))
    )
    verify_designated_plaintext(*args, proof)  # the browser's proof checks out in Python
    again = prove_designated_plaintext(
        *args, RANDOMNESS, SeededRandomness("vector designated proof")
    )
    assert {k: getattr(again, k).hex() for k in ("e1", "e2", "z1", "z2")} == d["proof"]


def _vector_context(vectors: dict[str, Any]) -> tuple[dict[str, Any], ElectionContext]:
    """The vector election's context as the ballot page gets it (GET /api/e/ID/context):
    with ``election_key_hash``, the board's keys, W and W's proof, all from the setup."""
    from honestballot.record.setup import context_from_setup, election_key_hash

    data = json.loads((REPO / "tests" / "vectors" / "record-v3.json").read_text("utf-8"))
    setup = next(json.loads(line) for line in data["record"] if '"kind":"setup"' in line)
    ctx, key, _ = context_from_setup(setup["body"])
    context = {
        **{k: v for k, v in setup["body"].items() if k != "election_key"},
        "election_id": ctx.manifest.election_id,
        "base_hash": vectors["base_hash"],
        "public_key": vectors["public_key"],
        "election_key_hash": election_key_hash(key).hex(),
    }
    assert context["verifier_key"] == vectors["designated_proof"]["verifier_key"]
    return context, ctx


def test_registrations_and_v2_ballots_equal_python_byte_for_byte() -> None:
    """The vectors' registration and ballot version 2, made again by the bundle from the
    device's draws, are Python's byte for byte (public objects, private proofs, hashes);
    and what the bundle makes from the CSPRNG verifies in Python."""
    from honestballot.protocol.ballot_v2 import check_private as check_ballot_private
    from honestballot.protocol.ballot_v2 import verify_ballot_v2
    from honestballot.protocol.credential_seed import CredentialSeed
    from honestballot.protocol.letters import LetterSecret
    from honestballot.protocol.registration import check_private, verify_registration
    from honestballot.record.revoting import (
        ballot_private_from_json,
        ballot_v2_from_json,
        registration_from_json,
        registration_private_from_json,
    )

    vectors = json.loads((REPO / "tests" / "vectors" / "coercion-v3.json").read_text("utf-8"))
    context, ctx = _vector_context(vectors)
    reg_v, ballot_v = vectors["registration"], vectors["ballot_v2"]
    obj = reg_v["object"]
    # the service's commitment for this session; W comes from the verified context only
    service = {
        "nonce": obj["nonce"],
        "revokes": obj["revokes"],
        "revokes_proof": obj["revokes_proof"],
    }
    seed = vectors["credentials"][reg_v["credential"]]["seed"]
    letter = vectors["letters"][reg_v["letter"]]
    w = ctx.verifier_key.hex()
    bad_service = {**service, "revokes_proof": {**obj["revokes_proof"], "s": obj["tag_proof"]["s"]}}
    code = letter["code"]
    replayed, fresh, refused, ballot, fresh_ballot, bad_choice = run_js(
        [
            ("revoting.makeRegistration", [context, service, seed, code, reg_v["device_draws"]]),
            ("revoting.makeRegistration", [context, service, seed, code]),
            ("revoting.makeRegistration", [context, bad_service, seed, code]),
            (
                "revoting.encryptBallot",
                [context, ballot_v["selections"], seed, ballot_v["device_draws"]],
            ),
            (
                "revoting.encryptBallot",
                [context, {"mayor": ["ann"], "council": ["blank"], "board": ["eve"]}, seed],
            ),
            ("revoting.encryptBallot", [context, {"mayor": ["ann", "bob"]}, seed]),
        ]
    )
    got = ok(replayed)
    assert canonical_json(got["registration"]) == canonical_json(obj)
    assert list(got["registration"]) == list(obj)
    assert got["private"] == reg_v["private"]
    assert got["statement_hash"] == reg_v["statement_hash"]["value"]
    assert got["tracking_hash"] == reg_v["tracking_hash"]["value"]
    assert got["tracking_code"] == reg_v["tracking_code"]
    # a registration the bundle makes from the CSPRNG verifies in Python, and convinces
    # the service of the voter's letter
    base, h = ctx.base_hash, ctx.public_key
    made = ok(fresh)
    reg = registration_from_json(made["registration"])
    verify_registration(base, h, reg)
    assert made["registration"] != obj
    lsecret = LetterSecret(bytes.fromhex(letter["secret"]))
    cseed = CredentialSeed(bytes.fromhex(seed))
    tau = check_private(
        base, h, Point.decode(bytes.fromhex(w)), reg,
        registration_private_from_json(made["private"]), reg.commitment,
        lsecret.handle(base), lsecret.activation_point(base),
    )  # fmt: skip
    assert tau == cseed.tag_point(base)
    assert reg.tracking_code(h) == made["tracking_code"]
    # the device refuses a commitment whose proof fails, as Python does
    assert err(refused)["name"] == "InvalidProof"
    assert "the service's commitment, revokes" in err(refused)["message"]
    # the ballot, replayed, is Python's
    b = ok(ballot)
    assert canonical_json(b["ballot"]) == canonical_json(ballot_v["object"])
    assert list(b["ballot"]) == list(ballot_v["object"])
    assert canonical_json(b["opening"]) == canonical_json(ballot_v["opening"])
    assert b["private"] == ballot_v["private"]
    assert b["statement_hash"] == ballot_v["statement_hash"]["value"]
    assert b["tracking_hash"] == ballot_v["tracking_hash"]["value"]
    assert b["tracking_code"] == ballot_v["tracking_code"]
    # a fresh one verifies in Python, opens, and its private proofs convince the service
    fb = ok(fresh_ballot)
    v2 = ballot_v2_from_json(fb["ballot"])
    verify_ballot_v2(ctx, v2)
    assert v2.tracking_hash(h).hex() == fb["tracking_hash"]
    assert check_opening(ctx, v2, opening_from_json(fb["opening"]))["mayor"] == {"ann"}
    sigma = cseed.voting_point(base)
    private = ballot_private_from_json(fb["private"])
    assert check_ballot_private(ctx, Point.decode(bytes.fromhex(w)), v2, private, sigma) == tau
    # an invalid choice is refused before anything is encrypted, as Python refuses it
    from honestballot.protocol.ballot_v2 import encrypt_ballot_v2
    from honestballot.protocol.manifest import InvalidSelection

    with pytest.raises(InvalidSelection) as raised:
        encrypt_ballot_v2(
            ctx, cseed, Point.decode(bytes.fromhex(w)), {"mayor": frozenset({"ann", "bob"})},
            SeededRandomness("never drawn"),
        )  # fmt: skip
    assert err(bad_choice) == {"name": "InvalidSelection", "message": str(raised.value)}
    # W only from the verified context: one without election_key_hash, or naming another
    # W, is refused before anything is made
    unbound = {k: v for k, v in context.items() if k != "election_key_hash"}
    other_w = dict(context, verifier_key=base_mul(Scalar.of(5)).hex())
    no_binding, other = run_js(
        [
            ("revoting.encryptBallot", [unbound, ballot_v["selections"], seed]),
            ("revoting.makeRegistration", [other_w, service, seed, code]),
        ]
    )
    assert "without election_key_hash" in err(no_binding)["message"]
    assert "base_hash does not match" in err(other)["message"]


def test_cast_rows_tracking_hashes_agree_with_python() -> None:
    """The receipt page of an election with re-voting protection recomputes the tracking
    hash of the cast row's ballot it finds on the board, reading the row as strictly as
    record/revoting.py: the vector row gives the vector ballot's hash; a row changed in one
    proof scalar gives Python's hash of that row; rows Python refuses are refused."""
    from honestballot.record.revoting import cast_row_from_json

    vectors = json.loads((REPO / "tests" / "vectors" / "coercion-v3.json").read_text("utf-8"))
    context, ctx = _vector_context(vectors)
    row = vectors["cast_row"]["object"]
    other = copy.deepcopy(row)
    other["ballot"]["tag_proof"]["s"] = row["ballot"]["credential_proof"]["s_credential"]
    extra = {**row, "unit": "u1"}
    v1 = {**row, "ballot": {**row["ballot"], "version": 1}}
    identity = copy.deepcopy(row)
    identity["ballot"]["credential"]["alpha"] = "00" * 32
    no_flag = {k: v for k, v in row.items() if k != "flag"}
    results = run_js(
        [
            ("revoting.castRowTrackingHash", [context, row]),
            ("revoting.castRowTrackingHash", [json.dumps(context), json.dumps(row)]),
            ("revoting.castRowTrackingHash", [context, other]),
            ("revoting.castRowTrackingHash", [context, extra]),
            ("revoting.castRowTrackingHash", [context, v1]),
            ("revoting.castRowTrackingHash", [context, identity]),
            ("revoting.castRowTrackingHash", [context, no_flag]),
            ("revoting.castRowTrackingHash", [context, row["ballot"]]),
        ]
    )
    want = vectors["ballot_v2"]["tracking_hash"]["value"]
    assert ok(results[0]) == ok(results[1]) == want
    assert cast_row_from_json(row).ballot.tracking_hash(ctx.public_key).hex() == want
    theirs = cast_row_from_json(other).ballot.tracking_hash(ctx.public_key).hex()
    assert ok(results[2]) == theirs != want
    for bad, refused in zip(
        (extra, v1, identity, no_flag, row["ballot"]), results[3:], strict=True
    ):
        assert err(refused)["name"] == "RecordFormatError"
        with pytest.raises(RecordFormatError):
            cast_row_from_json(bad)


def test_cast_row_events_are_checked_as_the_verifier_checks_them() -> None:
    """The receipt page checks the service's part of the cast row it is shown as
    verify/verifier.py does: the event body holds ``row`` only, the flag is exactly E0, the
    counter's proof of randomness verifies at the row's place.  A row Python makes afresh
    passes in the bundle; an E1 flag (padding, not counted), a flag that encrypts 0 with
    randomness, a counter proof changed or shown beside another counter, and an extra or
    missing body key fail, in the bundle as in Python, with Python's words."""
    from honestballot.protocol.ballot_v2 import COUNTER_MIN, make_cast_row, verify_cast_row
    from honestballot.protocol.padding import E1
    from honestballot.record.revoting import cast_row_from_json, cast_row_to_json

    vectors = json.loads((REPO / "tests" / "vectors" / "coercion-v3.json").read_text("utf-8"))
    context, ctx = _vector_context(vectors)
    row = vectors["cast_row"]["object"]
    ballot = cast_row_from_json(row).ballot
    fresh = cast_row_to_json(make_cast_row(ctx, ballot, COUNTER_MIN + 7, SeededRandomness("f")))
    e1 = {**row, "flag": {"alpha": E1.alpha.hex(), "beta": E1.beta.hex()}}
    zero = encrypt(ctx.public_key, 0, Scalar.of(3))
    enc0 = {**row, "flag": {"alpha": zero.alpha.hex(), "beta": zero.beta.hex()}}
    bent = copy.deepcopy(row)
    s = Scalar.decode(bytes.fromhex(row["counter_proof"]["s"]))
    bent["counter_proof"]["s"] = (s + Scalar.of(1)).hex()
    # another counter of the same ballot beside the vector counter's (valid) proof
    moved = {**row, "counter": fresh["counter"]}
    unbound = {k: v for k, v in context.items() if k != "election_key_hash"}
    bodies = [
        {"row": row}, {"row": fresh}, {"row": e1}, {"row": enc0}, {"row": bent},
        {"row": moved}, {"row": row, "note": "x"}, {"rows": row}, row,
    ]  # fmt: skip
    *results, unbound_result = run_js(
        [("revoting.castRowEvent", [context, b]) for b in bodies]
        + [("revoting.castRowEvent", [unbound, {"row": row}])]
    )
    want = vectors["ballot_v2"]["tracking_hash"]["value"]
    assert ok(results[0]) == want
    assert ok(results[1]) == want
    verify_cast_row(ctx, cast_row_from_json(fresh))
    for bad, refused in zip((e1, enc0, bent, moved), results[2:6], strict=True):
        with pytest.raises(InvalidProof) as raised:
            verify_cast_row(ctx, cast_row_from_json(bad))
        assert err(refused) == {"name": "InvalidProof", "message": str(raised.value)}
    assert "flag" in err(results[2])["message"]
    assert "counter" in err(results[4])["message"]
    for refused in results[6:]:
        assert err(refused)["name"] == "RecordFormatError"
    assert "unexpected field(s) note" in err(results[6])["message"]
    assert "without election_key_hash" in err(unbound_result)["message"]


def test_the_bundle_refuses_the_schedules_python_refuses() -> None:
    """The browser reads the setup's schedule by protocol/schedule.py's rules: a schedule
    Python refuses is refused in the bundle too, before any hash is made of it."""
    keys = board_keys_to_json(BOARD_KEY_VARIANTS["a batch schedule"])
    bad = [
        {"interval": 70, "hours": [[1, 1]]},
        {"interval": 7200, "hours": [[1, 1]]},
        {"interval": 60, "hours": []},
        {"interval": 60, "hours": [[5001, 0]]},
        {"interval": 60, "hours": [[1, -1]]},
        {"interval": 60, "hours": [[1, 1]], "extra": 1},
    ]
    # the cover: there, of two integers within bounds, K0 fitting the listed hours
    cover = {"k0": 30, "epsilon_milli": 100}
    bad = [{**s, "cover": cover} for s in bad] + [
        {"interval": 60, "hours": [[1, 1]]},
        {"interval": 60, "hours": [[1, 1]], "cover": {"k0": 30}},
        {"interval": 60, "hours": [[1, 1]], "cover": {**cover, "extra": 1}},
        {"interval": 60, "hours": [[1, 1]], "cover": {**cover, "k0": 31}},
        {"interval": 60, "hours": [[1, 2]], "cover": {**cover, "k0": 61}},
        {"interval": 60, "hours": [[1, 1]], "cover": {**cover, "k0": -1}},
        {"interval": 60, "hours": [[1, 1]], "cover": {**cover, "k0": 0.5}},
        {"interval": 60, "hours": [[1, 1]], "cover": {**cover, "epsilon_milli": 9}},
        {"interval": 60, "hours": [[1, 1]], "cover": {**cover, "epsilon_milli": 1_000_001}},
    ]
    fine = {"interval": 60, "hours": [[1, 1]], "cover": cover}
    accepted = run_js([("boardKeysHash", [{**keys, "schedule": fine}])])
    ok(accepted[0])
    results = run_js([("boardKeysHash", [{**keys, "schedule": s}]) for s in bad])
    for schedule, result in zip(bad, results, strict=True):
        assert err(result)["name"] == "RecordFormatError", schedule
        with pytest.raises(RecordFormatError):
            schedule_from_json(schedule, "schedule")


def test_the_voter_pages_fingerprint_check_recomputes_every_base_hash() -> None:
    """voter.js's own recomputation of the base hash (``baseHashOf``, the check of the
    fingerprint the voter compares) agrees with Python's for every board-keys variant,
    the schedule's cover included, run under node with the bundle."""
    source = (BUNDLE.parent / "voter.js").read_text(encoding="utf-8")
    start = source.index("  function baseHashOf(context) {")
    end = source.index("  function checkFingerprint(context) {")
    variants = [make_election(MANIFESTS["multi"], "multi", k) for k in BOARD_KEY_VARIANTS.values()]
    script = (
        "const fs = require('node:fs'); const vm = require('node:vm');"
        f"vm.runInThisContext(fs.readFileSync({json.dumps(str(BUNDLE))}, 'utf8'));"
        "const HB = globalThis.HonestBallot;"
        f"const baseHashOf = new Function('HB', {json.dumps(source[start:end])}"
        " + '; return baseHashOf;')(HB);"
        "const contexts = JSON.parse(fs.readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(contexts.map((c) => baseHashOf(c))));"
    )
    proc = subprocess.run(
        [_node(), "-e", script],
        input=json.dumps([_bound(e) for e in variants]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == [e.ctx.base_hash.hex() for e in variants]


def test_the_bundle_has_no_version_1_functions() -> None:
    """Version 1's ballots and `HB1-` credentials are not in the shipped bundle: its
    functions are gone from `HonestBallot` and its code's tags from the bundle's text."""
    gone = (
        "encryptBallot",
        "verifyBallot",
        "newCredential",
        "credentialFromCode",
        "trackingHashOf",
        "qrSvg",
        "primitives.ballotContentHash",
    )
    results = run_js([(name, []) for name in gone])
    for name, result in zip(gone, results, strict=True):
        assert err(result) == {
            "name": "TypeError",
            "message": f"HonestBallot.{name} is not a function",
        }
    text = BUNDLE.read_text(encoding="utf-8")
    for tag in ("honestballot/v1/credential-code", "ballot/signature", "spoiled-ballot"):
        assert tag not in text, tag
