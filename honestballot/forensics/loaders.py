"""Reading per-station results: the Russian protocol layout, any layout with a mapping
file, and honestballot's own per-unit result.

Every row that cannot be used is listed (:class:`BadRow`, by physical line and reason);
nothing is dropped silently.  A file that cannot be read at all (empty, undecodable,
missing a column) raises :class:`ForensicsInputError` naming the file and the line.

The formats are described in docs/forensics.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from honestballot.forensics.stations import BadRow, ForensicsInputError, Stations, build

_NUMBER = re.compile(r"^\s*(\d+)(?:\.0*)?\s*$")
_ID_COLUMNS = {"region": "region", "oik": "oik", "tik": "tik", "uik": "uik"}
_IGNORED = {"level", "url", "oik"}


@dataclass(frozen=True)
class Layout:
    """Which columns hold what: indexes into the header."""

    region: int
    territory: int | None  # the territorial commission (TIK), if any
    station: int
    voters: int | None
    given: tuple[int, ...]
    valid: int
    invalid: int | None
    candidates: tuple[int, ...]


def _decode(path: Path, encoding: str) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise ForensicsInputError(f"{path}: the file is empty")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ForensicsInputError(
            f"{path}:{line}: not {encoding} text ({exc.reason}); "
            "give the file's encoding with --encoding (e.g. cp1251)"
        ) from exc
    except LookupError as exc:
        raise ForensicsInputError(f"unknown encoding {encoding!r}") from exc
    return text.removeprefix("\ufeff")


def _role(name: str) -> str | None:
    """The protocol line a Russian header names, or None for a candidate's column."""
    n = name.strip().lower()
    if n in _ID_COLUMNS or n in _IGNORED:
        return n
    if not n.startswith("число"):
        return None
    if "открепительн" in n or "отметок" in n:
        return "ignored"  # absentee certificates, and the 2000 'no mark' line
    if "избирателей" in n and ("включенных" in n or "внесенных" in n):
        return "voters"
    if "полученных" in n:
        return "ballots_received"
    if "выданных" in n:
        return "given"
    if "погашенных" in n:
        return "cancelled"
    if "переносных" in n:
        return "mobile"
    if "стационарных" in n:
        return "stationary"
    if "недействительных" in n:
        return "invalid"
    if "действительных" in n:
        return "valid"
    if "утраченных" in n:
        return "lost"
    if "не учтенных" in n or "не учтённых" in n:
        return "unaccounted"
    return "ignored"


def russian_layout(header: list[str], path: Path) -> Layout:
    """The layout of the Russian national results' CSV (one row per station)."""
    roles: dict[str, list[int]] = {}
    candidates: list[int] = []
    for i, name in enumerate(header):
        role = _role(name)
        if role is None:
            if name.strip():
                candidates.append(i)
        else:
            roles.setdefault(role, []).append(i)
    missing = [r for r in ("region", "uik", "voters", "valid", "invalid") if r not in roles]
    if "given" not in roles:
        missing.append("given")
    if missing:
        raise ForensicsInputError(
            f"{path}:1: not the Russian protocol layout, missing: {', '.join(missing)} "
            "(give a --mapping file for another layout)"
        )
    if not candidates:
        raise ForensicsInputError(f"{path}:1: no candidate or party column")
    return Layout(
        region=roles["region"][0],
        territory=roles["tik"][0] if "tik" in roles else None,
        station=roles["uik"][0],
        voters=roles["voters"][0],
        given=tuple(roles["given"]),
        valid=roles["valid"][0],
        invalid=roles["invalid"][0],
        candidates=tuple(candidates),
    )


def mapped_layout(header: list[str], mapping: dict[str, Any], path: Path) -> Layout:
    """The layout a mapping file names (docs/forensics.md, "Column mapping")."""
    index = {name.strip(): i for i, name in enumerate(header)}

    def col(key: str, required: bool = True) -> int | None:
        name = mapping.get(key)
        if name is None:
            if required:
                raise ForensicsInputError(f"mapping: {key!r} is required")
            return None
        if not isinstance(name, str) or name not in index:
            raise ForensicsInputError(f"{path}:1: no column {name!r} (mapping {key!r})")
        return index[name]

    given_names = mapping.get("given")
    if isinstance(given_names, str):
        given_names = [given_names]
    if not isinstance(given_names, list) or not given_names:
        raise ForensicsInputError("mapping: 'given' is required (a column or a list)")
    for name in given_names:
        if name not in index:
            raise ForensicsInputError(f"{path}:1: no column {name!r} (mapping 'given')")
    region = col("region")
    station = col("station")
    valid = col("valid")
    assert region is not None and station is not None and valid is not None
    used = {
        i
        for i in (region, station, valid, col("territory", False), col("voters", False))
        if i is not None
    }
    used |= {index[n] for n in given_names}
    invalid = col("invalid", False)
    if invalid is not None:
        used.add(invalid)
    cand_names = mapping.get("candidates")
    if cand_names is None:
        ignore = set(mapping.get("ignore", []))
        cands = [i for i, n in enumerate(header) if i not in used and n.strip() not in ignore]
    else:
        if not isinstance(cand_names, list):
            raise ForensicsInputError("mapping: 'candidates' must be a list of columns")
        missing = [n for n in cand_names if n not in index]
        if missing:
            raise ForensicsInputError(f"{path}:1: no column {missing[0]!r} (mapping 'candidates')")
        cands = [index[n] for n in cand_names]
    if not cands:
        raise ForensicsInputError(f"{path}:1: no candidate or party column")
    return Layout(
        region=region,
        territory=col("territory", False),
        station=station,
        voters=col("voters", False),
        given=tuple(index[n] for n in given_names),
        valid=valid,
        invalid=invalid,
        candidates=tuple(cands),
    )


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def load_csv(path: Path, mapping_path: Path | None = None, encoding: str = "utf-8") -> Stations:
    """Stations from a CSV file: the Russian layout, or the one a mapping file names."""
    mapping: dict[str, Any] = {}
    if mapping_path is not None:
        try:
            mapping = json.loads(mapping_path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ForensicsInputError(f"{mapping_path}: not a JSON mapping ({exc})") from exc
        if not isinstance(mapping, dict):
            raise ForensicsInputError(f"{mapping_path}: the mapping must be a JSON object")
        encoding = str(mapping.get("encoding", encoding))
    text = _decode(path, encoding)
    first = text.split("\n", 1)[0]
    delimiter = str(mapping.get("delimiter", ";" if first.count(";") > first.count(",") else ","))
    rows = _rows(text, delimiter)
    try:
        _, header = next(rows)
    except StopIteration:
        raise ForensicsInputError(f"{path}: the file is empty") from None
    layout = mapped_layout(header, mapping, path) if mapping_path else russian_layout(header, path)
    return _read_rows(path, header, layout, rows)


def _read_rows(
    path: Path, header: list[str], layout: Layout, rows: Iterator[tuple[int, list[str]]]
) -> Stations:
    regions: list[str] = []
    region_ix: dict[str, int] = {}
    region: list[int] = []
    station: list[str] = []
    lines: list[int] = []
    counts: list[tuple[int, int, int, int]] = []
    votes: list[list[int]] = []
    bad: list[BadRow] = []
    seen: dict[tuple[str, str], int] = {}
    numeric = [
        *((layout.voters,) if layout.voters is not None else ()),
        *layout.given,
        layout.valid,
        *((layout.invalid,) if layout.invalid is not None else ()),
        *layout.candidates,
    ]
    width = len(header)
    for line, row in rows:
        if not row or all(not c.strip() for c in row):
            bad.append(BadRow(line, "bad.blank"))
            continue
        if len(row) != width:
            bad.append(BadRow(line, "bad.fields", f"{len(row)} / {width}"))
            continue
        reg = row[layout.region].strip()
        uik = row[layout.station].strip()
        if not reg or not uik:
            bad.append(
                BadRow(line, "bad.missing_id", header[layout.region if not reg else layout.station])
            )
            continue
        values: dict[int, int] = {}
        problem: BadRow | None = None
        for i in numeric:
            m = _NUMBER.match(row[i])
            if m is None:
                reason = "bad.negative" if row[i].strip().startswith("-") else "bad.not_number"
                problem = BadRow(line, reason, f"{header[i].strip()[:60]}={row[i][:20]!r}")
                break
            values[i] = int(m.group(1))
        if problem:
            bad.append(problem)
            continue
        voters = values[layout.voters] if layout.voters is not None else 0
        given = sum(values[i] for i in layout.given)
        valid = values[layout.valid]
        invalid = values[layout.invalid] if layout.invalid is not None else 0
        cand = [values[i] for i in layout.candidates]
        if valid > given:
            bad.append(BadRow(line, "bad.valid_over_given", f"{valid} > {given}"))
            continue
        if sum(cand) > valid:
            bad.append(BadRow(line, "bad.votes_over_valid", f"{sum(cand)} > {valid}"))
            continue
        terr = row[layout.territory].strip() if layout.territory is not None else ""
        key = (reg, f"{terr}/{uik}")
        if key in seen:
            bad.append(BadRow(line, "bad.duplicate", f"{reg} {terr} {uik}: line {seen[key]}"))
            continue
        seen[key] = line
        if reg not in region_ix:
            region_ix[reg] = len(regions)
            regions.append(reg)
        region.append(region_ix[reg])
        station.append(f"{terr} / {uik}" if terr else uik)
        lines.append(line)
        counts.append((voters, given, valid + invalid, valid))
        votes.append(cand)
    return build(
        regions,
        region,
        station,
        lines,
        counts,
        votes,
        [header[i].strip() for i in layout.candidates],
        has_turnout=layout.voters is not None,
        bad_rows=bad,
        source=str(path),
    )


def load_honestballot(
    results_path: Path, turnout_path: Path | None = None, contest: str | None = None
) -> Stations:
    """Stations from an honestballot election's published result (``/api/e/{id}/results``)
    and, for turnout, its turnout snapshot (``/snapshots/{id}/turnout.json``; with re-voting
    protection, its ``reporting_units`` after the result): one station per unit broken
    out; the contest is ``contest`` or the first one in the result.  With paper stations
    (the result's ``paper``) a unit's ballots and votes are its online and paper ones
    together (``paper.units[].in_box``, ``paper.combined_per_unit``): the roll counts
    both, so online alone would understate turnout."""
    try:
        result = json.loads(results_path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ForensicsInputError(f"{results_path}: not a JSON result ({exc})") from exc
    if not isinstance(result, dict) or not isinstance(result.get("per_unit"), list):
        raise ForensicsInputError(f"{results_path}: not an honestballot result (no per_unit)")
    ids = [str(c.get("id", "")) for c in result.get("counts", []) if isinstance(c, dict)]
    contests = list(dict.fromkeys(i.partition("/")[0] for i in ids if "/" in i))
    chosen = contest or (contests[0] if contests else None)
    if chosen is None or chosen not in contests:
        raise ForensicsInputError(f"{results_path}: no contest {chosen!r} in the result")
    options = [i for i in ids if i.partition("/")[0] == chosen]
    counted = {str(c["unit"]): int(c["ballots"]) for c in result.get("counted_per_unit", [])}
    per_unit = result["per_unit"]
    paper = result.get("paper")
    if isinstance(paper, dict):
        try:
            for u in paper["units"]:
                unit_id = str(u["unit"])
                counted[unit_id] = counted.get(unit_id, 0) + int(u["in_box"])
            per_unit = list(paper["combined_per_unit"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ForensicsInputError(
                f"{results_path}: not a result's paper member ({exc})"
            ) from exc
    voters: dict[str, int] = {}
    if turnout_path is not None:
        try:
            snap = json.loads(turnout_path.read_text("utf-8"))
            voters = {str(u["unit"]): int(u["voters_on_roll"]) for u in snap["units"]}
            # with re-voting protection, after the result: per reporting unit (``pool``)
            for r in snap.get("reporting_units", []):
                voters[str(r["unit"])] = int(r["voters_on_roll"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ForensicsInputError(f"{turnout_path}: not a turnout snapshot ({exc})") from exc
    station: list[str] = []
    counts: list[tuple[int, int, int, int]] = []
    votes: list[list[int]] = []
    lines: list[int] = []
    bad: list[BadRow] = []
    for n, unit in enumerate(per_unit, start=1):
        uid = str(unit.get("unit", ""))
        by_id = {str(c["id"]): int(c["count"]) for c in unit.get("counts", [])}
        row = [by_id.get(o, 0) for o in options]
        ballots = counted.get(uid, sum(row))
        reg = voters.get(uid, 0)
        if turnout_path is not None and uid not in voters:
            bad.append(BadRow(n, "bad.no_turnout", uid))
            continue
        if any(v < 0 for v in row) or sum(row) > ballots:
            bad.append(BadRow(n, "bad.votes_over_valid", uid))
            continue
        station.append(uid)
        lines.append(n)
        counts.append((reg, ballots, ballots, sum(row)))
        votes.append(row)
    return build(
        [str(result.get("election_id", "election"))],
        [0] * len(station),
        station,
        lines,
        counts,
        votes,
        options,
        has_turnout=turnout_path is not None,
        bad_rows=bad,
        source=str(results_path),
    )


def load(
    path: Path,
    mapping: Path | None = None,
    *,
    encoding: str = "utf-8",
    turnout: Path | None = None,
    contest: str | None = None,
) -> Stations:
    """Stations from any supported file: JSON is an honestballot result, anything else CSV."""
    if not path.is_file():
        raise ForensicsInputError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return load_honestballot(path, turnout, contest)
    return load_csv(path, mapping, encoding)
