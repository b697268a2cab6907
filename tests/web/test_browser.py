"""The receipt's check in a real browser against a real server, and the helpers of the
browser tests (test_browser_revoting.py has the whole vote).

``honestballot serve`` runs as a subprocess on a free port over a fresh database (SQLite
and PostgreSQL) with a file sender; the election is set up beforehand through the service
layer and driven by Debian's Chromium (``/usr/bin/chromium``) through Playwright.

The election, with re-voting protection, names two witnesses (both must co-sign)
and the organiser's key: once the ballot's cast row is on the board ("included"), the
receipt's check stays "pending" until both witnesses co-signed a head covering the row,
then shows it verified and co-signed; a server handing the proof with co-signatures
short of the quorum (or forged, or with the quorum lowered in the context) gets "failed".

No page may log a console error, throw, or violate the Content-Security-Policy; on a
failure a screenshot of every open page is saved in the test's ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    expect,
)

from honestballot.cli.organiser_roll import Voter as RollVoter
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.protocol.witnesses import Witness, cosign
from honestballot.record.events import SignedTreeHead, log_id
from honestballot.record.witness import Cosignature
from honestballot.service.messages.senders import latest_code_for
from honestballot.service.runtime import ServerConfig, Services
from honestballot.verify.verifier import verify_record
from honestballot.web.strings_voter import STRINGS
from tests.databases import KINDS, fresh_database
from tests.factories import (
    NO_NOISE,
    WEB_ELECTION,
    WEB_ROLL,
    DemoCeremony,
    make_encrypted_roll,
    web_roll_csv,
)

pytestmark = pytest.mark.slow

#: encrypting a ballot with all its proofs in the browser, and each page load
STEP_TIMEOUT_MS = 60_000
#: a new `honestballot serve` process imports the package and migrates the database first:
#: a few seconds on a quiet machine, over 45 s on a loaded one whose Python compiles every
#: module afresh (no bytecode written)
SERVER_START_S = 150.0
TRACKING_CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")

VOTER = WEB_ROLL[0][0]

Choice = dict[str, frozenset[str]]

#: what the voter clicks, in order: audited, cast, cast again, cast from the second device
AUDITED: Choice = {"chair": frozenset({"cand-2"}), "council": frozenset({"member-1", "member-3"})}
FIRST: Choice = {"chair": frozenset({"cand-1"}), "council": frozenset({"blank"})}
SECOND: Choice = {
    "chair": frozenset({"against-all"}),
    "council": frozenset({"member-2", "member-5", "member-6"}),
}
RESTORED: Choice = {"chair": frozenset({"cand-4"}), "council": frozenset({"member-4"})}


# --- the server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    base_url: str
    election_id: str
    outbox: Path
    log_path: Path
    services: Services
    process: subprocess.Popen[bytes]

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def destination(self, national_id: str) -> str:
        voter = self.services.roll.voter_by_national_id(self.election_id, national_id)
        assert voter is not None, f"{national_id} is not on the roll"
        found = voter.phone or voter.email
        assert found, f"{national_id} has no contact"
        return found

    def get_json(self, path: str) -> Any:
        r = httpx.get(self.url(path), timeout=60)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:500]}"
        return r.json()


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"`honestballot serve` exited with {server.process.returncode}:\n"
                + server.log_tail(),
                pytrace=False,
            )
        try:
            if httpx.get(server.url("/healthz"), timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(
        f"`honestballot serve` did not answer within {SERVER_START_S:.0f} s:\n" + server.log_tail(),
        pytrace=False,
    )


@contextmanager
def _serve(kind: str, tmp_path: Path, prepare: Callable[[Services], None]) -> Iterator[Server]:
    """``honestballot serve`` over a fresh database that ``prepare`` has set up."""
    outbox = tmp_path / "outbox"
    snapshots = tmp_path / "snapshots"
    with fresh_database(kind, tmp_path / "db") as url:
        config = ServerConfig(
            database_url=url, sender=f"file:{outbox}", snapshot_dir=snapshots, background=False
        )
        services = Services(config)
        try:
            prepare(services)
            port = _free_port()
            log_path = tmp_path / "server.log"
            env = {k: v for k, v in os.environ.items() if not k.startswith("HONESTBALLOT_")}
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "honestballot",
                        "serve",
                        "--database",
                        url,
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--sender",
                        f"file:{outbox}",
                        "--snapshots",
                        str(snapshots),
                        "--log-level",
                        "warning",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            running = Server(
                f"http://127.0.0.1:{port}", WEB_ELECTION, outbox, log_path, services, process
            )
            try:
                _wait_until_serving(running)
                yield running
            finally:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        finally:
            services.stop()



# --- the browser ---------------------------------------------------------------------------


@dataclass
class Watch:
    """Everything a page must not do (console errors, uncaught exceptions, CSP violations),
    and every request body the browser sent (to show the credential code never leaves)."""

    problems: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    pages: list[tuple[str, Page]] = field(default_factory=list)

    def attach(self, context: BrowserContext, label: str) -> None:
        def on_csp(_source: Any, violation: str) -> None:
            self.problems.append(f"[{label}] CSP violation: {violation}")

        context.expose_binding("__hbCspViolation", on_csp)
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => "
            "window.__hbCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}"
            " in ${e.sourceFile || document.location.href}:${e.lineNumber}`));"
        )
        context.on("page", lambda page: self._page(page, label))
        context.on(
            "request",
            lambda req: self.sent.append(f"{req.method} {req.url} {req.post_data or ''}"),
        )

    def _page(self, page: Page, label: str) -> None:
        self.pages.append((label, page))
        page.set_default_timeout(STEP_TIMEOUT_MS)
        page.on(
            "console",
            lambda msg: (
                self.problems.append(
                    f"[{label}] console.{msg.type} on {page.url}: {msg.text} ({msg.location})"
                )
                if msg.type in ("error", "assert")
                else None
            ),
        )
        page.on(
            "pageerror",
            lambda exc: self.problems.append(f"[{label}] uncaught on {page.url}: {exc}"),
        )

    def forget(self, url_part: str) -> None:
        """Drop the problems about a request the test made fail on purpose."""
        self.problems[:] = [p for p in self.problems if url_part not in p]

    def assert_clean(self) -> None:
        assert not self.problems, "the pages reported problems:\n" + "\n".join(self.problems)


@contextmanager
def _screenshots_on_failure(watch: Watch, tmp_path: Path, server: Server) -> Iterator[None]:
    try:
        yield
    except BaseException as exc:
        shots = []
        for i, (label, page) in enumerate(watch.pages):
            if page.is_closed():
                continue
            path = tmp_path / f"failure-{i}-{label}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                shots.append(f"{path} ({page.url})")
            except Exception as shot_error:  # a crashed page: say so, keep the real error
                shots.append(f"{path}: no screenshot ({shot_error})")
        details = [
            "screenshots: " + ("; ".join(shots) or "none"),
            "page problems: " + ("\n".join(watch.problems) or "none"),
            "server log (tail):\n" + server.log_tail(),
        ]
        if isinstance(exc, AssertionError | pytest.fail.Exception):
            raise AssertionError(f"{exc}\n\n" + "\n\n".join(details)) from exc
        raise


def prepare_protected(
    ceremony: DemoCeremony,
    schedule: Schedule,
    letters: dict[str, str],
    seed: str,
    before_open: Callable[[Services, Scalar], None] = lambda services, organiser: None,
    *,
    witnesses: Sequence[Witness] = (),
    quorum: int | None = None,
) -> Callable[[Services], None]:
    """A ``prepare`` for :func:`_serve`: the ceremony's election with re-voting
    protection (as tests/factories.open_revoting_election, on the server's own database):
    the organiser's key and ``schedule`` in its setup, the web roll imported,
    ``before_open`` run (with the organiser's secret), the encrypted roll made and kept
    and the election opened; each voter's activation code put in ``letters``, by
    national ID; ``witnesses`` (``quorum`` of them) co-sign its tree heads.  Its
    randomness is seeded by ``seed``."""

    def prepare(services: Services) -> None:
        rng = SeededRandomness(seed)
        organiser = random_nonzero_scalar(rng)
        election_id = ceremony.manifest.election_id
        services.elections.create(
            ceremony.manifest, ceremony.key, organiser_key=base_mul(organiser),
            schedule=schedule, witnesses=witnesses, quorum=quorum,
        )  # fmt: skip
        services.roll.import_csv(election_id, web_roll_csv())
        before_open(services, organiser)
        voters = [RollVoter(nid, name, unit) for nid, name, _, _, unit in WEB_ROLL]
        made = make_encrypted_roll(
            services.elections, services.roll, election_id, organiser, voters, rng, open_=True
        )
        letters.update({nid: letter.to_code() for nid, letter in made.items()})

    return prepare


def register_with_the_letter(page: Page, letter: str) -> str:
    """On the ballot page of a device with no credential: the activation code typed, the
    credential made and registered; its ``HB2-`` code (shown once) is returned and the
    ballot shown."""
    expect(page.locator("#letter")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    page.locator("#letter-code").fill(letter)
    page.locator("#register").click()
    code = page.locator("#credential2-code")
    expect(code).to_have_text(re.compile(r"^HB2(-[A-Z2-7]{1,5})+$"), timeout=STEP_TIMEOUT_MS)
    shown = code.inner_text().strip()
    page.locator("#registered-continue").click()
    expect(page.locator("#ballot-form")).to_be_visible()
    return shown


# --- what a voter does ---------------------------------------------------------------------


def _sign_in(page: Page, server: Server, national_id: str) -> None:
    eid = server.election_id
    page.goto(server.url(f"/e/{eid}/signin"))
    page.locator("#signin-form input[name=national_id]").fill(national_id)
    page.locator("#signin-form [type=submit]").click()
    page.wait_for_url(f"**/e/{eid}/code")
    code = latest_code_for(server.outbox, server.destination(national_id))
    assert code is not None, "the sign-in page sent no code to the voter's outbox"
    page.locator("#code-form input[name=code]").fill(code)
    page.locator("#code-form [type=submit]").click()
    page.wait_for_url(f"**/e/{eid}/vote")


def _choose(page: Page, choice: Choice) -> None:
    for contest_id, options in choice.items():
        inputs = page.locator(f'#ballot-form fieldset[data-contest="{contest_id}"] input')
        assert inputs.count() > 0, f"the ballot shows no options for contest {contest_id}"
        # uncheck first: a full checkbox contest disables the options left unchecked
        for i in range(inputs.count()):
            box = inputs.nth(i)
            if box.get_attribute("type") == "checkbox" and box.is_checked():
                box.uncheck()
        for option_id in sorted(options):
            inputs.and_(page.locator(f'[value="{option_id}"]')).check()


def _encrypt(page: Page, choice: Choice) -> str:
    """Choose, encrypt, and return the tracking code the page shows."""
    _choose(page, choice)
    page.locator("#encrypt").click()
    code = page.locator("#tracking-code")
    expect(code).to_have_text(TRACKING_CODE, timeout=STEP_TIMEOUT_MS)
    expect(page.locator("#cast")).to_be_enabled()
    return code.inner_text().strip()





# --- the record ----------------------------------------------------------------------------





# --- the test ------------------------------------------------------------------------------



# --- witnesses -------------------------------------------------------------------------------

#: the witnesses of the witnessed election (both must co-sign) and the organiser's key
WITNESS_SECRETS = {
    name: random_nonzero_scalar(SeededRandomness(f"browser witness {name}"))
    for name in ("Observers' union", "Candidate B's team")
}
ORGANISER_SECRET = random_nonzero_scalar(SeededRandomness("browser organiser"))


#: batches of two rows and two registrations every 20 s, so that the voter's cast row
#: goes on the board while the test waits (:func:`wait_for_cast_row`): the witnessed
#: election's, and test_browser_phone.py's
QUICK_SCHEDULE = Schedule(20, ((2, 2),), cover=Cover(0, NO_NOISE))
#: the witnessed election's letters, by national ID
WITNESSED_LETTERS: dict[str, str] = {}


def wait_for_cast_row(server: Server, tracking_hash: bytes, seconds: float = 120) -> None:
    """Post the server's election's due batches, once a second, until the cast row of the
    ballot whose tracking hash is ``tracking_hash`` is on the board (at most ``seconds``)."""
    eid = server.election_id
    deadline = time.monotonic() + seconds
    while server.services.board.event_by_tracking(eid, tracking_hash) is None:
        assert time.monotonic() < deadline, "the cast row is not on the board"
        server.services.batches.post_due(eid)
        time.sleep(1)


@pytest.fixture(params=KINDS)
def witnessed_server(
    request: pytest.FixtureRequest, web_ceremony: DemoCeremony, tmp_path: Path
) -> Iterator[Server]:
    """The same election with re-voting protection, its setup naming two witnesses
    (quorum 2) and the organiser's key (which signs its encrypted roll)."""
    prepare = prepare_protected(
        web_ceremony, QUICK_SCHEDULE, WITNESSED_LETTERS, "browser witnessed",
        witnesses=[Witness(name, base_mul(s)) for name, s in WITNESS_SECRETS.items()],
        quorum=2,
    )  # fmt: skip
    with _serve(request.param, tmp_path, prepare) as running:
        yield running


def _cosign(server: Server, head: SignedTreeHead, name: str) -> dict[str, Any]:
    """What the witness ``name`` does after checking ``head`` extends what it co-signed:
    co-sign it and publish the co-signature on the board."""
    eid = server.election_id
    secret = WITNESS_SECRETS[name]
    when = int(time.time() * 1000)
    signature = cosign(
        server.services.elections.context(eid).base_hash,
        head.head,
        log_id(eid),
        when,
        secret,
        base_mul(secret),
        SeededRandomness(f"browser co-signature {name} {when}"),
    )
    line = Cosignature(head.head, base_mul(secret), when, signature).to_json()
    assert server.services.elections.add_cosignature(eid, line) is True
    return line


def _text(key: str, lang: str, **values: object) -> str:
    """A page text as voter.js fills it in."""
    text = STRINGS[key][("ru", "kk", "en").index(lang)]
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", str(value))
    return text


def _proof_route(
    page: Page, server: Server, tracking_hash: str, change: Callable[[dict[str, Any]], None]
) -> None:
    """Make the receipt's inclusion proof pass through ``change`` (a dishonest server)."""

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        change(body)
        route.fulfill(response=response, json=body)

    page.route(f"**/api/e/{server.election_id}/ballots/{tracking_hash}", handle)


def test_a_receipt_needs_the_witnesses_quorum(
    witnessed_server: Server, browser: Browser, tmp_path: Path
) -> None:
    server = witnessed_server
    eid = server.election_id
    first, second = WITNESS_SECRETS
    watch = Watch()
    with _screenshots_on_failure(watch, tmp_path, server):
        device = browser.new_context(locale="en-US")
        watch.attach(device, "voter")
        page = device.new_page()
        # the vote page recomputes the fingerprint with the witnesses, the organiser's
        # key and the schedule; a mismatch would show no ballot
        _sign_in(page, server, VOTER)
        expect(page.locator("#fingerprint")).to_have_text(
            server.services.elections.context(eid).base_hash.hex()[:16]
        )
        register_with_the_letter(page, WITNESSED_LETTERS[VOTER])
        lang = page.locator("#voter-app").get_attribute("data-lang") or "ru"
        tracking = _encrypt(page, FIRST)
        page.locator("#cast").click()
        page.wait_for_url(f"**/e/{eid}/receipt/*")
        tracking_hash = page.url.rsplit("/", 1)[-1]
        expect(page.locator("#receipt-status")).to_have_attribute("data-state", "recorded")
        # the cast row goes on the board with its batch
        wait_for_cast_row(server, bytes.fromhex(tracking_hash))
        page.reload()
        expect(page.locator("#receipt-status")).to_have_attribute("data-state", "included")
        status = page.locator("#receipt-check-badge")
        message = page.locator("#receipt-message")

        # signed by the board, but no witness has co-signed a head covering it
        expect(status).to_have_attribute("data-state", "pending", timeout=STEP_TIMEOUT_MS)
        expect(message).to_have_text(_text("voter.receipt.pending", lang))
        head = server.services.elections.publish_tree_head(eid)
        found = server.services.board.event_by_tracking(eid, bytes.fromhex(tracking_hash))
        assert found is not None and found.seq < head.head.size
        _cosign(server, head, first)
        # one of a quorum of two: the next answer is still "pending"
        proof_url = f"/api/e/{eid}/ballots/{tracking_hash}"
        with page.expect_response(
            lambda r: r.url.endswith(proof_url), timeout=STEP_TIMEOUT_MS
        ) as answer:
            pass
        assert answer.value.status == 202
        expect(status).to_have_attribute("data-state", "pending")
        _cosign(server, head, second)
        expect(status).to_have_attribute("data-state", "verified", timeout=STEP_TIMEOUT_MS)
        expect(page.locator("#tracking-code")).to_have_text(tracking)
        expect(message).to_have_text(
            _text("voter.receipt.witnessed", lang, size=head.head.size, count=2, quorum=2)
        )

        # a server that hands the proof with co-signatures short of the quorum
        def drop_one(body: dict[str, Any]) -> None:
            assert len(body["cosignatures"]) == 2, body
            body["cosignatures"].pop()

        def one_twice(body: dict[str, Any]) -> None:
            body["cosignatures"] = [body["cosignatures"][0]] * 2

        def forge_one(body: dict[str, Any]) -> None:
            body["cosignatures"][1]["witnessed_ms"] += 1

        short = _text("voter.receipt.no_quorum", lang, count=1, quorum=2)
        bad_proof = _text("voter.receipt.bad_proof", lang)
        for change, reason, detail in (
            (drop_one, short, "too few co-signatures"),
            (one_twice, short, "too few co-signatures"),
            # the crypto library's English reason stays in the tooltip only
            (forge_one, bad_proof, "Schnorr proof does not verify"),
        ):
            _proof_route(page, server, tracking_hash, change)
            page.reload()
            expect(status).to_have_attribute("data-state", "failed", timeout=STEP_TIMEOUT_MS)
            expect(message).to_contain_text(reason)
            expect(message).to_have_attribute("title", re.compile(re.escape(detail)))
            page.unroute(f"**/api/e/{eid}/ballots/{tracking_hash}")

        # ... nor by lowering the quorum in the election's context: below a
        # majority of the witnesses it is refused outright (and any other quorum
        # would change the base hash, which the ballot made on the device carries)
        _proof_route(page, server, tracking_hash, drop_one)

        def lower_quorum(route: Route) -> None:
            response = route.fetch()
            body = response.json()
            body["witness_quorum"] = 1
            route.fulfill(response=response, json=body)

        page.route(f"**/api/e/{eid}/context", lower_quorum)
        page.reload()
        expect(status).to_have_attribute("data-state", "failed", timeout=STEP_TIMEOUT_MS)
        expect(message).to_contain_text(bad_proof)
        expect(message).to_have_attribute("title", re.compile("more than half of the 2 witnesses"))
        page.unroute(f"**/api/e/{eid}/context")
        page.unroute(f"**/api/e/{eid}/ballots/{tracking_hash}")

        # the honest answer verifies again
        page.reload()
        expect(status).to_have_attribute("data-state", "verified", timeout=STEP_TIMEOUT_MS)

        # the observers' tree-heads page checks the witnessed head in the browser
        page.goto(server.url(f"/e/{eid}/tree-heads?lang=en"))
        expect(page.locator("[data-witnessed-verdict]")).to_have_text(
            "The witnesses' co-signatures were checked in this browser: the quorum is there.",
            timeout=STEP_TIMEOUT_MS,
        )
        watch.assert_clean()
        device.close()

    # the record the server exports ends at the witnessed head, with both co-signatures
    r = httpx.get(server.url(f"/e/{eid}/record.jsonl"), timeout=120)
    assert r.status_code == 200, r.text[:500]
    lines = r.content.splitlines(keepends=True)
    report = verify_record(lines, workers=1)
    assert report.passed, "the exported record fails verification:\n" + "\n".join(
        f"{c.name}: {c.detail}" for c in report.failures
    )
    assert sum(json.loads(line)["type"] == "cosignature" for line in lines) == 2
