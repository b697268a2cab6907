"""Reading results files: the Russian layout, a mapping file, honestballot's result; and
every kind of bad input, each reported by line and reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from honestballot.forensics.loaders import load
from honestballot.forensics.stations import ForensicsInputError
from honestballot.forensics.synth import CANDIDATES, HEADER, generate


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _header() -> str:
    return ",".join(f'"{h}"' for h in HEADER + CANDIDATES)


def _row(
    region: str,
    tik: str,
    uik: str,
    voters: int,
    given: int,
    valid: int,
    votes: list[int],
    invalid: int = 0,
) -> str:
    early, outside = 0, 0
    return ",".join(
        [
            region,
            tik,
            uik,
            str(voters),
            str(given + 10),
            str(early),
            str(given),
            str(outside),
            "10",
            "0",
            str(given),
            str(invalid),
            str(valid),
            "0",
            "0",
            *map(str, votes),
        ]
    )


def test_russian_layout_reads_every_count(tmp_path: Path) -> None:
    e = generate(300, 4)
    s = load(e.write_csv(tmp_path / "r.csv"))
    assert s.size == 300 and not s.bad_rows and s.has_turnout
    assert s.candidates == CANDIDATES
    np.testing.assert_array_equal(s.voters, e.voters)
    np.testing.assert_array_equal(s.given, e.given)
    np.testing.assert_array_equal(s.votes, e.votes)
    np.testing.assert_array_equal(s.received, e.votes.sum(axis=1) + e.invalid)
    assert s.candidates[s.leader] == CANDIDATES[int(np.argmax(e.votes.sum(axis=0)))]
    assert s.line.tolist() == list(range(2, 302))


def test_every_bad_row_is_reported_by_line_and_reason(tmp_path: Path) -> None:
    good = _row("R", "T", "1", 1000, 600, 590, [300, 200, 50, 40], invalid=10)
    lines = [
        _header(),
        good,  # 2
        "",  # 3 blank
        "R,T,2,1000",  # 4 too few fields
        _row("", "T", "3", 1000, 600, 590, [300, 200, 50, 40]),  # 5 no region
        _row("R", "T", "4", 1000, 600, 590, [300, 200, 50, 40]).replace("1000", "many", 1),
        _row("R", "T", "5", 1000, 600, 590, [-3, 200, 50, 40]),  # 7 negative
        _row("R", "T", "6", 1000, 600, 700, [300, 200, 50, 40]),  # 8 valid > given
        _row("R", "T", "7", 1000, 600, 500, [300, 200, 50, 40]),  # 9 votes > valid
        good,  # 10 duplicate
        _row("R", "T", "8", 1000, 600, 590, [300, 200, 50, 40], invalid=10),  # 11 good
    ]
    s = load(_write(tmp_path / "bad.csv", lines))
    assert s.station == ["T / 1", "T / 8"]
    assert [(b.line, b.reason) for b in s.bad_rows] == [
        (3, "bad.blank"),
        (4, "bad.fields"),
        (5, "bad.missing_id"),
        (6, "bad.not_number"),
        (7, "bad.negative"),
        (8, "bad.valid_over_given"),
        (9, "bad.votes_over_valid"),
        (10, "bad.duplicate"),
    ]
    assert "line 2" in s.bad_rows[-1].detail


def test_missing_column_names_it(tmp_path: Path) -> None:
    header = [h for h in HEADER if "недействительных" not in h] + CANDIDATES
    path = _write(tmp_path / "m.csv", [",".join(f'"{h}"' for h in header)])
    with pytest.raises(ForensicsInputError, match="missing: invalid"):
        load(path)


def test_empty_file_and_no_station(tmp_path: Path) -> None:
    with pytest.raises(ForensicsInputError, match="empty"):
        load(_write(tmp_path / "e.csv", [""]))
    with pytest.raises(ForensicsInputError, match="no station"):
        load(_write(tmp_path / "h.csv", [_header()]))
    with pytest.raises(ForensicsInputError, match="no such file"):
        load(tmp_path / "absent.csv")


def test_wrong_encoding_names_the_line_and_the_option(tmp_path: Path) -> None:
    lines = [_header(), _row("Регион", "ТИК", "1", 1000, 600, 590, [300, 200, 50, 40])]
    path = _write(tmp_path / "cp.csv", lines, encoding="cp1251")
    with pytest.raises(ForensicsInputError, match=r"cp\.csv:1: not utf-8.*--encoding"):
        load(path)
    s = load(path, encoding="cp1251")
    assert s.regions == ["Регион"] and s.size == 1


def test_mapping_file_reads_another_layout(tmp_path: Path) -> None:
    data = _write(
        tmp_path / "other.csv",
        [
            "district;polling place;electorate;issued;good;spoilt;Alice;Bob;note",
            "North;1;1000;600;590;10;400;190;x",
            "North;2;800;500;480;20;;200;y",
            "South;1;900;450;450;0;300;150;z",
        ],
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "region": "district",
                "station": "polling place",
                "voters": "electorate",
                "given": ["issued"],
                "valid": "good",
                "invalid": "spoilt",
                "ignore": ["note"],
            }
        )
    )
    s = load(data, mapping)
    assert s.candidates == ["Alice", "Bob"] and s.regions == ["North", "South"]
    assert s.station == ["1", "1"] and s.voters.tolist() == [1000, 900]
    assert [(b.line, b.reason) for b in s.bad_rows] == [(3, "bad.not_number")]
    mapping.write_text(
        json.dumps({"region": "district", "station": "nope", "given": "issued", "valid": "good"})
    )
    with pytest.raises(ForensicsInputError, match="no column 'nope'"):
        load(data, mapping)


def test_honestballot_result_with_turnout(tmp_path: Path) -> None:
    result = {
        "election_id": "e1",
        "counts": [{"id": "mayor/a", "count": 70}, {"id": "mayor/b", "count": 40}],
        "per_unit": [
            {
                "unit": "u1",
                "counts": [{"id": "mayor/a", "count": 50}, {"id": "mayor/b", "count": 10}],
            },
            {
                "unit": "u2",
                "counts": [{"id": "mayor/a", "count": 20}, {"id": "mayor/b", "count": 30}],
            },
        ],
        "counted_per_unit": [{"unit": "u1", "ballots": 61}, {"unit": "u2", "ballots": 50}],
    }
    turnout = {
        "units": [
            {"unit": "u1", "voters_on_roll": 100, "credentials": 70, "voted": 61},
            {"unit": "u2", "voters_on_roll": 90, "credentials": 60, "voted": 50},
        ]
    }
    rp, tp = tmp_path / "results.json", tmp_path / "turnout.json"
    rp.write_text(json.dumps(result))
    tp.write_text(json.dumps(turnout))
    s = load(rp, turnout=tp)
    assert s.station == ["u1", "u2"] and s.candidates == ["mayor/a", "mayor/b"]
    assert s.voters.tolist() == [100, 90] and s.given.tolist() == [61, 50]
    assert s.leader_votes.tolist() == [50, 20] and s.has_turnout
    assert not load(rp).has_turnout
    with pytest.raises(ForensicsInputError, match="no contest 'x'"):
        load(rp, contest="x")


def test_honestballot_result_per_reporting_unit_with_turnout(tmp_path: Path) -> None:
    """With re-voting protection the result is per reporting unit (``pool`` holds the
    small units) and the snapshot after it gives each one's voters on the roll."""
    result = {
        "election_id": "e2",
        "counts": [{"id": "mayor/a", "count": 9}],
        "per_unit": [
            {"unit": "u1", "counts": [{"id": "mayor/a", "count": 5}]},
            {"unit": "pool", "counts": [{"id": "mayor/a", "count": 4}]},
        ],
        "counted_per_unit": [{"unit": "u1", "ballots": 6}, {"unit": "pool", "ballots": 5}],
    }
    turnout = {
        "protected": True,
        "units": [
            {"unit": "u1", "voters_on_roll": 10},
            {"unit": "u2", "voters_on_roll": 3},
            {"unit": "u3", "voters_on_roll": 4},
        ],
        "reporting_units": [
            {"unit": "u1", "units": ["u1"], "voters_on_roll": 10, "ballots": 6},
            {"unit": "pool", "units": ["u2", "u3"], "voters_on_roll": 7, "ballots": 5},
        ],
    }
    rp, tp = tmp_path / "results.json", tmp_path / "turnout.json"
    rp.write_text(json.dumps(result))
    tp.write_text(json.dumps(turnout))
    s = load(rp, turnout=tp)
    assert s.station == ["u1", "pool"] and not s.bad_rows
    assert s.voters.tolist() == [10, 7] and s.given.tolist() == [6, 5]
    tp.write_text(json.dumps({"units": turnout["units"]}))  # during the vote: no pool
    assert [b.detail for b in load(rp, turnout=tp).bad_rows] == ["pool"]


def test_honestballot_result_with_paper_stations_counts_paper_ballots_too(
    tmp_path: Path,
) -> None:
    """With paper stations the roll counts their voters too: a unit's ballots are its
    online and paper ones together, its votes the combined counts (``paper``)."""
    result = {
        "election_id": "e3",
        "counts": [{"id": "mayor/a", "count": 7}],
        "per_unit": [{"unit": "u1", "counts": [{"id": "mayor/a", "count": 5}]}],
        "counted_per_unit": [{"unit": "u1", "ballots": 6}],
        "paper": {
            "units": [{"unit": "u1", "listed": 3, "cancelled_rows": 1, "in_box": 3}],
            "combined_per_unit": [{"unit": "u1", "counts": [{"id": "mayor/a", "count": 8}]}],
        },
    }
    turnout = {"units": [{"unit": "u1", "voters_on_roll": 12}]}
    rp, tp = tmp_path / "results.json", tmp_path / "turnout.json"
    rp.write_text(json.dumps(result))
    tp.write_text(json.dumps(turnout))
    s = load(rp, turnout=tp)
    assert s.station == ["u1"] and not s.bad_rows
    assert s.voters.tolist() == [12] and s.given.tolist() == [9]
    assert s.votes.tolist() == [[8]]  # the combined count, not the online 5
    result["paper"] = {"units": [{"unit": "u1"}], "combined_per_unit": []}
    rp.write_text(json.dumps(result))
    with pytest.raises(ForensicsInputError, match="paper member"):
        load(rp, turnout=tp)
