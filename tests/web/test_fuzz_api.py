"""Property-based fuzzing of the HTTP API from its own OpenAPI schema (schemathesis).

The schema is read from the app (``/openapi.json``) and every operation in it is called
with generated requests (valid and invalid ones) against the in-process ASGI app, over
SQLite and PostgreSQL, with an open election with re-voting protection (one of each
test's own: the fuzzing may change it), a signed-in voter and an organiser token, so that
requests get past authentication into the code behind it.  Half the generated requests
name the real election instead of a random election id.

Checks: no response is a server error (5xx), and each response's content type and body
agree with what the schema declares for its status.  Statuses the schema does not list
(401, 403, 404, 409, 429…) are not held against it.

The schema documents no request body for the raw-body operations (registration, cast,
audit, roll, the close's objects…), so schemathesis cannot reach their parsers;
``test_raw_bodies`` fuzzes registration, cast and audit of re-voting protection with
mutations of a real registration and ballot instead (each operation its own examples,
each getting past its parser at least once: a 409 or 422).

Runs are reproducible: Hypothesis is derandomised and has no deadline.

This file drives schemathesis through its strategy API (``APIOperation.as_strategy``) and
not its pytest integration: ``schemathesis.pytest.from_fixture`` fails under pytest 9.2
(``'Function' object has no attribute '_nodeid'``), and one test per database that
reports every failing operation at once is more useful here anyway.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from honestballot.crypto.group import L, Point, Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness
from honestballot.errors import HonestBallotError
from tests.databases import KINDS, fresh_database
from tests.factories import (
    SMALL_SCHEDULE,
    WEB_ROLL,
    DemoCeremony,
    RevotingDevice,
    RevotingElection,
    WebElection,
    audit_body,
    cast_body,
    protected_election,
    registration_body,
)

EXAMPLES = 25
#: for each raw-body operation (registration, cast, audit): cheap to try, and where the
#: parsers are
RAW_EXAMPLES = 60
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]

FUZZ_VOTER = WEB_ROLL[1][0]


class Auth:
    """What a signed-in voter's browser and an organiser send with every request."""

    def __init__(self, web: WebElection) -> None:
        self.headers = {
            "x-csrf-token": web.csrf(),
            "authorization": f"Bearer {web.organiser_token}",
        }
        self.cookies = dict(web.client.cookies.items())
        assert "hb_session" in self.cookies and "hb_visitor" in self.cookies, self.cookies


@pytest.fixture(autouse=True)
def _hypothesis_restored() -> Iterator[None]:
    """Undo what schemathesis does to Hypothesis for the whole process when it generates
    (it blanks the "Failing test case" printout and resizes buffers), so that the property
    tests that run after these in the same process still show their failing examples.
    Loading schemathesis' pytest plugin does the same at start-up: run pytest with
    ``-p no:schemathesis`` (these tests do not use the plugin)."""
    from hypothesis import core as hypothesis_core
    from hypothesis.internal import entropy
    from hypothesis.internal.conjecture import engine
    from hypothesis.strategies._internal import collections, core
    from schemathesis.generation import hypothesis as schemathesis_hypothesis

    patched = [
        (hypothesis_core, "RepresentationPrinter"),
        (hypothesis_core, "BUFFER_SIZE"),
        (engine, "BUFFER_SIZE"),
        (collections, "BUFFER_SIZE"),
        (core, "is_first_param_referenced_in_function"),
        (entropy, "register_random"),
    ]
    was_patched = getattr(schemathesis_hypothesis.setup, "_is_patched", False)
    saved = [(obj, name, getattr(obj, name)) for obj, name in patched if hasattr(obj, name)]
    yield
    if not was_patched:
        for obj, name, value in saved:
            setattr(obj, name, value)
        schemathesis_hypothesis.setup._is_patched = False  # type: ignore[attr-defined]


@pytest.fixture(params=KINDS)
def fuzzed(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[tuple[RevotingElection, Auth]]:
    """An open election with re-voting protection of the test's own, its voter signed in
    on the app's client."""
    with (
        fresh_database(request.param, tmp_path / "db") as url,
        protected_election(
            web_ceremony, tmp_path, "fuzz", url=url, schedule=SMALL_SCHEDULE
        ) as election,
    ):
        election.web.sign_in(election.web.client, FUZZ_VOTER)
        yield election, Auth(election.web)
        # schemathesis keeps an app's lifespan running for the rest of the process; end
        # it while the database still exists
        schemathesis_asgi.shutdown_lifespans()



Operation = APIOperation[Any, Any, Any, Any]


def _strategy(operation: Operation, mode: GenerationMode, election_id: str) -> Any:
    """Requests for one operation; half of them name the real election."""
    generated = operation.as_strategy(generation_mode=mode)
    if "{election_id}" not in operation.path:
        return generated
    real = operation.as_strategy(generation_mode=mode, path_parameters={"election_id": election_id})
    return st.one_of(generated, real)


def _has_negatable_input(operation: Operation) -> bool:
    """Whether invalid requests can be made at all: a path holding only strings (every
    URL segment is one) leaves nothing that violates the schema."""
    raw = operation.definition.raw
    if "requestBody" in raw:
        return True
    return any(
        p.get("in") != "path" or p.get("schema", {}).get("type") != "string"
        for p in raw.get("parameters", [])
    )


def _fuzz(case_strategy: Any, auth: Auth, statuses: Counter[int]) -> None:
    @FUZZ_SETTINGS
    @given(case=case_strategy)
    def run(case: Case[Any]) -> None:
        response = case.call(headers=auth.headers, cookies=auth.cookies)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=auth.headers)

    run()


def test_api_from_schema(fuzzed: tuple[RevotingElection, Auth]) -> None:
    """Every operation of /openapi.json, valid and invalid requests: no 5xx, and responses
    as documented.  All operations run; the failures are reported together."""
    election, auth = fuzzed
    web = election.web
    schema = schemathesis.openapi.from_asgi("/openapi.json", web.client.app)
    failures: list[str] = []
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            failures.append(f"the schema defines an operation badly: {result.err()}")
    assert len(operations) >= 20, f"the schema lists only {len(operations)} operations"
    # signing out ends the voter's session on the server: fuzz it after everything else
    operations.sort(key=lambda op: op.label == "POST /api/e/{election_id}/signout")
    statuses: dict[str, Counter[int]] = {}
    for operation in operations:
        modes = [GenerationMode.POSITIVE]
        if _has_negatable_input(operation):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                _fuzz(
                    _strategy(operation, mode, web.election_id),
                    auth,
                    statuses.setdefault(operation.label, Counter()),
                )
            except (Exception, BaseExceptionGroup) as exc:
                notes = "\n".join(getattr(exc, "__notes__", []))
                failures.append(f"{operation.label} ({mode.value} requests):\n{exc}\n{notes}")
    seen = "\n".join(f"  {label}: {dict(sorted(c.items()))}" for label, c in statuses.items())
    assert not failures, (
        f"{len(failures)} operation(s) failed:\n\n"
        + "\n\n".join(failures)
        + f"\n\nstatuses seen:\n{seen}"
    )
    # the fuzzing got past authentication: the voter's and the organiser's reads answered
    for label in ("GET /api/e/{election_id}/me", "GET /api/organiser/e/{election_id}/status"):
        assert statuses[label][200] > 0, f"{label} never answered 200:\n{seen}"


# --- the raw-body operations -----------------------------------------------------------------

#: JSON values a mutation may put anywhere in a ballot
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=80),
    st.sampled_from(["", "00" * 32, "ff" * 32, "0" * 63, "zz" * 32, "ballot", "ballot-opening"]),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_paths(item, (*prefix, i)))
    return found


def _mutate(document: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(document)
    parent = copied
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    else:
        parent[last] = value
    return copied


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


HEX_DIGITS = frozenset("0123456789abcdef")


#: 32 bytes that decode: a canonical scalar, or a group element (a multiple of the base)
SCALARS = st.integers(min_value=0, max_value=L - 1).map(Scalar)
SCALAR_HEX = SCALARS.map(lambda s: s.encode().hex())
POINT_HEX = SCALARS.map(lambda s: base_mul(s).encode().hex())


def _decodes_as_point(value: str) -> bool:
    try:
        Point.decode(bytes.fromhex(value), allow_identity=True)
    except HonestBallotError:
        return False
    return True


def _same_type(value: Any) -> st.SearchStrategy[Any]:
    """A value of ``value``'s kind: hex of the same length for hex (for 32 bytes mostly a
    point for a point, a scalar for anything else, so that the body parses and reaches the
    proofs), another integer for an integer; else any."""
    if isinstance(value, str) and value and len(value) % 2 == 0 and set(value) <= HEX_DIGITS:
        n = len(value) // 2
        any_hex = st.binary(min_size=n, max_size=n).map(bytes.hex)
        if n != 32:
            return any_hex
        canonical = POINT_HEX if _decodes_as_point(value) else SCALAR_HEX
        return st.one_of(canonical, canonical, canonical, any_hex)
    if isinstance(value, int) and not isinstance(value, bool):
        return st.integers(min_value=-1, max_value=max(2 * abs(value), 4))
    return JSON_VALUES


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]



@st.composite
def _mutations(draw: st.DrawFn, document: Any) -> Any:
    """1 to 3 edits of a valid document: a value replaced (by one of its own kind, e.g.
    hex of the same length, or by another value of the same document, so that the result
    still parses and reaches the proofs; or by any value), deleted or duplicated."""
    own_values = st.sampled_from(sorted(set(map(json.dumps, _leaves(document))))).map(json.loads)
    values = st.one_of(own_values, own_values, JSON_VALUES)
    mutated = document
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(mutated)[1:]))  # never the whole body
        action = draw(
            st.sampled_from(["same-type"] * 4 + ["replace"] * 3 + ["delete", "duplicate"])
        )
        if action == "same-type":
            mutated = _mutate(mutated, path, "replace", draw(_same_type(_at(mutated, path))))
        else:
            mutated = _mutate(mutated, path, action, draw(values))
    return mutated


def _post_mutations(client: TestClient, path: str, documents: dict[str, Any], auth: Auth) -> None:
    """Mutations of ``documents`` (by operation, RAW_EXAMPLES each) posted to
    ``path``/operation: always a 4xx, never a 5xx; and each operation got past its
    parser at least once (a 409 or 422: the body parsed and was refused on what it says)."""
    for operation, document in sorted(documents.items()):
        statuses = _post_operation_mutations(client, f"{path}/{operation}", document, auth)
        assert statuses[409] + statuses[422] > 0, (operation, statuses)


def _post_operation_mutations(
    client: TestClient, url: str, document: Any, auth: Auth
) -> Counter[int]:
    """RAW_EXAMPLES mutations of ``document`` posted to ``url``: never a 5xx; how many
    answers of each status."""
    statuses: Counter[int] = Counter()

    @settings(FUZZ_SETTINGS, max_examples=RAW_EXAMPLES)
    @given(body=_mutations(document))
    def post_mutation(body: Any) -> None:
        raw = json.dumps(body).encode()
        r = client.post(
            url, content=raw, headers={**auth.headers, "content-type": "application/json"}
        )
        statuses[r.status_code] += 1
        assert r.status_code < 500, (
            f"POST {url} -> {r.status_code} {r.text[:300]}\nbody: {raw[:2000]!r}"
        )

    post_mutation()
    return statuses


def test_raw_bodies(fuzzed: tuple[RevotingElection, Auth]) -> None:
    """Mutations of a real registration (on a commitment of the voter's session), and of
    a real ballot's cast and audit under it: never a 5xx."""
    election, auth = fuzzed
    device = RevotingDevice(
        election, election.web.client, FUZZ_VOTER, SeededRandomness("fuzz-raw-bodies")
    )
    seed, answer = device.register()
    assert answer.status_code == 201, answer.text
    registration, registration_private = device.registration(seed)  # a commitment unused
    ballot, opening, private = device.ballot(seed)
    documents = {
        "registrations": registration_body(registration, registration_private),
        "ballots": cast_body(ballot, private),
        "audits": audit_body(ballot, opening, private),
    }
    _post_mutations(election.web.client, device.path, documents, auth)


