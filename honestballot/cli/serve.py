"""``honestballot serve``: the web service under uvicorn; ``honestballot organiser token``."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import click

from honestballot.cli.common import check_fingerprint, database_option, read_bytes
from honestballot.cli.keys import ORGANISER_KEY, load_key_file, make_key_file
from honestballot.cli.organiser_roll import make_roll_command
from honestballot.cli.organiser_station import sign_station_command
from honestballot.entropy import SYSTEM_RANDOMNESS
from honestballot.errors import InvalidInput
from honestballot.protocol.witnesses import sign_roll
from honestballot.record.witness import read_roll_summary, signature_to_json
from honestballot.service.runtime import (
    REMOVED_TRUST_PROXY,
    ServerConfig,
    create_organiser_token,
    prepare_database,
)
from honestballot.service.security.proxies import TrustedProxies
from honestballot.service.web_demo import WEB_DEMO_ELECTION, WebDemo


@click.command("serve")
@database_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes; they share only the database (use PostgreSQL for more than one).",
)
@click.option(
    "--sender",
    default=lambda: os.environ.get("HONESTBALLOT_SENDER", "console"),
    show_default="console",
    help="Where codes and notices go: console, file:DIR, smtp://…, https://gateway…, route:…",
)
@click.option(
    "--snapshots",
    default="honestballot-snapshots",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the static turnout snapshots.",
)
@click.option("--snapshot-interval", default=3.0, show_default=True, type=float)
@click.option(
    "--notice-round",
    default=60.0,
    show_default=True,
    type=float,
    help="Seconds between the rounds that send cast notices (on the clock, not after casts). "
    "No flow queues a cast notice today (version 1's casts did): this settles nothing now.",
)
@click.option(
    "--notice-delay",
    default=(0.0, 300.0),
    show_default=True,
    type=(float, float),
    metavar="MIN MAX",
    help="A cast notice is due a random MIN to MAX seconds after its ballot, so the SMS "
    "gateway cannot match it to the board by time. No flow queues a cast notice today "
    "(version 1's casts did): this settles nothing now.",
)
@click.option("--secure-cookies", is_flag=True, help="Send cookies over HTTPS only.")
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS[/PREFIX]",
    callback=lambda _ctx, _param, value: _trusted_proxies(value),
    help="A reverse proxy (address or network, IPv4 or IPv6) whose X-Forwarded-For is "
    "believed; repeatable. The client is the rightmost hop that is not a trusted proxy.",
)
@click.option(
    "--trust-proxy",
    is_flag=True,
    hidden=True,
    help="Removed: use --trusted-proxy.",
)
@click.option("--log-level", default="info", show_default=True)
@click.option(
    "--access-log",
    is_flag=True,
    help="Log every request with the client's address (off by default: it would record who "
    "filed an anonymous report and where voters sign in from).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="First create and open a demo election with re-voting protection and sample voters "
    "(their codes on the console).",
)
def serve_command(
    database: str,
    host: str,
    port: int,
    workers: int,
    sender: str,
    snapshots: Path,
    snapshot_interval: float,
    notice_round: float,
    notice_delay: tuple[float, float],
    secure_cookies: bool,
    trusted_proxies: TrustedProxies,
    trust_proxy: bool,
    log_level: str,
    access_log: bool,
    demo: bool,
) -> None:
    """Run the voting service (voter, organiser, trustee and observer pages and API)."""
    import uvicorn  # only this command needs it
    from uvicorn.supervisors import Multiprocess

    if trust_proxy or os.environ.get("HONESTBALLOT_TRUST_PROXY", "0") not in ("", "0"):
        raise click.UsageError(REMOVED_TRUST_PROXY)
    if workers > 1 and database.startswith("sqlite"):
        click.echo(
            "note: several workers on SQLite take turns at the write lock; "
            "PostgreSQL is the production store",
            err=True,
        )
    config = ServerConfig(
        database_url=database,
        sender=sender,
        snapshot_dir=snapshots,
        snapshot_interval_s=snapshot_interval,
        secure_cookies=secure_cookies,
        trusted_proxies=trusted_proxies,
        notice_round_s=notice_round,
        notice_delay_min_s=notice_delay[0],
        notice_delay_max_s=notice_delay[1],
    )
    try:
        config.notice_schedule()
    except InvalidInput as exc:
        raise click.BadParameter(str(exc), param_hint="--notice-round/--notice-delay") from None
    # migrate once before the workers start
    made = prepare_database(database, demo_trustees=Path("demo-web-trustees") if demo else None)
    if demo:
        _demo(made)
    os.environ.update(config.to_env())
    click.echo(f"honestballot serving on http://{host}:{port} ({workers} worker(s))", err=True)
    uv = uvicorn.Config(
        "honestballot.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        # the app finds the client itself (web/client_address.py) from the socket peer;
        # uvicorn's own X-Forwarded-For handling would replace that peer first
        proxy_headers=False,
        server_header=False,
        access_log=access_log,
    )
    sock = listening_socket(host, port)
    if workers == 1:
        uvicorn.Server(uv).run(sockets=[sock])
    else:
        Multiprocess(uv, sockets=[sock]).run()


def _trusted_proxies(values: tuple[str, ...]) -> TrustedProxies:
    try:
        return TrustedProxies.parse(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--trusted-proxy") from None


def listening_socket(host: str, port: int) -> socket.socket:
    """The listening socket, made with an explicit IPPROTO_TCP: asyncio turns on
    TCP_NODELAY only for sockets whose protocol says TCP, and a socket made without it
    (uvicorn's own, for several workers) answers each keep-alive request only after the
    delayed-ACK timer, about 40 ms later."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    sock.set_inheritable(True)
    return sock


def _demo(made: WebDemo | None) -> None:
    if made is None:
        click.echo(f"the demo election {WEB_DEMO_ELECTION!r} is already in this store", err=True)
        return
    codes = "; ".join(f"{nid}: {code}" for nid, code in made.activation_codes.items())
    click.echo(
        f"demo election {made.election_id!r} (with re-voting protection) is open.\n"
        f"  vote:      /e/{made.election_id}/signin with national ID "
        f"{' or '.join(made.sample_ids)} (the one-time code is printed here), then the "
        f"activation code of the voter's letter: {codes}\n"
        f"  organiser: /organiser with token {made.organiser_token}\n"
        f"  trustees:  secrets in {made.trustee_dir}/ (after the close: honestballot "
        "trustee close-round, docs/trustees.md)",
        err=True,
    )


@click.group("organiser")
def organiser_group() -> None:
    """Organiser access to the service."""


@organiser_group.command("token")
@database_option
@click.option(
    "--election",
    "election_id",
    default=None,
    metavar="ELECTION_ID",
    help="The one election the token manages (it need not exist yet: its holder may "
    "create it). Without it the token manages every election on this server.",
)
@click.argument("label")
def organiser_token(database: str, election_id: str | None, label: str) -> None:
    """Create an organiser token for LABEL (printed once; only its MAC is stored).

    Give each organiser a token scoped with --election; keep tokens for every election
    to the operator."""
    token = create_organiser_token(database, label, election_id)
    click.echo(str(token))
    if election_id is None:
        click.echo(
            "warning: this token manages every election on this server; give an organiser "
            "a token for their election only (--election ELECTION_ID)",
            err=True,
        )


@organiser_group.command("keygen")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Secret key file.")
def organiser_keygen(out: str) -> None:
    """Make the organiser's key pair, which signs the roll summary and the polling
    stations; name the printed public key at 'election create --organiser-key'."""
    make_key_file(out, ORGANISER_KEY)


@organiser_group.command("make-roll")
@click.argument("summary", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--roll",
    "roll_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Your roll file (the CSV you imported).",
)
@click.option("--key", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--fingerprint",
    required=True,
    help="The election's fingerprint as 'election create' printed it.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The upload.")
@click.option(
    "--letters",
    required=True,
    type=click.Path(dir_okay=False),
    help="The letters to print (activation codes: keep it safe, delete it after printing).",
)
def organiser_make_roll(
    summary: str, roll_file: str, key: str, fingerprint: str, out: str, letters: str
) -> None:
    """Election with re-voting protection: make the activation letters and the signed
    encrypted roll from the roll summary (GET /api/organiser/e/ID/roll-summary) and your
    roll file; upload the result (POST /api/organiser/e/ID/encrypted-roll) before opening."""
    make_roll_command(summary, roll_file, key, fingerprint, out, letters)


@organiser_group.command("sign-roll")
@click.argument("summary", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--fingerprint",
    required=True,
    help="The election's fingerprint as 'election create' printed it: the summary must be "
    "for that election (a server cannot get a signature for another setup).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def organiser_sign_roll(summary: str, key: str, fingerprint: str, out: str) -> None:
    """Sign the roll summary (GET /api/organiser/e/ID/roll-summary) with the organiser's
    key, after checking its counts against your own roll; open the election with the
    signature (POST .../open with {"roll_signature": ...})."""
    to_sign = read_roll_summary(read_bytes(summary))
    check_fingerprint(to_sign.base_hash, fingerprint, "the summary")
    for unit, voters in to_sign.per_unit:
        click.echo(f"  {unit}: {voters} voters")
    click.echo(f"  shared-contact exceptions: {to_sign.contact_exceptions}")
    signature = sign_roll(to_sign.base_hash, to_sign.message, load_key_file(key, ORGANISER_KEY),
                          SYSTEM_RANDOMNESS)  # fmt: skip
    Path(out).write_text(json.dumps({"roll_signature": signature_to_json(signature)}))
    click.echo(f"signed the roll summary of election {to_sign.election_id}; wrote {out}")


organiser_group.add_command(sign_station_command)
