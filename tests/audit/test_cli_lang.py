"""``honestballot audit --lang``: everything the command prints, errors included, in
Russian, Kazakh and English, from the catalogue; check ids, severities, numbers, column
names and ``exit N`` the same in every language."""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from honestballot.audit.config import AuditConfig, ClosedWindow
from honestballot.audit.engine import run_audit
from honestballot.audit.numbers import number
from honestballot.audit.report_html import render
from honestballot.audit.svg import bar_chart, line_chart
from honestballot.audit.synth import generate
from honestballot.cli.audit import audit_command
from honestballot.web.i18n import STRINGS
from honestballot.web.messages import finding_texts, unit_for
from tests.factories import ACTIVITY_HEADER, ROLL_HEADER, roll_row, write_csv

LANGS = ("ru", "kk", "en")
#: no variable of the environment chooses the language unless a test sets one
NO_LOCALE: dict[str, str | None] = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


def _run(args: list[str], lang: str | None, **env: str) -> Result:
    options = ["--lang", lang] if lang else []
    return CliRunner().invoke(
        audit_command, [*args, *options], standalone_mode=False, env={**NO_LOCALE, **env}
    )


def _fails(args: list[str], lang: str) -> str:
    result = _run(args, lang)
    assert result.exception is None, result.exception
    assert result.return_value == 2, result.output
    assert result.stdout == ""
    return result.stderr


def _roll(tmp_path: Path, name: str = "roll.csv", rows: int = 20) -> Path:
    found = [roll_row(i) for i in range(rows)]
    found.append(roll_row(rows, national_id=found[0]["national_id"]))  # duplicate: critical
    return write_csv(tmp_path / name, ROLL_HEADER, found)


def _line(row: dict[str, object]) -> str:
    return ",".join(str(row[k]) for k in ROLL_HEADER)


def _bad_roll(tmp_path: Path) -> Path:
    good = [roll_row(i) for i in range(9)]
    lines = [",".join(ROLL_HEADER), _line(good[0])]
    lines.append(_line({**good[1], "email": "nobody", "confirmed": ""}))  # line 3
    lines.append(_line({**good[2], "enrolled_at": "yesterday"}))  # line 4
    lines.append(_line(good[3]) + ",extra")  # line 5
    lines.append(_line(good[6]))  # line 6: good
    lines.append("")  # line 7
    lines.append(_line({**good[4], "birth_date": "spring"}))  # line 8
    lines.append(_line({**good[5], "confirmed": "maybe"}))  # line 9
    lines.append(_line(good[7]))  # line 10: good
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_the_summary_is_said_in_each_language_and_its_codes_stay(tmp_path: Path) -> None:
    rows = [roll_row(i, birth_date="") for i in range(20)]
    rows.append(roll_row(20, national_id=rows[0]["national_id"], birth_date=""))
    roll = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    out = {}
    for lang in LANGS:
        result = _run([str(roll)], lang)
        assert result.exception is None and result.return_value == 1, result.output
        out[lang] = result.stdout
    # the English output is what scripts have read so far
    assert re.match(r"audited roll 21 rows in \d+\.\d s; 0 malformed row\(s\) skipped\n", out["en"])
    assert (
        "  21 of 21 roll rows without a birth date: skipped by the birth-date checks" in out["en"]
    )
    assert "records  National IDs that appear on more than one row\n" in out["en"]
    assert out["en"].endswith("exit 1: findings at or above high\n")
    assert re.match(r"проверено строк: список 21 за \d+,\d с; ", out["ru"])
    assert "21 из 21 строк списка без даты рождения" in out["ru"]
    assert "2 записи  Идентификационные номера, встречающиеся в нескольких строках" in out["ru"]
    assert out["ru"].endswith("exit 1: есть находки уровня high и выше\n")
    assert out["kk"].startswith("тексерілген жолдар: тізім 21, ")
    assert "тізімнің 21 жолының 21 жолында туған күні жоқ" in out["kk"]
    assert re.match(r"тексерілген жолдар: тізім 21, \d+,\d секундта; ", out["kk"])
    assert "2 жазба  Бірнеше жолда кездесетін жеке сәйкестендіру нөмірлері" in out["kk"]
    assert out["kk"].endswith("exit 1: high деңгейіндегі және одан жоғары табылғандар бар\n")
    # the machine-stable parts: each finding line's severity, check id and count
    stable = {
        lang: re.findall(r"^  (critical|high|medium|low|info) +([a-z_.]+) +([\d,]+) ", text, re.M)
        for lang, text in out.items()
    }
    assert stable["ru"] == stable["kk"] == stable["en"]
    assert ("critical", "id.duplicate", "2") in stable["en"]
    clean = write_csv(tmp_path / "clean.csv", ROLL_HEADER, [roll_row(i) for i in range(5)])
    said = [_run([str(clean), "--fail-on", "critical"], lang).stdout for lang in LANGS]
    assert [text.splitlines()[-1] for text in said] == [
        "exit 0: нет находок уровня critical и выше",
        "exit 0: critical деңгейіндегі және одан жоғары табылғандар жоқ",
        "exit 0: nothing at or above critical",
    ]


def test_bad_rows_under_fail_are_said_in_each_language(tmp_path: Path) -> None:
    bad = _bad_roll(tmp_path)
    said = {lang: _fails([str(bad), "--on-bad-row", "fail"], lang) for lang in LANGS}
    assert said["en"] == (
        f"error: BadRowsError: 6 malformed row(s): {bad}:3: email: no @; confirmed: empty; "
        f"{bad}:4: enrolled_at: not YYYY-MM-DD HH:MM[:SS] without an offset; "
        f"{bad}:5: csv: too many columns; {bad}:7: csv: empty line; "
        f"{bad}:8: birth_date: not YYYY-MM-DD or DD.MM.YYYY (and 1 more)\n"
    )
    assert said["ru"] == (
        f"ошибка: BadRowsError: строки с ошибками (6): {bad}:3: email: нет знака @; "
        f"confirmed: пусто; {bad}:4: enrolled_at: не ГГГГ-ММ-ДД ЧЧ:ММ[:СС] без смещения; "
        f"{bad}:5: csv: лишние столбцы; {bad}:7: csv: пустая строка; "
        f"{bad}:8: birth_date: не ГГГГ-ММ-ДД и не ДД.ММ.ГГГГ (и ещё 1)\n"
    )
    assert said["kk"] == (
        f"қате: BadRowsError: қате жолдар (6): {bad}:3: email: @ белгісі жоқ; "
        f"confirmed: бос; {bad}:4: enrolled_at: ығысусыз ЖЖЖЖ-АА-КК СС:ММ[:СС] емес; "
        f"{bad}:5: csv: артық бағандар; {bad}:7: csv: бос жол; "
        f"{bad}:8: birth_date: ЖЖЖЖ-АА-КК те, КК.АА.ЖЖЖЖ те емес (және тағы 1)\n"
    )


def _parquet_garbage(tmp_path: Path) -> Path:
    path = tmp_path / "roll.parquet"
    path.write_bytes(b"not parquet at all")
    return path


def _text(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def _header_only(tmp_path: Path, header: str, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(header.encode("latin-1") + b"\n")
    return path


#: each error path: arguments (from the test's directory), the class, and what it says
ERRORS = {
    "no such file": (
        lambda d: [str(d / "absent.csv")],
        "AuditInputError",
        (
            "{d}/absent.csv: нет такого файла",
            "{d}/absent.csv: мұндай файл жоқ",
            "{d}/absent.csv: no such file",
        ),
    ),
    "missing column": (
        lambda d: [str(write_csv(d / "r.csv", ROLL_HEADER[:-1], [roll_row(1)]))],
        "AuditInputError",
        (
            "{d}/r.csv: нет обязательных столбцов: confirmed (есть: ",
            "{d}/r.csv: міндетті бағандар жоқ: confirmed (бары: ",
            "{d}/r.csv: missing required column(s): confirmed (found: ",
        ),
    ),
    "a column twice": (
        lambda d: [str(_header_only(d, ",".join([*ROLL_HEADER, "phone"]), "twice.csv"))],
        "AuditInputError",
        (
            "{d}/twice.csv: столбцы встречаются дважды: phone",
            "{d}/twice.csv: бағандар екі рет кездеседі: phone",
            "{d}/twice.csv: column(s) appear twice: phone",
        ),
    ),
    "header not UTF-8": (
        lambda d: [
            str(_header_only(d, ",".join(ROLL_HEADER).replace("name", "n\xe4me"), "l1.csv"))
        ],
        "EncodingError",
        (
            "{d}/l1.csv:1: строка заголовка не в кодировке UTF-8 (",
            "{d}/l1.csv:1: тақырып жолы UTF-8 кодтауында емес (",
            "{d}/l1.csv:1: header is not UTF-8 (",
        ),
    ),
    "no header": (
        lambda d: [str(_header_only(d, "", "empty.csv"))],
        "AuditInputError",
        (
            "{d}/empty.csv:1: нет строки заголовка",
            "{d}/empty.csv:1: тақырып жолы жоқ",
            "{d}/empty.csv:1: no header line",
        ),
    ),
    "not Parquet": (
        lambda d: [str(_parquet_garbage(d))],
        "AuditInputError",
        (
            "{d}/roll.parquet: файл Parquet не читается (",
            "{d}/roll.parquet: Parquet файлы оқылмайды (",
            "{d}/roll.parquet: not a readable Parquet file (",
        ),
    ),
    "closed window shape": (
        lambda d: [str(_roll(d)), "--closed-window", "March"],
        "AuditInputError",
        (
            "закрытый период 'March': нужно НАЧАЛО/КОНЕЦ в формате ISO 8601 (",
            "жабық кезең 'March': ISO 8601 пішіміндегі БАСЫ/СОҢЫ керек (",
            "closed window 'March': expected START/END in ISO 8601 (",
        ),
    ),
    "closed window offset": (
        lambda d: [str(_roll(d)), "--closed-window", "2024-03-01T00:00Z/2024-03-02T00:00"],
        "AuditInputError",
        (
            "закрытый период '2024-03-01T00:00Z/2024-03-02T00:00': укажите время в часовом "
            "поясе файлов, без смещения",
            "жабық кезең '2024-03-01T00:00Z/2024-03-02T00:00': уақытты файлдардың уақыт "
            "белдеуінде, ығысусыз көрсетіңіз",
            "closed window '2024-03-01T00:00Z/2024-03-02T00:00': use the files' time zone, "
            "without an offset",
        ),
    ),
    "closed window order": (
        lambda d: [str(_roll(d)), "--closed-window", "2024-03-02/2024-03-01"],
        "AuditInputError",
        (
            "закрытый период '2024-03-02/2024-03-01': КОНЕЦ должен быть позже НАЧАЛА",
            "жабық кезең '2024-03-02/2024-03-01': СОҢЫ БАСЫНАН кейін болуы керек",
            "closed window '2024-03-02/2024-03-01': END must be after START",
        ),
    ),
    "as of": (
        lambda d: [str(_roll(d)), "--as-of", "2024-02-30"],
        "AuditInputError",
        (
            "--as-of 2024-02-30: нужна дата в виде ГГГГ-ММ-ДД",
            "--as-of 2024-02-30: ЖЖЖЖ-АА-КК түріндегі күн керек",
            "--as-of 2024-02-30: expected a date as YYYY-MM-DD",
        ),
    ),
    "memory limit": (
        lambda d: [str(_roll(d)), "--memory-limit", "lots"],
        "AuditInputError",
        (
            "предел памяти 'lots' не принят: ",
            "'lots' жад шегі қабылданбады: ",
            "memory limit 'lots': ",
        ),
    ),
    "cannot read": (
        # a regular file whose first bytes cannot be read (the process's own memory at
        # address 0): the system names no file
        lambda d: ["/proc/self/mem"],
        "OSError",
        (
            "не удаётся прочитать входной файл (EIO)",
            "кіріс файлды оқу мүмкін емес (EIO)",
            "cannot read an input file (EIO)",
        ),
    ),
    "out of memory": (
        # DuckDB's own error, not the audit's: raised while the tables are built
        lambda d: [str(_roll(d)), "--memory-limit", "5MB"],
        "OutOfMemoryException",
        (
            "проверке не хватило памяти (Out of Memory Error: ",
            "тексеруге жад жетпеді (Out of Memory Error: ",
            "the audit ran out of memory (Out of Memory Error: ",
        ),
    ),
    "score against no file": (
        lambda d: [str(_roll(d)), "--score-against", str(d / "absent.json")],
        "FileNotFoundError",
        (
            "{d}/absent.json: файл не удаётся прочитать (ENOENT)",
            "{d}/absent.json: файлды оқу мүмкін емес (ENOENT)",
            "{d}/absent.json: cannot read the file (ENOENT)",
        ),
    ),
    "score against not JSON": (
        lambda d: [str(_roll(d)), "--score-against", str(_text(d, "truth.json", "{broken"))],
        "JSONDecodeError",
        (
            "{d}/truth.json: это не файл truth.json от synth-roll (JSONDecodeError: ",
            "{d}/truth.json: бұл synth-roll жасаған truth.json файлы емес (JSONDecodeError: ",
            "{d}/truth.json: not a synth-roll truth.json (JSONDecodeError: ",
        ),
    ),
    "score against no checks": (
        lambda d: [str(_roll(d)), "--score-against", str(_text(d, "other.json", '{"rows": 1}'))],
        "KeyError",
        (
            "{d}/other.json: это не файл truth.json от synth-roll (KeyError: 'checks')",
            "{d}/other.json: бұл synth-roll жасаған truth.json файлы емес (KeyError: 'checks')",
            "{d}/other.json: not a synth-roll truth.json (KeyError: 'checks')",
        ),
    ),
    "cannot write": (
        lambda d: [str(_roll(d)), "--observer-html", str(d / "no" / "such" / "dir.html")],
        "FileNotFoundError",
        (
            "{d}/no/such/dir.html: файл не удаётся записать (ENOENT)",
            "{d}/no/such/dir.html: файлға жазу мүмкін емес (ENOENT)",
            "{d}/no/such/dir.html: cannot write the file (ENOENT)",
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_every_error_is_said_in_each_language(tmp_path: Path, case: str) -> None:
    args, kind, texts = ERRORS[case]
    prefixes = ("ошибка", "қате", "error")
    for lang, prefix, text in zip(LANGS, prefixes, texts, strict=True):
        said = _fails(args(tmp_path), lang)
        assert said.startswith(f"{prefix}: {kind}: "), said
        assert text.format(d=tmp_path) in said, (lang, said)
        assert said.endswith("\n") and said.count("\n") == 1, said  # one line
    english = texts[2].format(d=tmp_path)
    assert english not in _fails(args(tmp_path), "ru")
    assert english not in _fails(args(tmp_path), "kk")


def test_the_language_defaults_from_the_environment(tmp_path: Path) -> None:
    absent = [str(tmp_path / "absent.csv")]

    def said(**env: str) -> str:
        result = _run(absent, None, **env)
        assert result.return_value == 2
        return result.stderr

    assert said().startswith("error: ")  # nothing set: English
    assert said(LANG="ru_RU.UTF-8").startswith("ошибка: ")
    assert said(LANG="kk_KZ.UTF-8").startswith("қате: ")
    assert said(LANG="ru_RU.UTF-8", LC_MESSAGES="kk_KZ").startswith("қате: ")
    assert said(LANG="kk_KZ.UTF-8", LC_ALL="C.UTF-8").startswith("error: ")  # LC_ALL wins
    assert said(LANG="de_DE.UTF-8").startswith("error: ")
    assert said(LANG="rus").startswith("error: ")  # not a language code of ours
    assert _fails(absent, "en").startswith("error: ")  # --lang wins over LANG
    result = _run(absent, "en", LANG="ru_RU.UTF-8")
    assert result.stderr.startswith("error: ")


def test_both_html_reports_take_the_language(tmp_path: Path) -> None:
    rows = [roll_row(i, birth_date="") for i in range(20)]
    rows.append(roll_row(20, national_id=rows[0]["national_id"]))
    roll = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    pages = {}
    for lang in LANGS:
        out, observer = tmp_path / f"{lang}.html", tmp_path / f"{lang}-observer.html"
        args = [str(roll), "--quiet", "--html", str(out), "--observer-html", str(observer)]
        assert _run(args, lang).return_value == 1
        pages[lang] = (out.read_text("utf-8"), observer.read_text("utf-8"))
    for lang, title, heading, unknown in [
        (
            "ru",
            "Идентификационные номера, встречающиеся в нескольких строках",
            "Проверка целостности списка избирателей и активности голосования",
            "20 из 21 строк списка без даты рождения",
        ),
        (
            "kk",
            "Бірнеше жолда кездесетін жеке сәйкестендіру нөмірлері",
            "Сайлаушылар тізімінің және дауыс беру белсенділігінің тұтастығын тексеру",
            "тізімнің 21 жолының 20 жолында туған күні жоқ",
        ),
        (
            "en",
            "National IDs that appear on more than one row",
            "Integrity audit of the voter roll and voting activity",
            "20 of 21 roll rows without a birth date",
        ),
    ]:
        for page in pages[lang]:
            assert f'<html lang="{lang}">' in page
            assert title in page and heading in page and unknown in page
    for page in (*pages["ru"], *pages["kk"]):
        for english in ("National IDs", "Findings", "Charts", "Voters sharing", "Verdict"):
            assert english not in page
    assert "Правило: " in pages["ru"][0] and "Ереже: " in pages["kk"][0]
    # the English reports are what render writes by default
    result = run_audit(roll)
    assert pages["en"] == (render(result), render(result, observer=True))


def _catalogue_english(key: str, english: str, /, **values: object) -> str:
    return STRINGS[key][2].format(**values)


@pytest.mark.parametrize("observer", [False, True])
def test_every_text_of_the_html_report_is_in_the_catalogue(tmp_path: Path, observer: bool) -> None:
    # every text the report says has its catalogue entry, whose English is the report's
    # own: a whole report said from the catalogue's English is the report as written
    out = tmp_path / "synth"
    generate(out, 6000, 5, with_activity=True)
    rows = [roll_row(i, birth_date="", enrolled_at="") for i in range(3)]
    truth = json.loads((out / "truth.json").read_text("utf-8"))
    cfg = AuditConfig(closed_windows=tuple(ClosedWindow.parse(w) for w in truth["closed_windows"]))
    result = run_audit(out / "roll.csv", out / "activity.csv", cfg)
    assert result.series["turnout"]["flagged"]  # type: ignore[index]
    assert any(f.count > 200 for f in result.findings)
    small = run_audit(write_csv(tmp_path / "unknown.csv", ROLL_HEADER, rows))
    assert small.roll_rows_without["birth_date"] == 3
    for audited in (result, small):
        written = render(audited, observer=observer)
        assert render(audited, observer=observer, words=_catalogue_english) == written


def test_a_bad_roll_line_under_fail_is_said_before_a_broken_log(tmp_path: Path) -> None:
    # the log lacks a column: had it been read first, its error would be held until the
    # roll's; the engine's own test checks that it is not read at all
    log = write_csv(tmp_path / "activity.csv", ACTIVITY_HEADER[:-2], [])
    bad = _bad_roll(tmp_path)
    args = [str(bad), "--activity", str(log), "--on-bad-row", "fail"]
    for lang, head in zip(
        LANGS, ("строки с ошибками (6)", "қате жолдар (6)", "6 malformed"), strict=True
    ):
        said = _fails(args, lang)
        assert head in said and f"{bad}:3: " in said and "activity.csv" not in said


@pytest.mark.parametrize(
    ("option", "value"), [("--threads", "-1"), ("--threads", "0"), ("--min-age", "-5")]
)
def test_a_number_out_of_range_is_a_usage_error(tmp_path: Path, option: str, value: str) -> None:
    # click's usage error (exit 2, in English like every usage error), before DuckDB sees it
    result = CliRunner().invoke(
        audit_command, [str(_roll(tmp_path)), option, value, "--lang", "ru"], env=NO_LOCALE
    )
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': {value} is not in the range" in result.stderr
    assert result.exception is not None and not isinstance(result.exception, ValueError)
    assert result.stdout == ""


def test_the_organiser_report_says_record_heads_and_bad_row_reasons(tmp_path: Path) -> None:
    bad = _bad_roll(tmp_path)
    pages = {}
    for lang in LANGS:
        out = tmp_path / f"{lang}.html"
        assert _run([str(bad), "--quiet", "--html", str(out)], lang).return_value == 0
        pages[lang] = out.read_text("utf-8")
    heads = {
        "ru": "<th>группа</th><th>строка</th><th>избиратель</th><th>имя</th><th>подробности</th>",
        "kk": "<th>топ</th><th>жол</th><th>сайлаушы</th><th>аты</th><th>толығырақ</th>",
        "en": "<th>group</th><th>line</th><th>voter</th><th>name</th><th>detail</th>",
    }
    reasons = {
        "ru": "email: нет знака @; confirmed: пусто",
        "kk": "email: @ белгісі жоқ; confirmed: бос",
        "en": "email: no @; confirmed: empty",
    }
    for lang in LANGS:
        assert heads[lang] in pages[lang], lang
        assert f"<td>3</td><td></td><td></td><td>{reasons[lang]}</td>" in pages[lang], lang
    for lang in ("ru", "kk"):
        assert "<th>line</th>" not in pages[lang] and "no @" not in pages[lang]
    # the JSON keeps the audit's English reason
    out = tmp_path / "f.json"
    assert _run([str(bad), "--quiet", "--json", str(out)], "ru").return_value == 0
    assert "email: no @; confirmed: empty" in out.read_text("utf-8")


def test_numbers_and_units_in_russian_and_kazakh(tmp_path: Path) -> None:
    # 1,200 rows: thousands grouped by a narrow no-break space in Russian and Kazakh
    rows = [roll_row(i) for i in range(1200)]
    rows += [roll_row(1200 + i, national_id=rows[i]["national_id"]) for i in range(21)]
    roll = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    out, html, data = {}, {}, {}
    for lang in LANGS:
        page, found = tmp_path / f"{lang}.html", tmp_path / f"{lang}.json"
        result = _run([str(roll), "--html", str(page), "--json", str(found)], lang)
        assert result.return_value == 1, result.output
        out[lang], html[lang] = result.stdout, page.read_text("utf-8")
        data[lang] = json.loads(found.read_text("utf-8"))
    assert out["en"].startswith("audited roll 1,221 rows in ")
    assert out["ru"].startswith("проверено строк: список 1\u202f221 за ")
    assert out["kk"].startswith("тексерілген жолдар: тізім 1\u202f221, ")
    # 21 IDs on two rows each: 42 records, 21 groups; the count's column is digits only
    assert re.search(r"critical +id\.duplicate +42 записи  ", out["ru"])
    assert re.search(r"critical +id\.duplicate +42 жазба  ", out["kk"])
    assert re.search(r"critical +id\.duplicate +42 records  ", out["en"])
    assert "список: строк 1\u202f221" in html["ru"] and "roll: 1,221 rows" in html["en"]
    assert "<td>42 записи</td><td>21</td>" in html["ru"]
    for lang in ("ru", "kk"):
        assert "1,221" not in out[lang] and "1,221" not in html[lang]
    # the JSON outputs are the same in every language
    for found in data.values():
        found.pop("elapsed_seconds", None)
    assert data["ru"] == data["kk"] == data["en"]


@pytest.mark.parametrize(
    ("n", "ru"),
    [
        (1, "запись"), (2, "записи"), (4, "записи"), (5, "записей"), (11, "записей"),
        (12, "записей"), (14, "записей"), (21, "запись"), (22, "записи"), (111, "записей"),
        (1001, "запись"), (0, "записей"),
    ],
)  # fmt: skip
def test_a_unit_takes_the_russian_form_of_its_number(n: int, ru: str) -> None:
    assert unit_for("records", n, "ru") == ru
    assert unit_for("records", n, "kk") == "жазба"
    assert unit_for("records", n, "en") == "records"
    assert unit_for("records", None, "ru") == "записей"
    # the organiser's audit page says a finding's unit after its count the same way
    finding = {"check": "id.duplicate", "title": "", "rule": "", "unit": "records"}
    assert finding_texts({**finding, "count": n}, "ru")["unit"] == ru


@pytest.mark.parametrize(
    ("value", "decimals", "ru", "en"),
    [
        (5000, None, "5\u202f000", "5,000"),
        (999, None, "999", "999"),
        (1234567, None, "1\u202f234\u202f567", "1,234,567"),
        (3.25, 1, "3,2", "3.2"),
        (12345.678, 3, "12\u202f345,678", "12,345.678"),
        (0.5, 3, "0,500", "0.500"),
    ],
)
def test_a_number_in_each_language(value: float, decimals: int | None, ru: str, en: str) -> None:
    assert number(value, "ru", decimals) == number(value, "kk", decimals) == ru
    assert number(value, "en", decimals) == en


def test_the_charts_write_numbers_in_the_report_language() -> None:
    bars = [("2", 1234.0), ("3", 5.0)]
    assert ">1\u202f234</text>" in bar_chart(bars, "t", "x", "y", lang="ru")
    assert ">1,234</text>" in bar_chart(bars, "t", "x", "y")
    line = {"s": [(0.0, 1.0), (1.0, 2.0)]}
    ru, en = line_chart(line, "t", [], "y", lang="kk"), line_chart(line, "t", [], "y")
    assert ">0,5</text>" in ru and ">0.5</text>" not in ru
    assert ">0.5</text>" in en


def test_a_capped_finding_cannot_be_scored_in_each_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--score-against`` on a finding whose records were capped ends with exit 2 and
    the reason in the reader's language (it was an untranslated ValueError)."""
    monkeypatch.setattr("honestballot.cli.audit.AuditConfig", partial(AuditConfig, max_records=1))
    rows = [roll_row(i) for i in range(5)]
    rows += [roll_row(5 + i, national_id=rows[0]["national_id"]) for i in range(2)]
    roll = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    truth = _text(
        tmp_path,
        "truth.json",
        json.dumps({"checks": {"id.duplicate": {"key": "line", "values": [2, 7, 8]}}}),
    )
    texts = (
        "id.duplicate: находка перечисляет лишь часть своих записей",
        "id.duplicate: табылған өз жазбаларының бір бөлігін ғана береді",
        "id.duplicate: the finding lists only part of its records (capped)",
    )
    for lang, prefix, text in zip(LANGS, ("ошибка", "қате", "error"), texts, strict=True):
        said = _fails([str(roll), "--score-against", str(truth)], lang)
        assert said.startswith(f"{prefix}: AuditInputError: {text}"), said
        assert said.count("\n") == 1
