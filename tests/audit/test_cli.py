"""The two commands through click, and the main CLI as a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from honestballot.cli.audit import audit_command, synth_roll_command
from tests.factories import ROLL_HEADER, roll_row, write_csv

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    result = CliRunner().invoke(
        synth_roll_command, [str(out), "--rows", "6000", "--seed", "5"], standalone_mode=False
    )
    assert result.exception is None, result.output
    assert result.return_value == 0
    return out


def _audit(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(audit_command, args, standalone_mode=False)
    if result.exception is not None:
        raise result.exception
    return int(result.return_value), result.output


def test_exit_codes_follow_fail_on(tmp_path: Path) -> None:
    clean = write_csv(tmp_path / "clean.csv", ROLL_HEADER, [roll_row(i) for i in range(20)])
    assert _audit([str(clean), "--quiet"])[0] == 0
    rows = [roll_row(i) for i in range(20)]
    rows.append(roll_row(20, national_id=rows[0]["national_id"]))  # duplicate: critical
    dirty = write_csv(tmp_path / "dirty.csv", ROLL_HEADER, rows)
    assert _audit([str(dirty), "--fail-on", "critical", "--quiet"])[0] == 1
    rows[-1] = roll_row(20, phone=rows[0]["phone"])  # a couple: low only
    couple = write_csv(tmp_path / "couple.csv", ROLL_HEADER, rows)
    assert _audit([str(couple), "--fail-on", "medium", "--quiet"])[0] == 0
    assert _audit([str(couple), "--fail-on", "low", "--quiet"])[0] == 1


def test_reports_are_written_and_self_contained(synthetic: Path, tmp_path: Path) -> None:
    truth = json.loads((synthetic / "truth.json").read_text())
    out = {k: tmp_path / f"out.{k}" for k in ("html", "json", "csv")}
    observer, observer_html = tmp_path / "observer.json", tmp_path / "observer.html"
    code, text = _audit(
        [
            str(synthetic / "roll.csv"),
            "--activity",
            str(synthetic / "activity.csv"),
            "--closed-window",
            truth["closed_windows"][0],
            "--html",
            str(out["html"]),
            "--json",
            str(out["json"]),
            "--csv",
            str(out["csv"]),
            "--observer-json",
            str(observer),
            "--observer-html",
            str(observer_html),
        ]
    )
    assert code == 1 and "enrol.closed_window" in text
    html = out["html"].read_text("utf-8")
    assert html.count("<svg") >= 4
    assert "<script" not in html.lower()
    # No external resource: the only URL is the SVG namespace.
    assert set(re.findall(r"https?://[^\"' )]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "href=" not in html and "@import" not in html
    findings = json.loads(out["json"].read_text("utf-8"))
    assert {f["check"] for f in findings["findings"]} >= {"id.duplicate", "cast.device_burst"}
    assert out["csv"].read_text("utf-8").startswith("check,severity,group,line,voter")

    # The observer outputs carry counts, never a name, national ID, phone or address.
    roll_text = (synthetic / "roll.csv").read_text("utf-8").splitlines()[1:200]
    secrets = {field for line in roll_text for field in line.split(",")[:2]}
    secrets |= {"77770000000", "203.0.113.10", "dev-boss", "org-boss"}
    for path in (observer, observer_html):
        text = path.read_text("utf-8")
        leaked = {s for s in secrets if s and s in text}
        assert not leaked, (path.name, sorted(leaked)[:5])
    counts = json.loads(observer.read_text("utf-8"))
    assert all("records" not in f for f in counts["findings"])
    assert sum(f["count"] for f in counts["findings"]) > 0


def test_main_cli_exit_codes(synthetic: Path, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from honestballot.cli.main import main; main()", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )

    missing = run("audit", str(tmp_path / "absent.csv"))
    assert missing.returncode == 2 and "AuditInputError" in missing.stderr
    header = [h for h in ROLL_HEADER if h != "operator"]
    bad = write_csv(tmp_path / "bad.csv", header, [roll_row(1)])
    no_column = run("audit", str(bad))
    assert no_column.returncode == 2 and "operator" in no_column.stderr
    found = run("audit", str(synthetic / "roll.csv"), "--quiet")
    assert found.returncode == 1
    clean = write_csv(tmp_path / "clean.csv", ROLL_HEADER, [roll_row(i) for i in range(10)])
    assert run("audit", str(clean), "--quiet").returncode == 0


def test_score_against_truth_prints_precision_and_recall(synthetic: Path) -> None:
    truth = json.loads((synthetic / "truth.json").read_text())
    code, text = _audit(
        [
            str(synthetic / "roll.csv"),
            "--activity",
            str(synthetic / "activity.csv"),
            "--closed-window",
            truth["closed_windows"][0],
            "--score-against",
            str(synthetic / "truth.json"),
        ]
    )
    assert code == 1
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(truth["checks"])
    assert "| `id.duplicate` |" in text


def test_memory_limit_is_passed_to_duckdb(tmp_path: Path) -> None:
    rows = [roll_row(i) for i in range(20)]
    rows.append(roll_row(20, national_id=rows[0]["national_id"]))
    roll = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    plain, limited = tmp_path / "plain.json", tmp_path / "limited.json"
    assert _audit([str(roll), "--quiet", "--json", str(plain)])[0] == 1
    assert _audit([str(roll), "--quiet", "--memory-limit", "64MB", "--json", str(limited)])[0] == 1
    assert json.loads(limited.read_text()) == json.loads(plain.read_text())
    result = CliRunner().invoke(
        audit_command, [str(roll), "--memory-limit", "lots", "--lang", "en"], standalone_mode=False
    )
    assert result.return_value == 2
    assert result.stderr.startswith("error: AuditInputError: memory limit 'lots': ")
