"""Builders shared by the tests: IINs, rolls and activity logs, manifests, key ceremonies,
elections on the service, a running web app, and election records (and forgeries of
them).  Plain functions and classes only: the fixtures that call them are in the
conftest files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from honestballot.audit.ids import iin_control_digit, snils_checksum
from honestballot.cli.organiser_roll import Voter as RollVoter
from honestballot.cli.organiser_roll import build_roll_upload
from honestballot.cli.organiser_station import signed_station
from honestballot.crypto.group import Scalar, base_mul
from honestballot.crypto.merkle import MerkleTree, TreeHead, leaf_hash
from honestballot.crypto.polynomial import lagrange_at_zero
from honestballot.crypto.randomness import Randomness, SeededRandomness, random_nonzero_scalar
from honestballot.protocol.ballot import BallotOpening
from honestballot.protocol.ballot_v2 import BallotPrivate, BallotV2, encrypt_ballot_v2
from honestballot.protocol.close_a import TrusteeKeys, act
from honestballot.protocol.credential_seed import CredentialSeed, generate_seed
from honestballot.protocol.decryption import (
    DecryptionShare,
)
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.election import ElectionContext
from honestballot.protocol.letters import LetterSecret
from honestballot.protocol.manifest import Contest, Label, Manifest, Option, Unit
from honestballot.protocol.registration import (
    Commitment,
    Registration,
    RegistrationPrivate,
    make_registration,
)
from honestballot.protocol.schedule import Cover, Schedule
from honestballot.protocol.share_parts import ShareHead
from honestballot.protocol.witnesses import Witness
from honestballot.record.ballot import ciphertext_from_json, opening_to_json
from honestballot.record.close import publish
from honestballot.record.codec import canonical_bytes
from honestballot.record.events import sign_tree_head
from honestballot.record.revoting import (
    ballot_private_to_json,
    ballot_v2_to_json,
    randomness_from_json,
    registration_private_to_json,
    registration_to_json,
)
from honestballot.record.roll import upload_to_json
from honestballot.record.setup import context_from_setup
from honestballot.record.share_parts import share_head_to_json
from honestballot.service.board.election import ElectionService
from honestballot.service.demo import demo_manifest, run_key_ceremony
from honestballot.service.encrypted_roll import keep_encrypted_roll
from honestballot.service.messages.senders import latest_code_for
from honestballot.service.runtime import ServerConfig, Services
from honestballot.service.voters.roll import Roll
from honestballot.store.schema import (
    board_queue,
    registration_nonces,
    revoting_alphas,
    revoting_credentials,
)
from honestballot.store.schema import (
    voters as roll_voters,
)
from honestballot.store.sql import SqlStore
from honestballot.web.app import asgi
from tests.independent import hbcheck

# -- people: IINs, SNILS, rolls and activity logs as CSV ------------------------------


def make_iin(born: dt.date | str, serial: int, century_sex: int | None = None) -> str:
    """A valid IIN (check digit and encoded birth date) for someone born on ``born`` (a
    date or YYYY-MM-DD), built by the published algorithm: the first issuable serial from
    ``serial`` on.  ``century_sex`` is the seventh digit (by default 3 for the 1900s and
    5 for the 2000s)."""
    if isinstance(born, str):
        born = dt.date.fromisoformat(born)
    century = century_sex if century_sex is not None else (3 if born.year < 2000 else 5)
    for s in range(serial, serial + 100):
        first = f"{born:%y%m%d}{century}{s % 10000:04d}"
        control = iin_control_digit(first)
        if control is not None:
            return first + str(control)
    raise AssertionError("no issuable IIN")  # pragma: no cover


def make_snils(number: int) -> str:
    """A valid SNILS (with its checksum) for the nine digits of ``number``."""
    body = f"{number:09d}"
    return f"{body[:3]}-{body[3:6]}-{body[6:]} {snils_checksum(body):02d}"


#: the columns of the audit's roll and activity files (docs/audit.md)
ROLL_HEADER = ("national_id", "name", "birth_date", "phone", "email", "unit", "organisation",
               "operator", "enrolled_at", "confirmed")  # fmt: skip
ACTIVITY_HEADER = ("time", "event", "voter", "address", "device", "user_agent", "contact",
                   "session")  # fmt: skip


def roll_row(i: int, **over: Any) -> dict[str, Any]:
    """A clean row of the audit's roll for person ``i`` (unique IIN, phone, e-mail)."""
    birth = f"19{60 + i % 30:02d}-0{1 + i % 9}-1{i % 10}"
    row = {
        "national_id": make_iin(birth, 10 * i),
        "name": f"Person {i}",
        "birth_date": birth,
        "phone": f"+7701{i:07d}",
        "email": f"p{i}@mail.example",
        "unit": f"unit-{i % 3}",
        "organisation": f"org-{i % 5}",
        "operator": f"op-{i % 4}",
        "enrolled_at": f"2023-0{1 + i % 6}-{10 + i % 15} {8 + i % 9:02d}:{i % 60:02d}:00",
        "confirmed": "yes",
    }
    row.update(over)
    return row


def write_csv(path: Path, header: Sequence[str], rows: Sequence[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(header), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


# -- manifests ------------------------------------------------------------------------


def label(en: str) -> Label:
    """A label from its English text, the Russian and Kazakh marked as such."""
    return Label(f"{en} (рус)", f"{en} (қаз)", en)


TAMPER_ELECTION = "tamper-test"


def tamper_manifest() -> Manifest:
    """Two contests (one with against-all, one with blank), three units, min unit size 2:
    north (3 voters) is broken out; tiny (1) is not, and neither is south (2), since the
    totals minus north and south would give away tiny's one ballot."""
    mayor = Contest(
        "mayor",
        label("Mayor"),
        tuple(Option(f"c{i}", label(f"Candidate {i}")) for i in (1, 2, 3)),
        1,
        1,
        True,
    )
    council = Contest(
        "council",
        label("Council"),
        tuple(Option(f"m{i}", label(f"Member {i}")) for i in (1, 2, 3)),
        0,
        2,
        False,
    )
    units = (
        Unit("north", label("North")),
        Unit("south", label("South")),
        Unit("tiny", label("Tiny")),
    )
    return Manifest(TAMPER_ELECTION, label("Tamper test"), (mayor, council), units, 2)


# -- key ceremonies -------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCeremony:
    """A manifest (the demo manifest for one election id, unless said otherwise), and the
    election key and trustee secrets of a 2-of-3 key ceremony run for it."""

    manifest: Manifest
    key: ElectionKey
    secrets: list[TrusteeSecret]


#: the ``demo_ceremony`` fixture: election id -> its ceremony (run once per session)
DemoCeremonies = Callable[[str], DemoCeremony]


def key_ceremony(manifest: Manifest, directory: Path, seed: str) -> DemoCeremony:
    """A 2-of-3 key ceremony for ``manifest``, its files in ``directory``."""
    key, secrets = run_key_ceremony(manifest, directory, SeededRandomness(seed))
    return DemoCeremony(manifest, key, [s for s in secrets if isinstance(s, TrusteeSecret)])


def demo_key_ceremony(election_id: str, directory: Path) -> DemoCeremony:
    """The demo manifest with ``election_id``, and a key ceremony seeded by the id."""
    return key_ceremony(demo_manifest(election_id), directory, election_id)


# -- an election on the service -------------------------------------------------------

#: choices on the demo manifest
CHOICE = {"chair": {"cand-1"}, "council": {"member-1", "member-2"}}
OTHER_CHOICE = {"chair": {"cand-2"}, "council": {"blank"}}


# -- a running web app ----------------------------------------------------------------

WEB_ELECTION = "web-test"

#: national_id, name, phone, email, unit
WEB_ROLL = [
    ("900101300001", "Aigerim Test", "+7 701 000 0001", "a1@example.org", "station-1"),
    ("900101300002", "Boris Test", "+7 701 000 0002", "", "station-1"),
    ("900101300003", "Clara Test", "", "c3@example.org", "station-2"),
    ("900101300004", "Daniyar Test", "87010000004", "d4@example.org", "station-3"),
    ("900101300005", "Elena Test", "+7 701 000 0005", "", "station-4"),
    ("900101300006", "Farid Test", "+7 701 000 0006", "", "station-small"),
]


def larger_web_roll(voters: int) -> list[tuple[str, str, str, str, str]]:
    """WEB_ROLL and more voters up to ``voters`` in all (e-mail only), spread over the four
    stations: voter ``n`` (from 7) is ``9001013`` and ``n`` in five digits, of station
    ``n % 4 + 1``."""
    return [
        *WEB_ROLL,
        *(
            (f"9001013{n:05d}", f"Voter {n}", "", f"v{n}@example.org", f"station-{n % 4 + 1}")
            for n in range(len(WEB_ROLL) + 1, voters + 1)
        ),
    ]


def web_roll_csv(rows: list[tuple[str, str, str, str, str]] = WEB_ROLL) -> bytes:
    lines = ["national_id,name,phone,email,unit"] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj).encode()


@dataclass
class WebElection:
    client: TestClient
    services: Services
    election_id: str
    outbox: Path
    organiser_token: str
    ceremony: DemoCeremony
    database_url: str
    extra: dict[str, Any] = field(default_factory=dict)

    def organiser_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.organiser_token}"}

    def csrf(self, client: TestClient | None = None) -> str:
        c = client or self.client
        r = c.get("/api/csrf")
        assert r.status_code == 200, r.text
        token: str = r.json()["csrf"]
        return token

    def code_for(self, destination: str) -> str | None:
        return latest_code_for(self.outbox, destination)

    def sign_in(
        self, client: TestClient, national_id: str, election_id: str | None = None
    ) -> dict[str, Any]:
        """Request a code, read it from the outbox, exchange it for a session (in the
        fixture's election unless ``election_id`` names another)."""
        election_id = election_id or self.election_id
        token = self.csrf(client)
        headers = {"x-csrf-token": token}
        r = client.post(
            f"/api/e/{election_id}/signin", json={"national_id": national_id}, headers=headers
        )
        assert r.status_code == 202, r.text
        voter = self.services.roll.voter_by_national_id(election_id, national_id)
        assert voter is not None
        destination = voter.phone or voter.email
        assert destination is not None
        code = self.code_for(destination)
        assert code is not None, "no code was sent"
        r = client.post(
            f"/api/e/{election_id}/session",
            json={"national_id": national_id, "code": code},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def context(self) -> dict[str, Any]:
        r = self.client.get(f"/api/e/{self.election_id}/context")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


@contextmanager
def open_web_app(ceremony: DemoCeremony, tmp_path: Path, url: str) -> Iterator[WebElection]:
    """The app over the database at ``url`` with no election on it yet and an organiser
    token made: the ground of :func:`open_revoting_election` (its ``election_id`` is the
    ceremony's election's)."""
    outbox = tmp_path / "outbox"
    config = ServerConfig(
        database_url=url,
        sender=f"file:{outbox}",
        snapshot_dir=tmp_path / "snapshots",
        background=False,
        tree_head_interval_s=0.0,  # sign a head whenever a receipt check needs one
        cover_workers=0,  # no worker processes: the tests that want them opt in
    )
    app = asgi(config)
    with TestClient(app, base_url="http://testserver") as client:
        services: Services = app.app.state.services  # type: ignore[attr-defined]
        token = str(services.organisers.create_token("test organiser"))
        election_id = ceremony.manifest.election_id
        yield WebElection(client, services, election_id, outbox, token, ceremony, url)


# -- election records -----------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    lines: list[bytes]  # without the newline
    board_secret: Scalar
    election_id: str

    def events(self) -> list[tuple[int, dict[str, Any]]]:
        """(line index, parsed event) for every event line."""
        out = []
        for i, raw in enumerate(self.lines):
            obj = json.loads(raw)
            if obj.get("type") == "event":
                out.append((i, obj))
        return out

    def line_of(self, kind: str, nth: int = 0) -> int:
        return [i for i, ev in self.events() if ev["kind"] == kind][nth]


def board_secret_of(url: str, election_id: str) -> Scalar:
    return _secret_of(url, election_id, "board_secret")


def verifier_secret_of(url: str, election_id: str) -> Scalar:
    """w of the service's designated-verifier key W (what an operator could re-prove W
    with, for a setup it rewrites)."""
    return _secret_of(url, election_id, "verifier_secret")


def _secret_of(url: str, election_id: str, column: str) -> Scalar:
    store = SqlStore(url)
    try:
        with store.engine.connect() as conn:
            row = store.election_row(conn, election_id)
        assert row is not None
        return Scalar.decode(bytes.fromhex(row[column]))
    finally:
        store.close()


def resign(lines: list[bytes], election_id: str, secret: Scalar) -> list[bytes]:
    """What a server holding the board key can do: recompute the Merkle tree over the
    (changed) events and re-sign every tree head, each for the events before it."""
    board_key = base_mul(secret)
    rng = SeededRandomness("malicious board")
    events = [raw for raw in lines[1:] if json.loads(raw).get("type") == "event"]
    tree = MerkleTree(leaf_hash(raw) for raw in events)
    out, position = [lines[0]], 0
    for raw in lines[1:]:
        obj = json.loads(raw)
        if obj.get("type") == "tree-head":
            head = TreeHead(
                size=position, root=tree.root(position), timestamp_ms=obj["timestamp_ms"]
            )
            sth = sign_tree_head(head, election_id, secret, board_key, rng)
            out.append(canonical_bytes(sth.to_json()))
        else:
            position += obj.get("type") == "event"
            out.append(raw)
    return out


def renumber(lines: list[bytes]) -> list[bytes]:
    """Give events dense sequence numbers again (after a line was dropped or copied)."""
    out, seq = [], 0
    for raw in lines:
        obj = json.loads(raw)
        if obj.get("type") == "event":
            obj["seq"] = seq
            seq += 1
            raw = canonical_bytes(obj)
        out.append(raw)
    return out


# -- a ranked election -----------------------------------------------------------------

RANKED_ELECTION = "ranked-primary"

#: each voter's (leader ranking, board ranking): leader is IRV over a b c d with "against
#: all", up to 3; board is Schulze over x y z with a blank choice, up to 3.  Integers are
#: a hand-made ballot's choice numbers (a=1 b=2 c=3 d=4 against-all=5), which the ballot
#: page would never make.
RANKED_VOTES: list[tuple[Sequence[Any], Sequence[str]]] = [
    (["a", "b"], ["x", "y", "z"]),
    (["a"], ["x", "y", "z"]),
    (["b", "a"], ["x", "y", "z"]),
    (["c", "b"], ["x", "y", "z"]),
    (["c", "b", "a"], ["y", "z", "x"]),
    (["d", "c"], ["y", "z", "x"]),
    (["against-all"], ["y", "z", "x"]),
    ((3, 3, 2), ["z", "x", "y"]),  # a repeat: read as c > b
    ((2, 0, 4), ["z", "x", "y"]),  # a gap: read as b
    (["a", "c"], ["y"]),
    (["against-all"], ["blank"]),
]


def ranked_manifest() -> Manifest:
    """Two ranked contests (docs/ranked.md), each counted by the trustees' mixes."""
    leader = Contest(
        "leader",
        label("Leader"),
        tuple(Option(x, label(x.upper())) for x in "abcd"),
        1,
        3,
        True,
        count="mix",
        method="irv",
    )
    board = Contest(
        "board",
        label("Board"),
        tuple(Option(x, label(x.upper())) for x in "xyz"),
        0,
        3,
        False,
        count="mix",
        method="schulze",
    )
    units = (Unit("north", label("North")), Unit("south", label("South")))
    return Manifest(RANKED_ELECTION, label("Ranked"), (leader, board), units, 1)


def ranked_web_manifest() -> Manifest:
    """The web tests' election (:data:`WEB_ELECTION`, the demo manifest's units) with the
    demo's plural ``chair`` contest and two ranked ones: ``leader`` by instant-runoff over
    four candidates with "against all", up to 3 ranks; ``council`` by Schulze over three
    with a blank choice, up to 3 ranks."""
    demo = demo_manifest(WEB_ELECTION)

    def names(*people: tuple[str, str, str]) -> tuple[Option, ...]:
        return tuple(Option(en.split()[0].lower(), Label(ru, kk, en)) for ru, kk, en in people)

    leader = Contest(
        "leader",
        Label("Лидер партии", "Партия жетекшісі", "Party leader"),
        names(
            ("Айгерим Аманова", "Айгерім Аманова", "Aigerim Amanova"),
            ("Болат Бекенов", "Болат Бекенов", "Bolat Bekenov"),
            ("Дана Дауренова", "Дана Дәуренова", "Dana Daurenova"),
            ("Ерлан Есенов", "Ерлан Есенов", "Erlan Yessenov"),
        ),
        1,
        3,
        True,
        count="mix",
        method="irv",
    )
    council = Contest(
        "council",
        Label("Совет", "Кеңес", "Council"),
        names(
            ("Ксения Ким", "Ксения Ким", "Xenia Kim"),
            ("Юрий Юсупов", "Юрий Юсупов", "Yuri Yusupov"),
            ("Зарина Жумабаева", "Зарина Жұмабаева", "Zarina Zhumabayeva"),
        ),
        0,
        3,
        False,
        count="mix",
        method="schulze",
    )
    return replace(demo, contests=(demo.contests[0], leader, council))


def _hand_made(contest: Contest, ranking: Sequence[Any]) -> tuple[int, ...]:
    """What a client that ignores the ballot page's rules may encrypt."""
    if all(isinstance(v, int) for v in ranking):
        return tuple(ranking)
    from honestballot.protocol.ranked import encode_ranking

    return encode_ranking(contest, ranking)


def encode_share(share: DecryptionShare) -> dict[str, Any]:
    """The share file of a tally without mixed contests (the ``decryption-share`` object)."""
    head = ShareHead(share.election, share.trustee, share.tally_hash, share.entries, None)
    return share_head_to_json(head)


# -- re-voting protection: an election with an encrypted roll, and a voter's device -------

REVOTING_ELECTION = "web-revoting"


def post_batch_at(
    services: Services, election_id: str, schedule: Schedule, batch_times: int
) -> list[int]:
    """Set the service's clock to the election's batch time number ``batch_times`` (1:
    the first; its clock stays there) and post what is due: the ``seq`` of each event
    appended."""
    open_ms = services.batches.open_ms(election_id)
    assert open_ms is not None, "the election is not open"
    store = services.elections.store
    before = sum(1 for _ in store.iter_events(election_id))
    due = open_ms + batch_times * schedule.interval * 1000
    services.elections.clock = lambda: due
    assert services.batches.post_due(election_id) == 1
    return list(range(before, sum(1 for _ in store.iter_events(election_id))))


@dataclass
class RevotingElection:
    """An open election with re-voting protection on a running app: its encrypted roll
    made by the organiser's tool with seeded randomness, and every voter's letter."""

    web: WebElection
    ctx: ElectionContext
    #: national ID -> the voter's activation letter
    letters: dict[str, LetterSecret]
    #: the organiser's secret key (its public key is in the setup): it signs the stations
    organiser: Scalar
    #: how many batch times :meth:`post_batch` has passed
    batch_times: int = 0

    @property
    def id(self) -> str:
        return self.ctx.manifest.election_id

    def device(self, national_id: str, seed: str) -> RevotingDevice:
        """A device (its own cookies) signed in as the voter, drawing from ``seed``."""
        client = TestClient(self.web.client.app, base_url="http://testserver")
        self.web.sign_in(client, national_id, self.id)
        return RevotingDevice(self, client, national_id, SeededRandomness(seed))

    def post_batch(self) -> list[int]:
        """Set the service's clock to the election's next batch time (its clock stays
        there) and post what is due: the ``seq`` of each event appended."""
        assert self.ctx.schedule is not None
        self.batch_times += 1
        return post_batch_at(self.web.services, self.id, self.ctx.schedule, self.batch_times)

    def roll_again(
        self, roll: Sequence[tuple[str, str, str, str, str]] = WEB_ROLL
    ) -> dict[str, Any]:
        """The election's encrypted roll (in setup) made again from its roll as it is now
        (``roll``: its rows, WEB_ROLL's form; its exceptions as recorded) as ``make-roll``
        makes it: the upload, to keep through the organiser's API or page; the letters
        are the new roll's."""
        services = self.web.services
        upload, self.letters = encrypted_roll_upload(
            services.elections, services.roll, self.id, self.organiser,
            [RollVoter(nid, name, unit) for nid, name, _, _, unit in roll],
            SeededRandomness(f"{self.id}: the roll made again"),
        )  # fmt: skip
        return upload

    def open(self) -> None:
        """Open the election (made with ``open_=False``) with its roll's summary."""
        roll = self.web.services.roll
        self.web.services.elections.open(
            self.id, roll=lambda conn: roll.summary_body(self.id, conn)
        )


#: the batch schedule of the re-voting tests' election (its presence in the setup marks an
#: election with re-voting protection)
REVOTING_SCHEDULE = Schedule(60, ((40, 20),), cover=Cover(0, 100_000))
#: a schedule of small batches (a batch a minute of 8 rows and 4 registrations), for the
#: tests whose elections with protection need few voters and a small board
SMALL_SCHEDULE = Schedule(60, ((8, 4),), cover=Cover(0, 100_000))
#: an epsilon (in thousandths: 100) so large that the cover replacements' noise is 0 but
#: with odds below 1e-40
NO_NOISE = 100_000


def no_noise(k0: int) -> Cover:
    """A cover of exactly ``k0`` cover replacements (without noise)."""
    return Cover(k0, NO_NOISE)


def open_revoting_election(
    web: WebElection,
    ceremony: DemoCeremony,
    rng: Randomness,
    *,
    open_: bool = True,
    keep_roll: bool = True,
    cover_replacements: int = 0,
    schedule: Schedule = REVOTING_SCHEDULE,
    witnesses: Sequence[Witness] = (),
    quorum: int | None = None,
    roll: Sequence[tuple[str, str, str, str, str]] = WEB_ROLL,
) -> RevotingElection:
    """The ceremony's election created on ``web``'s app with an organiser's key and a
    batch schedule, the web roll imported, the encrypted roll made (build_roll_upload, as
    make-roll does) and kept unless ``keep_roll`` is false, and opened unless ``open_``
    is false (an election with a schedule opens only with its encrypted roll).  The
    service makes exactly ``cover_replacements`` cover replacements (the schedule's cover
    is set to K0 = ``cover_replacements`` without noise: the default of 300 with its noise
    is for real elections, whose schedules have room for them, docs/coercion.md §4).
    ``witnesses`` (``quorum`` of them) co-sign its tree heads.  ``roll``: the web roll's
    rows (WEB_ROLL's form)."""
    services = web.services
    schedule = replace(schedule, cover=no_noise(cover_replacements))
    services.batches.post_delay_ms = 0  # the tests set the clock to each due time
    election_id = ceremony.manifest.election_id
    organiser = random_nonzero_scalar(rng)
    ctx = services.elections.create(
        ceremony.manifest,
        ceremony.key,
        organiser_key=base_mul(organiser),
        schedule=schedule,
        witnesses=witnesses,
        quorum=quorum,
    )
    services.roll.import_csv(election_id, web_roll_csv(list(roll)))
    voters = [RollVoter(nid, name, unit) for nid, name, _, _, unit in roll]
    letters = make_encrypted_roll(
        services.elections, services.roll, election_id, organiser, voters, rng,
        keep=keep_roll, open_=open_,
    )  # fmt: skip
    # the devices take the election (and W) from the setup on the board, checked
    verified, _, _ = context_from_setup(services.elections.setup_body(election_id))
    assert verified == ctx
    return RevotingElection(web, verified, letters, organiser)


@contextmanager
def protected_election(
    ceremony: DemoCeremony, directory: Path, seed: str, *, url: str | None = None, **kw: Any
) -> Iterator[RevotingElection]:
    """The ceremony's election with re-voting protection (:func:`open_revoting_election`,
    ``kw`` passed on, its randomness seeded by ``seed``) on an app of its own over the
    database at ``url`` (a SQLite file in ``directory`` unless given)."""
    directory.mkdir(parents=True, exist_ok=True)
    url = url or f"sqlite:///{directory / 'store.sqlite'}"
    with open_web_app(ceremony, directory, url) as web:
        yield open_revoting_election(web, ceremony, SeededRandomness(seed), **kw)


def voter_writes(election: RevotingElection) -> dict[str, list[tuple[object, ...]]]:
    """The election's rows, sorted, in each table that a voter's request in an election
    with protection may write: its queue for the board, credentials (with their ballot and
    audit counts), registration nonces (with whether used), ballots' alphas, and the
    voters' revocation points (which say which credential is current: the one whose tag
    point is its voter's revocation point).  A refused or cut-off request must leave
    them as they were: a write that only changes a value shows as well as a new row."""
    tables = (board_queue, revoting_credentials, registration_nonces, revoting_alphas)
    with election.web.services.store.connect() as conn:
        found: dict[str, list[tuple[object, ...]]] = {
            t.name: sorted(
                (
                    tuple(row)
                    for row in conn.execute(select(t).where(t.c.election_id == election.id))
                ),
                key=repr,
            )
            for t in tables
        }
        found["voters.revocation_point"] = sorted(
            (
                tuple(row)
                for row in conn.execute(
                    select(roll_voters.c.voter_id, roll_voters.c.revocation_point).where(
                        roll_voters.c.election_id == election.id
                    )
                )
            ),
            key=repr,
        )
    return found


def encrypted_roll_upload(
    elections: ElectionService,
    roll: Roll,
    election_id: str,
    organiser: Scalar,
    voters: Sequence[RollVoter],
    rng: Randomness,
) -> tuple[dict[str, Any], dict[str, LetterSecret]]:
    """The organiser's encrypted roll of the election (in setup, ``voters`` its roll as
    imported now) made as ``make-roll`` makes it: the upload (JSON, as the organiser's API
    and page take it) and each voter's letter, by national ID."""
    ctx = elections.context(election_id)
    summary = roll.summary_body(election_id)
    made = build_roll_upload(election_id, ctx, summary, list(voters), organiser, rng)
    upload: dict[str, Any] = upload_to_json(made.upload)
    return upload, {nid: LetterSecret.from_code(code) for nid, _, _, code in made.letters}


def make_encrypted_roll(
    elections: ElectionService,
    roll: Roll,
    election_id: str,
    organiser: Scalar,
    voters: Sequence[RollVoter],
    rng: Randomness,
    *,
    keep: bool = True,
    open_: bool = False,
) -> dict[str, LetterSecret]:
    """The organiser's encrypted roll of the election (:func:`encrypted_roll_upload`),
    kept unless ``keep`` is false, and the election opened with it if ``open_``; each
    voter's letter, by national ID."""
    upload, letters = encrypted_roll_upload(elections, roll, election_id, organiser, voters, rng)
    if keep:
        keep_encrypted_roll(elections, roll, election_id, upload)
    if open_:
        elections.open(election_id, roll=lambda conn: roll.summary_body(election_id, conn))
    return letters


def publish_signed_station(
    elections: ElectionService,
    election_id: str,
    organiser: Scalar,
    details: Any,
    commission: Any,
    rng: Randomness | None = None,
    sequence: int | None = None,
) -> Any:
    """Publish a station as the organiser does in an election with the organiser's key:
    signed on its machine (``honestballot organiser sign-station``, whose salt and
    signature draw from ``rng``) as the unit's station event number ``sequence`` (None:
    the next, one more than the unit's station events on the board), then published;
    (station, details) as published."""
    ctx = elections.context(election_id)
    if sequence is None:
        sequence = 1 + sum(
            events for station, events, _ in elections.stations(election_id)
            if station.unit == details["unit"]
        )  # fmt: skip
    signed, _ = signed_station(
        ctx.base_hash, ctx.manifest, details, commission, organiser,
        rng or SeededRandomness(f"the organiser signs {election_id}"), sequence=sequence,
    )  # fmt: skip
    return elections.publish_signed_station(election_id, signed)


def election_secret(ceremony: DemoCeremony) -> Scalar:
    """The election key's secret ``x`` from two trustees' shares (a test's shortcut: no
    trustee ever does this)."""
    shares = {s.index: s.key_share for s in ceremony.secrets[:2]}
    lambdas = lagrange_at_zero(shares)
    secret = Scalar.of(0)
    for index, share in shares.items():
        assert share is not None
        secret = secret + lambdas[index] * share
    assert base_mul(secret) == ceremony.key.public_key
    return secret


def commitment_of(answer: Any) -> Commitment:
    """The service's commitment in a 201 answer to ``registration-start``."""
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Commitment(
        bytes.fromhex(body["nonce"]),
        ciphertext_from_json(body["revokes"], "revokes"),
        randomness_from_json(body["revokes_proof"], "revokes_proof"),
    )


def registration_body(reg: Registration, private: RegistrationPrivate) -> dict[str, Any]:
    """What a device sends to ``registrations``."""
    return {
        "registration": registration_to_json(reg),
        "private": registration_private_to_json(private),
    }


def cast_body(ballot: BallotV2, private: BallotPrivate) -> dict[str, Any]:
    """What a device sends to ``ballots``."""
    return {"ballot": ballot_v2_to_json(ballot), "private": ballot_private_to_json(private)}


def audit_body(ballot: BallotV2, opening: BallotOpening, private: BallotPrivate) -> dict[str, Any]:
    """What a device sends to ``audits``."""
    return {
        "ballot": ballot_v2_to_json(ballot),
        "opening": opening_to_json(opening),
        "private": ballot_private_to_json(private),
    }


@dataclass
class RevotingDevice:
    """A voter's device in an election with re-voting protection, speaking the API as
    the browser would (docs/api.md, "Re-voting protection")."""

    election: RevotingElection
    client: TestClient
    national_id: str
    rng: SeededRandomness

    @property
    def path(self) -> str:
        return f"/api/e/{self.election.id}/revoting"

    def post(self, what: str, body: Any) -> Any:
        headers = {"x-csrf-token": self.election.web.csrf(self.client)}
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.post(f"{self.path}/{what}", content=content, headers=headers)

    def start(self) -> Any:
        return self.post("registration-start", b"")

    def commitment(self, answer: Any) -> Commitment:
        return commitment_of(answer)

    def registration(
        self,
        seed: CredentialSeed,
        letter: LetterSecret | None = None,
        commitment: Commitment | None = None,
    ) -> tuple[Registration, RegistrationPrivate]:
        """A registration of ``seed`` with the voter's own letter (unless another is
        given) on a commitment the service starts now (unless one is given)."""
        ctx = self.election.ctx
        made = commitment or self.commitment(self.start())
        letter = letter or self.election.letters[self.national_id]
        return make_registration(
            ctx.base_hash, ctx.public_key, ctx.verifier_key, made, seed, letter, self.rng
        )

    def send_registration(self, reg: Registration, private: RegistrationPrivate) -> Any:
        return self.post("registrations", registration_body(reg, private))

    def register(self, seed: CredentialSeed | None = None) -> tuple[CredentialSeed, Any]:
        """Register a new credential (a fresh seed unless given); (seed, answer)."""
        seed = seed or generate_seed(self.rng, self.election.ctx.base_hash)
        return seed, self.send_registration(*self.registration(seed))

    def ballot(
        self, seed: CredentialSeed, choice: dict[str, set[str]] | None = None
    ) -> tuple[BallotV2, BallotOpening, BallotPrivate]:
        ctx = self.election.ctx
        return encrypt_ballot_v2(ctx, seed, ctx.verifier_key, choice or CHOICE, self.rng)

    def cast(self, ballot: BallotV2, private: BallotPrivate) -> Any:
        return self.post("ballots", cast_body(ballot, private))

    def audit(self, ballot: BallotV2, opening: BallotOpening, private: BallotPrivate) -> Any:
        return self.post("audits", audit_body(ballot, opening, private))

    def receipt(self, tracking_hash: str) -> Any:
        return self.client.get(f"{self.path}/ballots/{tracking_hash}")


#: the closed record's election (a demo manifest, min_unit_size 2)
CLOSED_ELECTION = "closed-protected"
#: (national ID, the choices it casts in order, whether it registers a new credential on
#: another device before each ballot after its first) of :func:`closed_protected_record`
CLOSED_VOTERS: tuple[tuple[str, tuple[dict[str, set[str]], ...], bool], ...] = (
    ("900101300001", (OTHER_CHOICE, CHOICE), False),  # re-votes under one credential
    ("900101300002", (CHOICE, OTHER_CHOICE), True),  # replaces its credential, then votes
    ("900101300003", (OTHER_CHOICE,), False),
    ("900101300004", (CHOICE,), False),
)


# -- the trustees' side of the close (with re-voting protection) -----------------------


def post_close(election: RevotingElection, kind: str, body: Any) -> Any:
    """One line of a close file sent to the service."""
    line = canonical_bytes({"kind": kind, "body": body})
    return election.web.client.post(f"/api/e/{election.id}/close", content=line)


def send_close(
    election: RevotingElection, trustee: TrusteeKeys, step: Any, rng: SeededRandomness
) -> Any:
    """The trustee's object for ``step``: its parts (each must be stored), then its step
    (the answer is returned)."""
    ctx = election.ctx
    parts, head = publish(ctx.base_hash, act(ctx, step, trustee, rng), trustee.x, rng)
    for part in parts:
        answer = post_close(election, "close-part", part)
        assert answer.status_code == 201, answer.text
    return post_close(election, "close-step", head)


def trustee_keys(ceremony: DemoCeremony) -> dict[int, TrusteeKeys]:
    """Each trustee's key shares, by index."""
    out = {}
    for s in ceremony.secrets:
        assert s.key_share is not None and s.tag_key_shares is not None
        out[s.index] = TrusteeKeys(s.index, s.key_share, *s.tag_key_shares)
    return out


def run_close(
    election: RevotingElection,
    ceremony: DemoCeremony,
    rng: SeededRandomness,
    each_round: Callable[[str], None] = lambda _: None,
) -> list[str]:
    """Trustees 2 and 3 send their objects for every open step until the close is done
    (its result posted with the last step); the rounds it went through.  ``each_round``
    is called with each round as it opens, before anything is sent in it."""
    trustees = trustee_keys(ceremony)
    close = election.web.services.close
    rounds = []
    while not (state := close.stage(election.id)).done:
        rounds.append(state.round)
        each_round(state.round)
        for step in state.next:
            for j in (2, 3):
                answer = send_close(election, trustees[j], step, rng)
                assert answer.status_code == 201, answer.text
                if step.kind == "mix" and j == 2:  # the next mixer shuffles this output
                    step = next(
                        s
                        for s in close.stage(election.id).next
                        if (s.kind, s.list) == (step.kind, step.list)
                    )
    return rounds


#: a voter of :func:`vote_then_close`: (national ID, the choices it casts in order,
#: whether it registers a new credential on another device before each ballot after its
#: first)
Voter = tuple[str, Sequence[dict[str, set[str]]], bool]


def vote_then_close(
    election: RevotingElection,
    ceremony: DemoCeremony,
    seed: str,
    voters: Sequence[Voter],
    closed_ms: int,
    *,
    after_voter: Callable[[int, RevotingDevice, CredentialSeed], None] = lambda *_: None,
    trustees_ms: int | None = None,
    before_trustees: Callable[[], None] = lambda: None,
    each_round: Callable[[str], None] = lambda _: None,
) -> list[bytes]:
    """``voters`` register on their devices (seeded by ``seed``) and cast, each ballot
    after the first on a new credential of another device if the voter's flag says so;
    ``after_voter`` (the voter's index, its last device and credential) runs after each
    voter; the election is closed at ``closed_ms``; the clock is set to ``trustees_ms``
    (if given) and ``before_trustees`` runs; trustees 2 and 3 run the close
    (:func:`run_close`, ``each_round`` called with each round as it opens).  Returns the
    record's lines."""
    services = election.web.services
    for n, (national_id, choices, replace_credential) in enumerate(voters):
        device = election.device(national_id, f"{seed} device {national_id}")
        credential, answer = device.register()
        assert answer.status_code == 201, answer.text
        for i, choice in enumerate(choices):
            if i and replace_credential:
                device = election.device(national_id, f"{seed} another device {i}")
                credential, answer = device.register()
                assert answer.status_code == 201, answer.text
            ballot, _, private = device.ballot(credential, choice)
            answer = device.cast(ballot, private)
            assert answer.status_code == 201, answer.text
        after_voter(n, device, credential)
    services.elections.clock = lambda: closed_ms
    services.elections.close(election.id)
    if trustees_ms is not None:
        services.elections.clock = lambda: trustees_ms
    before_trustees()
    run_close(election, ceremony, SeededRandomness(f"{seed} trustees"), each_round)
    return [bytes(x).rstrip(b"\n") for x in services.elections.record_lines(election.id)]


@contextmanager
def closed_protected_record(
    directory: Path,
    seed: str,
    *,
    voters: Sequence[Voter] = CLOSED_VOTERS,
    audit: bool = True,
    ceremony: DemoCeremony | None = None,
    roll: Sequence[tuple[str, str, str, str, str]] = WEB_ROLL,
    each_round: Callable[[RevotingElection, str], None] = lambda _election, _round: None,
) -> Iterator[tuple[Record, RevotingElection, DemoCeremony]]:
    """A small election with re-voting protection run to its result, for the tests that
    need a whole record (the verifier's tamper suite, its Dask tests): the demo manifest
    (min_unit_size 2) with its own ceremony, the web roll, ``voters`` registering on their
    devices and casting (:func:`vote_then_close`), one batch posted during the vote, the
    first voter's device auditing a ballot (unless ``audit`` is false), the close at the
    next batch time and trustees 2 and 3 running it in process (:func:`run_close`).
    ``ceremony``: another manifest and its ceremony (the web roll's units) instead;
    ``roll``: the roll's rows (WEB_ROLL's form); ``each_round``: called with the election
    and each round of the close as it opens, before the trustees send anything in it.
    Yields (the record with the board's secret, the election on its app, the ceremony);
    the randomness is seeded by ``seed`` (the record is not byte for byte reproducible:
    the service's own draws are not)."""
    if ceremony is None:
        manifest = replace(demo_manifest(CLOSED_ELECTION), min_unit_size=2)
        (directory / "ceremony").mkdir(parents=True, exist_ok=True)
        ceremony = key_ceremony(manifest, directory / "ceremony", f"{seed} ceremony")
    with protected_election(
        ceremony, directory / "app", seed, schedule=SMALL_SCHEDULE, roll=roll
    ) as election:
        open_ms = election.web.services.batches.open_ms(election.id)
        assert open_ms is not None and election.ctx.schedule is not None

        def first_voter(n: int, device: RevotingDevice, credential: CredentialSeed) -> None:
            if n:
                return
            if audit:
                audited, opening, private = device.ballot(credential, CHOICE)
                answer = device.audit(audited, opening, private)
                assert answer.status_code == 200, answer.text
            election.post_batch()

        closed_ms = open_ms + 2 * election.ctx.schedule.interval * 1000 + 10
        lines = vote_then_close(
            election,
            ceremony,
            seed,
            voters,
            closed_ms,
            after_voter=first_voter,
            each_round=lambda round_: each_round(election, round_),
        )
        secret = board_secret_of(election.web.database_url, election.id)
        yield Record(lines, secret, election.id), election, ceremony


# -- a ranked election with re-voting protection, counted through the close ------------

#: the roll of :func:`closed_ranked_election`: one voter for each of :data:`RANKED_VOTES`,
#: north and south in turn (WEB_ROLL's form)
RANKED_ROLL: tuple[tuple[str, str, str, str, str], ...] = tuple(
    (f"9001013001{i:02d}", f"Ranked Voter {i}", f"+7 701 000 01{i:02d}", "",
     ("north", "south")[i % 2])
    for i in range(len(RANKED_VOTES))
)  # fmt: skip
#: a batch takes every voter's registration and ballot
RANKED_SCHEDULE = Schedule(60, ((12, 12),), cover=Cover(0, NO_NOISE))


@contextmanager
def markers_allowed() -> Iterator[None]:
    """docs/coercion.md §8.3's rule off, for a test's small roll: with re-voting
    protection a contest counted by mixing may admit at most one row per
    ``VOTERS_PER_ROW`` (100) voters on the roll (protocol/encrypted_roll.py), so the
    ranked manifests' contests (up to 216 rows) need 21,600 voters, an encrypted roll and
    a close far too large for a test.  Within this block, in this process (the service's
    ``keep_encrypted_roll`` and ``verify``'s ``roll.units`` alike), any contest is
    admitted; the rule itself is tested in tests/protocol/test_encrypted_roll.py."""
    from unittest import mock

    from honestballot.protocol import encrypted_roll

    with mock.patch.object(encrypted_roll, "VOTERS_PER_ROW", 0):
        yield


@contextmanager
def closed_ranked_election(
    ceremony: DemoCeremony, directory: Path, seed: str, *, url: str | None = None
) -> Iterator[tuple[RevotingElection, list[bytes]]]:
    """:data:`RANKED_VOTES` in an election with re-voting protection of the ranked
    manifest (``ceremony``'s: :func:`ranked_manifest`), counted through the close: each
    voter of :data:`RANKED_ROLL` registers on a device and casts its ranking (the
    hand-made ones, a repeat and a gap, as a client that ignores the ballot page's rules
    encrypts them), the close at the second batch time, trustees 2 and 3 running it in
    process (each ranked contest's column mixed alone and decrypted, the result posted;
    :func:`vote_then_close`).
    Only the roll-keeping step (entering :func:`protected_election`) runs within
    :func:`markers_allowed`: the record is verified with §8.3's rule on, so its
    ``roll.units`` fails (eleven voters, not 21,600) and nothing else does.
    Yields the election on its app and the record's lines."""
    from unittest import mock

    from honestballot.protocol import ballot as ballot_module

    with ExitStack() as stack:
        with markers_allowed():
            election = stack.enter_context(
                protected_election(
                    ceremony, directory, seed, url=url, schedule=RANKED_SCHEDULE, roll=RANKED_ROLL
                )
            )
        open_ms = election.web.services.batches.open_ms(election.id)
        assert open_ms is not None and election.ctx.schedule is not None
        closed_ms = open_ms + 2 * election.ctx.schedule.interval * 1000 + 10
        # each voter one ballot on one device; a ranked contest's choices in their order
        voters: list[Any] = [
            (national_id, [{"leader": tuple(leader), "board": tuple(board)}], False)
            for (national_id, *_), (leader, board) in zip(RANKED_ROLL, RANKED_VOTES, strict=True)
        ]
        with mock.patch.object(ballot_module, "encode_ranking", _hand_made):
            lines = vote_then_close(election, ceremony, seed, voters, closed_ms)
        yield election, lines


# -- a trustee's object of the close changed and signed again ---------------------------


def sign_close(base: bytes, kind: str, body: dict[str, Any], x: int) -> str:
    """``body`` signed again by the trustee whose key share is ``x`` (record-format §6: a
    Schnorr signature, tag close/signature, context (B base, P X_t), on the digest);
    returns the new digest."""
    key = hbcheck.B * x
    unsigned = hbcheck.canonical({k: v for k, v in body.items() if k != "signature"})
    digest = hbcheck.hash_bytes(f"close/{kind}", hbcheck.By(base), hbcheck.By(unsigned))
    r = secrets.randbelow(hbcheck.L - 1) + 1
    big_r = hbcheck.B * r
    parts = [hbcheck.By(base), hbcheck.Pt(key), hbcheck.By(digest), hbcheck.Pt(key)]
    c = hbcheck.hash_to_scalar("close/signature", *parts, hbcheck.Pt(big_r))
    body["signature"] = {"c": hbcheck.scalar_hex(c), "s": hbcheck.scalar_hex(r + c * x)}
    return digest.hex()


def resigned_close_part(
    lines: Sequence[bytes],
    election_id: str,
    board_secret: Any,
    x: dict[int, int],
    step: str,
    name: str | None,
    change: Callable[[dict[str, Any]], None],
) -> list[bytes]:
    """The first part of a (``step``, ``name``) object (of any list if ``name`` is None)
    changed by ``change`` and signed again by its trustee (``x``: trustee -> its election
    key share), with the step that names it (the trustee, or whoever holds its key, did
    it: every signature verifies), and the log re-signed."""
    events = [json.loads(raw) for raw in lines]
    base = hbcheck.setup_base_hash(events[1]["body"])
    at = next(
        i
        for i, e in enumerate(events)
        if e.get("kind") == "close-part"
        and e["body"]["step"] == step
        and name in (None, e["body"]["list"])
    )
    part = events[at]["body"]
    key = x[part["trustee"]]
    old = hbcheck.check_close_signed(base, "part", part, hbcheck.B * key).hex()
    change(part)
    new = sign_close(base, "part", part, key)
    head = next(
        e["body"]
        for e in events[at:]
        if e.get("kind") == "close-step" and old in e["body"]["parts"]
    )
    head["parts"] = [new if d == old else d for d in head["parts"]]
    sign_close(base, "step", head, key)
    out = [
        hbcheck.canonical(e) if e.get("type") == "event" else raw
        for e, raw in zip(events, lines, strict=True)
    ]
    return resign(out, election_id, board_secret)


def one_more(item: dict[str, Any], key: str) -> None:
    """``item[key]``, a point or a ciphertext (then its beta), plus the base point: still
    a point, so only the proof that covers it can tell."""
    if isinstance(item[key], dict):
        item = item[key]
        key = "beta"
    item[key] = (hbcheck.decode_point(item[key]) + hbcheck.B).hex()


def first_item_one_more(key: str) -> Callable[[dict[str, Any]], None]:
    """A change of a close part: its first item's ``key`` plus the base point
    (:func:`one_more`); for a mix's output row (``key`` "row"), its first ciphertext."""

    def change(part: dict[str, Any]) -> None:
        item = part["items"][0]
        if key == "row":
            one_more(item["row"][0], "beta")
        else:
            one_more(item, key)

    return change
