"""The command through click's CliRunner: reports in ru/kk/en, JSON, bad input; the
catalogue is complete."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner

from honestballot.forensics.cli import forensics_command
from honestballot.forensics.stations import ForensicsInputError
from honestballot.forensics.strings import LANGUAGES, STRINGS
from honestballot.forensics.synth import generate


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(forensics_command, args, standalone_mode=False)
    if result.exception is not None:
        raise result.exception
    return int(result.return_value), result.output


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("forensics")
    e = generate(1500, 31, turnout_rounding=0.05, shift=0.1)
    results = e.write_csv(out / "results.csv")
    first = results.read_text("utf-8").splitlines()[1]
    with results.open("a", encoding="utf-8") as fh:
        fh.write(first + "\n")  # the first station again
    return results, e.exit_poll(out / "poll.json", stations=60)


def test_reports_in_every_language(files: tuple[Path, Path], tmp_path: Path) -> None:
    results, poll = files
    for lang in LANGUAGES:
        html, js = tmp_path / f"r-{lang}.html", tmp_path / f"r-{lang}.json"
        code, out = _run(
            [
                str(results),
                "--exit-poll",
                str(poll),
                "--html",
                str(html),
                "--json",
                str(js),
                "--lang",
                lang,
                "--repetitions",
                "100",
            ]
        )
        assert code == 0
        page = html.read_text("utf-8")
        assert f'<html lang="{lang}">' in page and "<script" not in page
        assert 'name="viewport"' in page and "max-width:100%" in page
        # charts scale to a 360 px screen: no fixed size on any chart, a viewBox on each
        assert not re.search(r"<svg[^>]*\s(width|height)=", page)
        assert page.count("<svg") == len(re.findall(r"<svg[^>]*viewBox=", page))
        for key in (
            "integer.title",
            "shpilkin.title",
            "klimek.title",
            "digits.title",
            "regions.title",
            "exit.title",
            "bad.title",
            "bad.duplicate",
        ):
            assert escape(STRINGS[key][LANGUAGES.index(lang)]) in page, key
        assert page.count("<svg") == 6  # 2 histograms, null, Shpilkin, fingerprint, poll
        assert "Kobak" in page and "Klimek" in page and "Beber" in page
        assert STRINGS["cli.read"][LANGUAGES.index(lang)].split("{")[0] in out
    doc = json.loads((tmp_path / "r-en.json").read_text("utf-8"))
    assert doc["stations"] == 1500 and doc["bad_rows"][0]["reason"] == "bad.duplicate"
    assert doc["bad_rows"][0]["line"] == 1502
    assert doc["integer"]["turnout"]["stations"]["p_value"] < 0.05
    assert set(doc["integer"]) >= {"either", "turnout", "share", "stations", "repetitions"}
    assert doc["exit_poll"]["stations_matched"] == 60
    assert any(r["flagged"] for r in doc["exit_poll"]["rows"])
    assert len(doc["region_table"]) == 20
    assert doc["klimek"]["f_incremental"] >= 0


def test_same_seed_same_figures(files: tuple[Path, Path], tmp_path: Path) -> None:
    results, _ = files
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        _run(
            [str(results), "--json", str(out), "--repetitions", "50", "--quiet", "--no-fingerprint"]
        )
    assert json.loads(a.read_text()) == json.loads(b.read_text())


def test_bad_input_is_refused_with_its_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ForensicsInputError, match="empty"):
        _run([str(empty)])
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ForensicsInputError, match="not the Russian protocol layout"):
        _run([str(wrong)])


def test_the_catalogue_is_complete() -> None:
    for key, value in STRINGS.items():
        assert len(value) == 3 and all(v.strip() for v in value), key
        fields = [set(re.findall(r"{(\w+)}", v)) for v in value]
        assert fields[0] == fields[1] == fields[2], key
    source = "".join(
        p.read_text("utf-8")
        for p in (Path(__file__).parents[2] / "honestballot" / "forensics").glob("*.py")
    )
    used = set(re.findall(r'text\(\s*[f]?"([a-z_.]+)"', source))
    used |= set(re.findall(r'"(bad\.[a-z_]+)"', source))
    assert used <= set(STRINGS), used - set(STRINGS)


def test_an_honestballot_result_with_its_turnout(tmp_path: Path) -> None:
    """The published result and turnout snapshot of an honestballot election, one unit
    per station, through the command."""
    e = generate(400, 32)
    options = ["mayor/a", "mayor/b", "mayor/c", "mayor/d"]
    units = [f"u{i}" for i in range(e.size)]
    result = {
        "election_id": "city",
        "counts": [{"id": o, "count": int(e.votes[:, j].sum())} for j, o in enumerate(options)],
        "per_unit": [
            {
                "unit": u,
                "counts": [{"id": o, "count": int(e.votes[i, j])} for j, o in enumerate(options)],
            }
            for i, u in enumerate(units)
        ],
        "counted_per_unit": [
            {"unit": u, "ballots": int(e.votes[i].sum())} for i, u in enumerate(units)
        ],
    }
    turnout = {
        "units": [
            {"unit": u, "voters_on_roll": int(e.voters[i]), "credentials": 0, "voted": 0}
            for i, u in enumerate(units)
        ]
    }
    rp, tp, out = tmp_path / "results.json", tmp_path / "turnout.json", tmp_path / "out.json"
    rp.write_text(json.dumps(result))
    tp.write_text(json.dumps(turnout))
    code, _ = _run(
        [str(rp), "--turnout", str(tp), "--json", str(out), "--repetitions", "50", "--quiet"]
    )
    doc = json.loads(out.read_text())
    assert code == 0 and doc["stations"] == 400 and doc["leader"] == "mayor/a"
    assert doc["totals"]["voters"] == int(e.voters.sum())
    assert doc["integer"]["stations"] > 300 and doc["shpilkin"] is not None
    code, _ = _run([str(rp), "--json", str(out), "--quiet", "--repetitions", "50"])
    doc = json.loads(out.read_text())
    assert doc["integer"] is None and doc["shpilkin"] is None and doc["klimek"] is None
    assert doc["digits"]  # the counts alone still have digits


def test_the_main_command_runs_it_and_exits_2_on_bad_input(tmp_path: Path) -> None:
    """Registered in ``honestballot``; an unreadable file is exit 2 with its reason."""
    import subprocess
    import sys

    bad = tmp_path / "bad.csv"
    bad.write_bytes("region,tik,uik\nРегион,1,1\n".encode("cp1251"))
    run = subprocess.run(
        [sys.executable, "-m", "honestballot", "forensics", str(bad)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )
    assert run.returncode == 2
    assert "bad.csv:2: not utf-8" in run.stderr and "--encoding" in run.stderr
