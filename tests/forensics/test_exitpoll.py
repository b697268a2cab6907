"""The exit poll against the count: honest count (no flag at the stated level), a count
that contradicts the poll, refusal bounds, the cluster design effect, bad poll files."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from honestballot.forensics.exitpoll import compare, load_exit_poll, normal_p, normal_quantile
from honestballot.forensics.stations import ForensicsInputError, Stations
from honestballot.forensics.synth import SynthElection

Make = Callable[..., tuple[SynthElection, Stations]]


def _whole(result: dict[str, object], candidate: str) -> dict[str, object]:
    rows = result["rows"]
    assert isinstance(rows, list)
    return next(r for r in rows if r["region"] == "" and r["candidate"] == candidate)


def test_honest_count_is_not_flagged(election: Make, tmp_path: Path) -> None:
    flagged_polls = 0
    flagged_stations = 0
    for seed in range(200, 212):
        e, s = election(1500, seed)
        poll = load_exit_poll(e.exit_poll(tmp_path / "p.json", stations=60, seed=seed))
        c = compare(poll, s)
        flagged_polls += int(any(r["flagged"] for r in c["rows"]))
        flagged_stations += len(c["station_flags"])
    # Holm over regions x candidates at 1 %; Bonferroni over stations: at most one of 12
    assert flagged_polls <= 1 and flagged_stations <= 1


def test_a_count_that_contradicts_the_poll_is_flagged(election: Make, tmp_path: Path) -> None:
    e, s = election(2000, 21, shift=0.15)
    c = compare(load_exit_poll(e.exit_poll(tmp_path / "p.json", refusal_rate=0.3)), s)
    leader = _whole(c, s.candidates[0])
    assert leader["flagged"] and leader["difference"] < 0  # the poll is below the count
    assert float(leader["poll_high"]) < float(leader["official_share_sampled"])
    # 30 % refusals: the worst case could explain it, and the report says so
    assert not leader["beyond_refusal_bounds"]
    assert leader["refusal_low"] < leader["official_share_sampled"] < leader["refusal_high"]
    # with few refusals and a larger shift, refusals cannot explain it
    e, s = election(2000, 21, shift=0.4)
    c = compare(load_exit_poll(e.exit_poll(tmp_path / "q.json", refusal_rate=0.02)), s)
    assert _whole(c, s.candidates[0])["beyond_refusal_bounds"]


def test_cluster_standard_error_and_design_effect(election: Make, tmp_path: Path) -> None:
    e, s = election(1000, 22)
    c = compare(load_exit_poll(e.exit_poll(tmp_path / "p.json", stations=40)), s)
    doc = json.loads((tmp_path / "p.json").read_text())
    y = np.array([st["respondents"][s.candidates[0]] for st in doc["stations"]], float)
    m = np.array([sum(st["respondents"].values()) for st in doc["stations"]], float)
    p = y.sum() / m.sum()
    se = math.sqrt(len(y) / (len(y) - 1) * ((y - p * m) ** 2).sum()) / m.sum()
    row = _whole(c, s.candidates[0])
    assert math.isclose(row["poll_share"], p) and math.isclose(row["poll_se"], se)
    assert math.isclose(row["design_effect"], se**2 / (p * (1 - p) / m.sum()))
    # stations differ in how they vote, so clustering costs precision
    assert row["design_effect"] > 1.5
    r = sum(st["refusals"] for st in doc["stations"])
    assert math.isclose(row["refusal_rate"], r / (r + m.sum()))


def test_normal_helpers() -> None:
    assert math.isclose(normal_p(1.959963984540054), 0.05, rel_tol=1e-9)
    assert math.isclose(normal_quantile(0.975), 1.959963984540054, rel_tol=1e-9)
    assert math.isclose(normal_quantile(1 - 0.01 / 200), 3.8905918864, rel_tol=1e-6)


def test_bad_poll_files(election: Make, tmp_path: Path) -> None:
    e, s = election(300, 23)
    path = e.exit_poll(tmp_path / "p.json", stations=10)
    doc = json.loads(path.read_text())
    doc["stations"][0]["station"] = "nowhere"
    doc["stations"][1]["respondents"]["Someone else"] = 3
    doc["stations"][2]["refusals"] = -1
    doc["stations"][3]["respondents"] = {"Кандидат А": "many"}
    path.write_text(json.dumps(doc))
    c = compare(load_exit_poll(path), s)
    assert [(b["line"], b["reason"]) for b in c["bad_rows"]] == [
        (3, "bad.negative"),
        (4, "bad.not_number"),
        (1, "bad.poll_station"),
        (2, "bad.poll_option"),
    ]
    assert c["stations_matched"] == 6
    for broken, message in (
        ({"format": "x"}, "not an exit-poll file"),
        ({"format": "honestballot-exit-poll/1", "design": {}}, "design must say"),
        (
            {"format": "honestballot-exit-poll/1", "design": doc["design"], "stations": []},
            "no stations",
        ),
    ):
        path.write_text(json.dumps(broken))
        with pytest.raises(ForensicsInputError, match=message):
            load_exit_poll(path)
    path.write_text("{not json")
    with pytest.raises(ForensicsInputError, match="not a JSON exit poll"):
        load_exit_poll(path)
