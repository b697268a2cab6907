"""Observer commands: ``honestballot verify`` and ``honestballot log ...``."""

from __future__ import annotations

import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from honestballot.cli.common import database_option, open_service, read_bytes
from honestballot.cli.witness import urllib_fetch
from honestballot.crypto.merkle import MerkleTree, leaf_hash, verify_consistency
from honestballot.errors import HonestBallotError, LogError
from honestballot.record.codec import decode_point, parse_json
from honestballot.record.events import tree_head_from_json
from honestballot.verify.heads import board_key_of, compare_heads
from honestballot.verify.verifier import Report, verify_record_file


def print_report(report: Report, console: Console) -> None:
    console.print(f"[bold]Election record {report.election_id}[/bold]")
    for check in report.checks:
        mark = "[green]PASS[/green]" if check.passed else "[red]FAIL[/red]"
        if check.named:
            mark = "[yellow]NAMED[/yellow]"
        console.print(f"  {mark} {check.name}: {check.detail}")
    if report.stats:
        console.print(
            "  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.stats.items())
        )
    if report.counts:
        table = Table(title="Result (recomputed from the record)")
        table.add_column("entry")
        table.add_column("count", justify="right")
        for entry, count in report.counts.items():
            table.add_row(entry, str(count))
        console.print(table)
    if report.passed and report.named:
        names = ", ".join(c.name for c in report.named)
        console.print(
            "[bold green]VERIFIED[/bold green]: every check passed; "
            f"{len(report.named)} failure(s) with a remedy named a party: {names}"
        )
    elif report.passed:
        console.print("[bold green]VERIFIED[/bold green]: every check passed")
    else:
        names = ", ".join(c.name for c in report.failures)
        console.print(
            f"[bold red]NOT VERIFIED[/bold red]: {len(report.failures)} failed check(s): {names}"
        )


@click.command("verify")
@click.argument("record", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Local processes for ballot proofs and proofs of shuffle (default: all cores).",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    default=None,
    help="Check ballot proofs and proofs of shuffle on the workers of this Dask scheduler "
    "instead of local processes (needs 'honestballot[cluster]' here and on every worker; "
    "docs/deployment.md).",
)
@click.option(
    "--fingerprint",
    default=None,
    help="The election's fingerprint as you were given it (the first 16 or more hex digits "
    "of the base hash, as the ballot page and the organiser show it): the record must be "
    "that election, under that board key and those witnesses.",
)
@click.option(
    "--without-witness-quorum",
    is_flag=True,
    help="Accept a final tree head the witnesses' quorum has not co-signed (only when the "
    "witnesses stopped co-signing: nothing outside the server then vouches for the end of "
    "the board, and the report says so).",
)
def verify_command(
    record: str,
    workers: int | None,
    scheduler: str | None,
    fingerprint: str | None,
    without_witness_quorum: bool,
) -> None:
    """Recompute and check everything in an election record; exit 1 if any check fails."""
    if workers is not None and scheduler is not None:
        raise click.UsageError("--workers and --scheduler exclude each other")
    report = verify_record_file(
        record,
        workers=workers,
        scheduler=scheduler,
        fingerprint=fingerprint,
        require_quorum=not without_witness_quorum,
    )
    if without_witness_quorum:
        click.echo(
            "warning: the witnesses' quorum on the final tree head was not required: check "
            "its root with the observers and witnesses (honestballot log compare)",
            err=True,
        )
    print_report(report, Console(highlight=False))
    if not report.passed:
        sys.exit(1)


@click.group("log")
def log_group() -> None:
    """Observer: monitor the board's transparency log."""


def _head_from_server(server: str, election_id: str, board_key: str | None) -> dict[str, Any]:
    """The latest signed tree head from the service's public API, its board signature
    checked against ``board_key`` (hex) or, by default, the key the service's setup names
    (then compare the election's fingerprint with other observers)."""
    base = server.rstrip("/") + "/api/e/" + urllib.parse.quote(election_id, safe="")
    obj = parse_json(urllib_fetch(base + "/tree-heads/latest", None), limit=1 << 20, what="head")
    if board_key is None:
        context = parse_json(urllib_fetch(base + "/context", None), limit=64 << 20, what="setup")
        if not isinstance(context, dict) or not isinstance(context.get("board_key"), str):
            raise click.ClickException(f"{server} names no board key for {election_id}")
        board_key = context["board_key"]
        click.echo(f"board key from {server}'s setup: {board_key}", err=True)
    key = decode_point(board_key, "board key")
    try:
        tree_head_from_json(obj, "tree head").verify(election_id, key)
    except HonestBallotError as exc:
        raise click.ClickException(f"the head is NOT signed by the board key: {exc}") from None
    return dict(obj)


@log_group.command("head")
@click.argument("election_id")
@click.option("--out", type=click.Path(dir_okay=False), help="Save the signed tree head here.")
@click.option(
    "--server",
    default=None,
    help="The voting service's address (https://vote.example.org): read the head from its "
    "public API and check the board's signature; no database needed.",
)
@click.option(
    "--board-key",
    default=None,
    help="With --server: the board key (hex) to check the signature with; by default the one "
    "the service's setup names.",
)
@database_option
def head(
    election_id: str, out: str | None, server: str | None, board_key: str | None, database: str
) -> None:
    """Print (or save) the latest signed tree head, to check consistency against later:
    from the service's address (--server) or, on the server, from its database."""
    if server is not None:
        found = _head_from_server(server, election_id, board_key)
    else:
        found = open_service(database).latest_tree_head(election_id)
    sth = json.dumps(found, indent=1)

    if out:
        Path(out).write_text(sth)
        click.echo(f"saved the signed tree head to {out}")
    else:
        click.echo(sth)


@log_group.command("consistency")
@click.option("--record", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--old-head",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A tree head you saved earlier (JSON).",
)
def consistency(record: str, old_head: str) -> None:
    """Prove that the record's log extends an earlier tree head without removals."""
    signed_old = tree_head_from_json(parse_json(read_bytes(old_head)), "old head")
    old = signed_old.head
    tree = MerkleTree()
    election_id, board_key = "", None
    with open(record, "rb") as f:
        first = next(f, None)
        if first is None:
            raise click.ClickException("the record is empty")
        header = parse_json(first.rstrip(b"\n"), limit=4096, what="record header")
        if not isinstance(header, dict):
            raise click.ClickException("the record's header is not a JSON object")
        election_id = str(header.get("election_id", ""))
        for number, raw in enumerate(f, start=2):
            line = raw.rstrip(b"\n")
            obj = parse_json(line, limit=64 << 20)
            if not isinstance(obj, dict):
                raise click.ClickException(f"line {number} of the record is not a JSON object")
            if obj.get("type") == "event":
                if obj.get("kind") == "setup":
                    body = obj.get("body")
                    if not isinstance(body, dict) or "board_key" not in body:
                        raise click.ClickException("the setup event has no board key")
                    board_key = decode_point(body["board_key"], "setup.board_key")
                tree.append_hash(leaf_hash(line))
    if board_key is None:
        raise click.ClickException("the record has no setup event")
    signed_old.verify(election_id, board_key)
    if old.size > tree.size:
        raise click.ClickException(
            f"the record has {tree.size} entries, fewer than the old head's {old.size}"
        )
    proof = tree.consistency_proof(old.size, tree.size) if old.size else []
    try:
        verify_consistency(old.size, tree.size, old.root, tree.root(), proof)
    except LogError as exc:
        raise click.ClickException(f"NOT CONSISTENT: {exc}") from None
    click.echo(
        f"consistent: the log of size {tree.size} extends the old head of size {old.size} "
        f"(proof of {len(proof)} hashes)"
    )


def _load_source(source: str) -> Any:
    """A file (JSON, or JSON Lines such as a record) or an http(s) address."""
    if source.startswith(("http://", "https://")):
        data = urllib_fetch(source, None)
    else:
        data = read_bytes(source)
    try:
        return parse_json(data, limit=1 << 30, what=source)
    except HonestBallotError:
        return [parse_json(line, limit=64 << 20) for line in data.splitlines() if line.strip()]


@log_group.command("compare")
@click.argument("sources", nargs=-1, required=True)
@click.option("--election", "election_id", required=True)
@click.option(
    "--board-key",
    default=None,
    help="The board key (hex) from the setup; by default the one the sources state, if they "
    "all state the same.",
)
def compare(sources: tuple[str, ...], election_id: str, board_key: str | None) -> None:
    """Compare the tree heads several observers saw (files they saved, records, witnesses'
    evidence, or /api/e/ID/tree-heads addresses of each observer's view); report any two
    board-signed heads of one size with different roots: a split view (exit code 3)."""
    loaded = [(name, _load_source(name)) for name in sources]
    if board_key is not None:
        key = decode_point(board_key, "--board-key")
    else:
        found = board_key_of(loaded)
        if found is None:
            raise click.ClickException(
                "the sources state no board key, or different ones; give --board-key "
                "(different board keys mean different setups: compare the fingerprints)"
            )
        key = found
    result = compare_heads(election_id, key, loaded)
    for problem in result.invalid:
        click.echo(f"not counted (not signed by the board key): {problem}", err=True)
    conflicts = result.conflicts()
    outside = result.not_in_records()
    sizes = {h.size for h in result.heads}
    click.echo(
        f"{len(result.heads)} board-signed heads of {len(sizes)} sizes from "
        f"{len(sources)} sources ({len(result.records)} whole records)"
    )
    if not conflicts and not outside:
        click.echo("no split view: every size has one root, and every head fits every record")
        return
    both: set[str] = set()
    for a, b in conflicts:
        click.echo(
            f"SPLIT VIEW at size {a.size}: root {a.root.hex()} ({a.source}) and "
            f"root {b.root.hex()} ({b.source}), both signed by the board key:"
        )
        click.echo(json.dumps({"one": a.json, "other": b.json}, indent=1))
        both |= set(result.witnesses_of(a.size, a.root)) & set(result.witnesses_of(b.size, b.root))
    for seen, record in outside:
        click.echo(
            f"SPLIT VIEW: the board-signed head of size {seen.size} from {seen.source} is "
            f"not a prefix of the record {record}:"
        )
        click.echo(json.dumps(seen.json, indent=1))
    trees = dict(result.records)
    for seen, record in outside:
        # a witness that co-signed this head and a head of the record at least as large
        # co-signed two heads that cannot both be true
        tree = trees[record]
        in_record = {
            w for w, n, r in result.cosigned if seen.size <= n <= tree.size and tree.root(n) == r
        }
        both |= set(result.witnesses_of(seen.size, seen.root)) & in_record
    if both:
        click.echo(f"witnesses that co-signed both views: {', '.join(sorted(both))}")
    sys.exit(3)
