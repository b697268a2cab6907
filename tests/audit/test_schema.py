"""Bad input: missing columns, malformed rows with line numbers, skip versus fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from honestballot.audit import engine
from honestballot.audit.engine import run_audit
from honestballot.audit.findings import AuditInputError, BadRowsError
from honestballot.audit.schema import ACTIVITY_COLUMNS, ROLL_COLUMNS, load_table
from honestballot.errors import EncodingError, HonestBallotError
from tests.factories import ACTIVITY_HEADER, ROLL_HEADER, roll_row, write_csv


def _line(row: dict[str, object]) -> str:
    return ",".join(str(row[k]) for k in ROLL_HEADER)


def _messy_roll(tmp_path: Path) -> Path:
    good = [roll_row(i) for i in range(6)]
    lines = [",".join(ROLL_HEADER)]
    lines.append(_line(good[0]))  # line 2: good
    lines.append(_line(good[1]).rsplit(",", 1)[0])  # line 3: a column short
    lines.append(_line(good[2]))  # line 4: good
    lines.append("")  # line 5: empty
    lines.append(_line({**good[3], "enrolled_at": "yesterday"}))  # line 6: bad time
    lines.append(_line(good[4]) + ",extra")  # line 7: a column too many
    lines.append(_line({**good[5], "confirmed": "maybe", "email": "nobody"}))  # line 8
    lines.append(_line(roll_row(7)))  # line 9: good
    path = tmp_path / "messy.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_missing_column_is_named(tmp_path: Path) -> None:
    header = [h for h in ROLL_HEADER if h != "phone"]
    path = write_csv(tmp_path / "roll.csv", header, [roll_row(1)])
    with pytest.raises(AuditInputError, match=r"missing required column.*phone"):
        run_audit(path)


def test_malformed_rows_are_listed_with_line_numbers(tmp_path: Path) -> None:
    con = duckdb.connect()
    loaded, bad = load_table(con, _messy_roll(tmp_path), ROLL_COLUMNS, "roll", "skip")
    assert loaded == 3
    assert [b.line for b in bad] == [3, 5, 6, 7, 8]
    reasons = {b.line: b.reason for b in bad}
    assert "missing columns" in reasons[3]
    assert "empty line" in reasons[5]
    assert reasons[6].startswith("enrolled_at")
    assert "too many columns" in reasons[7]
    assert "confirmed" in reasons[8] and "email" in reasons[8]
    # The surviving rows keep their own line numbers, past the skipped ones.
    lines = [r[0] for r in con.execute("SELECT line FROM roll ORDER BY line").fetchall()]
    names = [r[0] for r in con.execute("SELECT name FROM roll ORDER BY line").fetchall()]
    assert lines == [2, 4, 9]
    assert names == ["Person 0", "Person 2", "Person 7"]


#: lines 3-6 of a roll or a log whose line 2 is good: skipped lines next to each other
#: (an empty line beside a rejected row, two empty lines), then a bad value and a good row
BESIDE_EMPTY = {
    "empty, too many columns": (["", "{row},extra"], "too many columns"),
    "too many columns, empty": (["{row},extra", ""], "too many columns"),
    "empty, missing columns": (["", "a,b"], "missing columns"),
    "two empty lines": (["", ""], "empty line"),
}


@pytest.mark.parametrize("case", sorted(BESIDE_EMPTY))
@pytest.mark.parametrize("kind", ["roll", "activity"])
def test_line_numbers_after_a_bad_row_beside_an_empty_line(
    tmp_path: Path, case: str, kind: str
) -> None:
    """Skipped lines next to each other pushed the rows after them down by one of them
    only (an ASOF join matched any of their equal thresholds): the bad value on line 5
    was reported on line 4, the good row on line 6 loaded as line 5."""
    skipped, reason = BESIDE_EMPTY[case]
    if kind == "roll":
        header, spec = ROLL_HEADER, ROLL_COLUMNS
        rows = [_line(roll_row(i)) for i in range(3)]
        bad_value = _line({**roll_row(9), "confirmed": "maybe"})
    else:
        header, spec = ACTIVITY_HEADER, ACTIVITY_COLUMNS
        event = "2024-02-01 09:0{i}:00,signed-in,{id},10.0.0.1,dev,ua,,s-{i}"
        rows = [event.format(i=i, id=roll_row(i)["national_id"]) for i in range(3)]
        bad_value = event.format(i=9, id=roll_row(9)["national_id"]).replace("signed-in", "voted")
    lines = [",".join(header), rows[0], *(t.format(row=rows[1]) for t in skipped)]
    lines += [bad_value, rows[2]]
    path = tmp_path / f"{kind}.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    con = duckdb.connect()
    loaded, bad = load_table(con, path, spec, kind, "skip")
    assert loaded == 2
    assert [b.line for b in bad] == [3, 4, 5]
    assert reason in {b.line: b.reason for b in bad}[3] + {b.line: b.reason for b in bad}[4]
    assert bad[2].reason in ("confirmed: not a yes/no value", "event: unknown event type")
    assert bad[2].text.startswith(bad_value.split(",")[0])
    assert [r[0] for r in con.execute(f"SELECT line FROM {kind} ORDER BY line").fetchall()] == [
        2,
        6,
    ]


def test_skip_reports_the_rows_and_fail_stops(tmp_path: Path) -> None:
    path = _messy_roll(tmp_path)
    result = run_audit(path, on_bad_row="skip")
    assert result.rows_read["roll"] == 3
    skipped = [f for f in result.findings if f.check == "input.bad_row"]
    assert skipped and skipped[0].count == 5
    assert [r["line"] for r in skipped[0].records] == [3, 5, 6, 7, 8]
    with pytest.raises(BadRowsError) as info:
        run_audit(path, on_bad_row="fail")
    assert isinstance(info.value, HonestBallotError)
    assert f"{path}:3" in str(info.value)
    assert len(info.value.bad_rows) == 5


def test_header_not_utf8_is_an_encoding_error(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_bytes(b"national_id,n\xffame\n1,2\n")
    with pytest.raises(EncodingError, match="not UTF-8"):
        run_audit(path)


def test_invalid_utf8_row_is_a_bad_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, [roll_row(i) for i in range(3)])
    data = path.read_bytes().splitlines()
    data[2] = data[2].replace(b"Person 1", b"Person \xff")
    path.write_bytes(b"\n".join(data) + b"\n")
    result = run_audit(path)
    assert [(b.line, b.reason) for b in result.bad_rows] == [(3, "csv: invalid encoding")]


def test_semicolon_csv_and_parquet_load_the_same(tmp_path: Path) -> None:
    rows = [roll_row(i) for i in range(5)]
    comma = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    semi = tmp_path / "semi.csv"
    semi.write_text(comma.read_text("utf-8").replace(",", ";"), "utf-8")
    parquet = tmp_path / "roll.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_csv('{comma}', all_varchar=true)) TO '{parquet}' "
        "(FORMAT PARQUET)"
    )
    counts = [run_audit(p).rows_read["roll"] for p in (comma, semi, parquet)]
    assert counts == [5, 5, 5]


def test_missing_file_and_unknown_id_kind(tmp_path: Path) -> None:
    with pytest.raises(AuditInputError, match="no such file"):
        run_audit(tmp_path / "absent.csv")
    header = (*ROLL_HEADER, "id_kind")
    path = write_csv(
        tmp_path / "roll.csv", header, [roll_row(1, id_kind="iin"), roll_row(2, id_kind="passport")]
    )
    result = run_audit(path)
    assert [(b.line, b.reason) for b in result.bad_rows] == [(3, "id_kind: not iin or snils")]


def test_the_rolls_errors_come_before_the_logs(tmp_path: Path) -> None:
    # The log is loaded before the roll (so that the two are never in memory at once),
    # but a run reports as if the roll were read first.
    roll_ok = write_csv(tmp_path / "roll.csv", ROLL_HEADER, [roll_row(i) for i in range(3)])
    messy = _messy_roll(tmp_path)
    log = tmp_path / "activity.csv"
    log.write_text(
        ",".join(ACTIVITY_HEADER) + "\n"
        "2024-03-05 06:00:00,signed-in,1,10.0.0.1,d-1,ua,+77010000001,s-1\n"
        "2024-03-05 06:01:00,danced,1,10.0.0.1,d-1,ua,+77010000001,s-1\n",
        "utf-8",
    )
    with pytest.raises(AuditInputError, match=r"absent\.csv: no such file"):
        run_audit(tmp_path / "absent.csv", log)
    with pytest.raises(AuditInputError, match=r"missing\.csv: no such file"):
        run_audit(roll_ok, tmp_path / "missing.csv")
    with pytest.raises(AuditInputError, match=r"roll\.csv: no such file"):
        run_audit(tmp_path / "none" / "roll.csv", tmp_path / "missing.csv")
    with pytest.raises(BadRowsError) as info:
        run_audit(messy, log, on_bad_row="fail")
    assert {b.file for b in info.value.bad_rows} == {str(messy)}
    with pytest.raises(BadRowsError) as info:
        run_audit(roll_ok, log, on_bad_row="fail")
    assert [(b.file, b.line) for b in info.value.bad_rows] == [(str(log), 3)]
    result = run_audit(messy, log)
    assert [(b.file, b.line) for b in result.bad_rows] == [
        *((str(messy), n) for n in (3, 5, 6, 7, 8)),
        (str(log), 3),
    ]
    assert result.rows_read == {"roll": 3, "activity": 1}


def _log(tmp_path: Path) -> Path:
    log = tmp_path / "activity.csv"
    log.write_text(
        ",".join(ACTIVITY_HEADER) + "\n"
        "2024-03-05 06:00:00,signed-in,1,10.0.0.1,d-1,ua,+77010000001,s-1\n",
        "utf-8",
    )
    return log


def test_the_rolls_file_and_columns_are_checked_before_the_log_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[str] = []

    def recording(con: duckdb.DuckDBPyConnection, path: Path, *args: Any) -> tuple[int, list[Any]]:
        loaded.append(path.name)
        return load_table(con, path, *args)

    monkeypatch.setattr(engine, "load_table", recording)
    log = _log(tmp_path)
    no_phone = tuple(c for c in ROLL_HEADER if c != "phone")
    csv_roll = write_csv(tmp_path / "roll.csv", no_phone, [roll_row(1)])
    parquet_roll = tmp_path / "roll.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_csv('{csv_roll}', all_varchar=true)) "
        f"TO '{parquet_roll}' (FORMAT PARQUET)"
    )
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(",".join(ROLL_HEADER).replace("name", "n\xe4me").encode("latin-1") + b"\n")
    for roll, error, match in [
        (tmp_path / "rol.csv", AuditInputError, r"rol\.csv: no such file"),
        (tmp_path, AuditInputError, "no such file"),
        (csv_roll, AuditInputError, r"roll\.csv: missing required column\(s\): phone"),
        (parquet_roll, AuditInputError, r"roll\.parquet: missing required column\(s\): phone"),
        (latin1, EncodingError, "header is not UTF-8"),
    ]:
        with pytest.raises(error, match=match):
            run_audit(roll, log)
    assert loaded == []  # the log was never read
    good = write_csv(tmp_path / "good.csv", ROLL_HEADER, [roll_row(1)])
    assert run_audit(good, log).rows_read == {"roll": 1, "activity": 1}
    assert loaded == ["activity.csv", "good.csv"]


@pytest.mark.parametrize(
    "log_error",
    [
        OSError("activity.csv: input/output error"),
        duckdb.OutOfMemoryException("could not allocate block"),
        AuditInputError("activity.csv: cannot read as CSV"),
    ],
)
@pytest.mark.parametrize("step", ["load", "cut"])
def test_every_error_of_the_log_waits_for_the_rolls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_error: Exception, step: str
) -> None:
    # Whatever loading or cutting the log raises (a read error, DuckDB out of memory) is
    # raised only once the roll has loaded: the roll's malformed rows come first.
    def load(con: duckdb.DuckDBPyConnection, path: Path, *args: Any) -> tuple[int, list[Any]]:
        if step == "load" and path.name == "activity.csv":
            raise log_error
        return load_table(con, path, *args)

    def cut(con: duckdb.DuckDBPyConnection) -> None:
        raise log_error

    monkeypatch.setattr(engine, "load_table", load)
    if step == "cut":
        monkeypatch.setattr(engine, "cut_log", cut)
    log, messy = _log(tmp_path), _messy_roll(tmp_path)
    with pytest.raises(BadRowsError) as info:
        run_audit(messy, log, on_bad_row="fail")
    assert {b.file for b in info.value.bad_rows} == {str(messy)}
    roll_ok = write_csv(tmp_path / "roll.csv", ROLL_HEADER, [roll_row(1)])
    with pytest.raises(type(log_error)) as raised:
        run_audit(roll_ok, log)
    assert raised.value is log_error


def test_under_fail_a_bad_roll_line_stops_the_run_before_the_log_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user who asked to stop on a bad row hears of the roll's line 3 at once, not after
    # a long log was loaded and cut: the roll's rows are checked first, and the log (here
    # one that would fail to load, lacking a column) is never opened.
    opened: list[str] = []

    def recording(con: duckdb.DuckDBPyConnection, path: Path, *args: Any) -> tuple[int, list[Any]]:
        opened.append(path.name)
        return load_table(con, path, *args)

    def cut(con: duckdb.DuckDBPyConnection) -> None:
        raise AssertionError("the log was cut")

    real_cut = engine.cut_log
    monkeypatch.setattr(engine, "load_table", recording)
    monkeypatch.setattr(engine, "cut_log", cut)
    broken_log = write_csv(tmp_path / "activity.csv", ACTIVITY_HEADER[:-2], [])
    messy = _messy_roll(tmp_path)
    with pytest.raises(BadRowsError) as info:
        run_audit(messy, broken_log, on_bad_row="fail")
    assert (info.value.bad_rows[0].file, info.value.bad_rows[0].line) == (str(messy), 3)
    assert {b.file for b in info.value.bad_rows} == {str(messy)}
    assert opened == ["messy.csv"]
    # a good roll under fail is checked, dropped, and loaded again after the log: the
    # findings are those of skip
    monkeypatch.setattr(engine, "cut_log", real_cut)
    rows = [roll_row(i) for i in range(6)]
    rows.append(roll_row(6, national_id=rows[0]["national_id"]))
    good = write_csv(tmp_path / "good.csv", ROLL_HEADER, rows)
    log = _log(tmp_path)
    opened.clear()
    failing, skipping = run_audit(good, log, on_bad_row="fail"), run_audit(good, log)
    assert opened == ["good.csv", "activity.csv", "good.csv", "activity.csv", "good.csv"]
    assert failing.rows_read == skipping.rows_read == {"roll": 7, "activity": 1}
    assert [(f.check, f.severity, f.count, f.records) for f in failing.findings] == [
        (f.check, f.severity, f.count, f.records) for f in skipping.findings
    ]
    assert any(f.check == "id.duplicate" and f.count == 2 for f in failing.findings)
