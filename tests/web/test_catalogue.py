"""The message catalogue says everything in Russian, Kazakh and English, one name per
concept: every error code, every error text the code raises (``Text("key", …)``), every
finding of the integrity audit, and every page text.

A text is "untranslated" when its kk or ru form is the en one, or its kk form the ru one;
names and codes (placeholders, ids such as ``national_id``, HB1-…, SMS, CSV) are taken
out before comparing, and a text that is nothing but names and codes is left alone.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import string
from pathlib import Path

import pytest

import honestballot
from honestballot import errors
from honestballot.errors import Text
from honestballot.web.errors import ERROR_CODES, HTTP_CODES
from honestballot.web.i18n import LANGUAGES, STRINGS
from honestballot.web.messages import describe, finding_texts, in_time, say

SOURCE = Path(honestballot.__file__).parent

#: concept -> (its English name, the Russian and Kazakh stems every text naming it uses,
#: and the rival names that must appear nowhere)
GLOSSARY: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "fingerprint": ("fingerprint", "отпечат", "саусақ із", ("цифрлық із", "цифровой след")),
    "tracking code": (
        "tracking code",
        "отслеживани",
        "бақылау код",
        ("код для провер", "тексеру код", "код провер"),
    ),
    "trustee": ("trustee", "хранител", "сақтаушы", ("доверенн", "сенім білдір", "сенімді")),
    "credential": ("credential", "ключ", "кілт", ()),
    "board": ("board", "доск", "тақта", ()),
    "witness": ("witness", "свидетел", "куәгер", ()),
    "tree head": ("tree head", "вершин", "төбе", ("подпись журнала", "подписи журнала")),
    "election record": ("election record", "протокол", "хаттама", ()),
    "decryption share": (
        "decryption share",
        "расшифровки",
        "шифрды ашу үлес",
        ("доля дешифр", "шифрын ашу үлес"),
    ),
}

#: words that are names or codes in every language
NAMES = frozenset(
    {
        "honestballot",
        "sms",
        "csv",
        "json",
        "utf",
        "iin",
        "snils",
        "e-mail",
        "email",
        "id",
        "url",
        "qr",
        "ok",
    }
)

BOARD_ACTIONS = ("setup", "credential", "roll", "station", "paper", "open", "ballot", "audit")
BOARD_ACTIONS += ("close",)
BOARD_ACTIONS += ("mix-part", "mix", "tally", "decryption-share", "result")
JSON_RULES = ("string", "long", "integer_expected", "below", "above", "boolean", "list", "items")

#: keys a Text is built with at run time (an f-string key), each value it can take
DYNAMIC_KEYS = (
    [f"phase.{p}" for p in ("setup", "open", "closed", "tallied", "done")]
    + [
        f"organiser.choose_{w}"
        for w in ("manifest", "election_key", "roll", "signature", "encrypted_roll")
    ]
    + [f"roll.shared_{c}_{w}" for c in ("phone", "email") for w in ("line", "on_roll")]
    + [f"report.field.{f}" for f in ("what", "where", "when", "published", "reason")]
    + ["phase.empty"]
    + [f"board.action.{kind}" for kind in BOARD_ACTIONS]
    + [f"manifest.id_shape.{what}" for what in ("election", "unit", "contest", "option")]
    + [f"manifest.duplicate.{what}" for what in ("contest", "unit", "option")]
    + [f"report.already_{status}" for status in ("published", "rejected")]
    + [f"json.{rule}" for rule in JSON_RULES]
    + [f"audit.cli.without.{c}" for c in ("birth_date", "enrolled_at", "organisation")]
    + [f"roll_needs.{w}{r}" for w in ("needed", "expected") for r in ("", "_ranked")]
)

#: the modules whose errors a voter, an organiser or an observer can meet through the pages
#: or the API (the trustee's and witness's command-line tools, the verifier and the
#: operator's commands may stay in English, docs/api.md says so): every error they raise
#: says a catalogue text, unless the raise is marked "# English only: <why nobody meets it
#: there>"
REACHABLE = (
    "protocol/ballot.py",
    "protocol/board.py",
    "protocol/decryption.py",
    "protocol/manifest.py",
    "protocol/paper.py",
    "protocol/schedule_plan.py",
    "record/codec.py",
    "record/manifest.py",
    "record/paper.py",
    "record/setup.py",
    "service/activity.py",
    "service/board/board_views.py",
    "service/board/election.py",
    "service/board/log.py",
    "service/board/result_views.py",
    "service/organiser_cases.py",
    "service/paper.py",
    "service/reports.py",
    "service/security/csrf.py",
    "service/voters/roll.py",
    "service/voters/roll_csv.py",
    "service/voters/signin.py",
    "service/voters/voting.py",
    "web/errors.py",
    "web/organiser_api.py",
    "web/organiser_manifest.py",
    "web/organiser_pages.py",
    "web/paper_pages.py",
    "web/observer.py",
    "web/reports.py",
    "web/stations.py",
    "web/voter_api.py",
    "web/voter_common.py",
    "web/voter_pages.py",
)

#: every error class a request can meet, and the web layer's own
ERROR_CLASSES = frozenset(
    name
    for name, value in vars(errors).items()
    if inspect.isclass(value) and issubclass(value, errors.HonestBallotError)
) | {"ApiError"}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def words(text: str) -> str:
    """The text without placeholders, codes, numbers and names: what a translator writes."""
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\S*[_/@\\<>]\S*|\S*\d\S*|[A-Z]{2,}\S*|--?[a-z-]+", " ", text)
    out = [w for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text) if w.lower() not in NAMES]
    return " ".join(out)


def source_keys() -> set[str]:
    """Every literal key of a ``Text(...)`` in the package, and of a text the audit's
    command line says (``_say(lang, "…")``)."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        found |= set(re.findall(r"\bText\(\s*\"([a-z0-9_.]+)\"", path.read_text("utf-8")))
    audit_cli = (SOURCE / "cli" / "audit.py").read_text("utf-8")
    found |= set(re.findall(r"\b_say\(\s*\w+,\s*\"([a-z0-9_.]+)\"", audit_cli))
    return found


def audit_checks() -> dict[str, set[str]]:
    """Every check id of the integrity audit, with the title variants it uses."""
    checks: dict[str, set[str]] = {}
    for path in (SOURCE / "audit").glob("*.py"):
        # each check's call runs to the next check="…" (its params name the variants)
        parts = re.split(r'check="([a-z_.]+)"', path.read_text("utf-8"))
        for check, body in zip(parts[1::2], parts[2::2], strict=True):
            variants = re.findall(
                r'"variant": (?:"([a-z_]+)" if \w+ else "([a-z_]+)"|"([a-z_]+)")', body
            )
            checks.setdefault(check, set()).update(v for found in variants for v in found if v)
    return checks


def untranslated_raises(source: str) -> list[tuple[int, str]]:
    """(line, message) of each error raised in ``source`` whose message is no catalogue
    text: a ``Text(...)`` (or a name bound to one at the top of a module, or a call of a
    function returning one), a condition choosing between such, or a marked line."""
    tree = ast.parse(source)
    lines = source.splitlines()
    texts = set(text_constants()) | _constants(tree)
    makers = text_makers()
    bad = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        func = node.exc.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in makers:
            continue
        if name not in ERROR_CLASSES or name in ("RollRejected", "StorageUnavailable"):
            continue
        args = node.exc.args
        message = args[-1] if name == "ApiError" and args else (args[0] if args else None)
        if message is None or _is_text(message, texts, makers):
            continue
        marked = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
        if any("# English only: " in line for line in marked):
            continue
        bad.append((node.lineno, ast.unparse(message)[:100]))
    return bad


@functools.cache
def text_constants() -> frozenset[str]:
    """Names bound to a catalogue text at the top of a module of the package
    (``NOT_REGISTERED = Text(...)``)."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        found |= _constants(ast.parse(path.read_text("utf-8")))
    return frozenset(found)


def _constants(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and _is_text(node.value, set(), set()):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found |= {t.id for t in targets if isinstance(t, ast.Name)}
    return found


@functools.cache
def text_makers() -> frozenset[str]:
    """Functions of the package whose every ``return`` is a catalogue text, or an error
    raised with one (``no_election``, the manifest's ``_bad``)."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return)]
            if returns and all(_is_text(r, set(), set()) or _is_error_text(r) for r in returns):
                found.add(node.name)
    return frozenset(found)


def _is_error_text(node: ast.expr | None) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ERROR_CLASSES
        and bool(node.args)
        and _is_text(node.args[0], set(), set())
    )


def _is_text(node: ast.expr | None, texts: set[str], makers: set[str]) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "Text" or node.func.id in makers
    if isinstance(node, ast.IfExp):
        return _is_text(node.body, texts, makers) and _is_text(node.orelse, texts, makers)
    return isinstance(node, ast.Name) and node.id in texts


@pytest.mark.parametrize("module", REACHABLE)
def test_every_error_a_person_can_meet_is_in_the_catalogue(module: str) -> None:
    # "a ru or kk user meets no English on any page or error": an error raised with a
    # bare English sentence would show the code's sentence and fold that English away
    bad = untranslated_raises((SOURCE / module).read_text("utf-8"))
    assert not bad, "\n".join(f"{module}:{line}: {message}" for line, message in bad)


def test_the_raise_scan_catches_what_it_should() -> None:
    source = (
        'X = Text("a.b", "english")\n'
        "def f():\n"
        '    raise ProtocolError("plain English")\n'
        '    raise ProtocolError(f"unit {u!r} is English")\n'
        '    raise InvalidInput(Text("a.c", "english"))\n'
        "    raise NotFound(X)\n"
        '    raise ApiError(404, "not_found", "English")\n'
        '    raise ProtocolError("internal")  # English only: the service writes it\n'
        "    raise ValueError('no person meets this')\n"
    )
    assert [line for line, _ in untranslated_raises(source)] == [3, 4, 7]


def test_the_source_is_scanned() -> None:
    # the scans below see what they are meant to see (else they would pass on nothing)
    keys = source_keys()
    assert {"signin.code_expired", "rate.try_again", "roll.unit_unknown"} <= keys
    assert {"audit.cli.summary", "audit.cli.error", "audit.input.bad_rows"} <= keys
    checks = audit_checks()
    assert len(checks) >= 15 and checks["enrol.closed_window"] == {"confirmed", "unconfirmed"}
    assert checks["cast.address_burst"] == {"dominated", "shared"}


def test_every_error_code_has_a_sentence() -> None:
    codes = {code for _, _, code in ERROR_CODES} | set(HTTP_CODES.values())
    codes |= {"internal_error", "invalid_request", "http_error", "too_large"}
    for code in sorted(codes):
        for lang in LANGUAGES:
            text, detail = describe(code, "an English detail", lang)
            assert text and text != f"error.{code}", (code, lang)
            assert text == STRINGS[f"error.{code}"][LANGUAGES.index(lang)], (code, lang)
            assert detail == "an English detail"


@pytest.mark.parametrize("key", sorted(source_keys() | set(DYNAMIC_KEYS)))
def test_every_error_text_is_in_the_catalogue(key: str) -> None:
    entry = STRINGS.get(f"msg.{key}", STRINGS.get(key))
    assert entry is not None, f"Text({key!r}) has no catalogue entry msg.{key}"
    names = fields(entry[2])
    values = {name: 7 for name in names}
    rendered = {lang: say(Text(key, "english", **values), lang) for lang in LANGUAGES}
    for lang, text in rendered.items():
        assert "{" not in text and "}" not in text, (key, lang, text)
    assert len(set(rendered.values())) == 3 or not words(entry[2]), rendered


def test_every_finding_has_a_title_and_a_rule() -> None:
    for check, variants in audit_checks().items():
        for variant in variants or {""}:
            params = {"variant": variant} if variant else {}
            title_key = f"audit.{check}.title" + (f".{variant}" if variant else "")
            assert title_key in STRINGS and f"audit.{check}.rule" in STRINGS, check
            names = fields(STRINGS[title_key][2]) | fields(STRINGS[f"audit.{check}.rule"][2])
            params |= {name: 3 for name in names}
            finding = {
                "check": check,
                "title": "ENGLISH TITLE",
                "rule": "ENGLISH RULE",
                "unit": "voters",
                "params": {**params, "skipped": 2, "skipped_column": "birth_date"},
            }
            said = [finding_texts(finding, lang) for lang in LANGUAGES]
            for lang, texts in zip(LANGUAGES, said, strict=True):
                for part in texts.values():
                    assert "ENGLISH" not in part and "{" not in part, (check, lang, part)
            assert said[0]["title"] != said[1]["title"] != said[2]["title"], check


def test_no_text_is_left_untranslated() -> None:
    bad = []
    for key, (ru, kk, en) in sorted(STRINGS.items()):
        if not words(en) or not (words(ru) or words(kk)):
            continue  # names, codes and signs only
        if words(ru) == words(en) or words(kk) == words(en) or words(kk) == words(ru):
            bad.append((key, ru, kk, en))
        if fields(ru) != fields(en) or fields(kk) != fields(en):
            bad.append((key, "fields differ", fields(ru), fields(kk), fields(en)))
    assert not bad, "\n".join(map(str, bad))


def test_one_name_per_concept() -> None:
    bad = []
    for key, (ru, kk, en) in sorted(STRINGS.items()):
        for concept, (name, ru_stem, kk_stem, rivals) in GLOSSARY.items():
            if re.search(rf"\b{name}", re.sub(r"honestballot [a-z-]+ [a-z-]+", "", en), re.I):
                if ru_stem not in ru.lower():
                    bad.append((key, concept, "ru", ru))
                if kk_stem not in kk.lower():
                    bad.append((key, concept, "kk", kk))
            for rival in rivals:
                if rival in ru.lower() or rival in kk.lower():
                    bad.append((key, concept, "rival name", rival))
    assert not bad, "\n".join(map(str, bad))


def test_the_catalogue_test_catches_what_it_should() -> None:
    # the rules above fail on what they are meant to catch
    assert words("Голосование «{election}» нет.") != words("There is no election {election}.")
    assert words("{line}: national_id") == "" and words("HB1-ABCD honestballot") == ""
    assert words("Tracking code") != ""


@pytest.mark.parametrize(
    ("seconds", "ru", "kk", "en"),
    [
        (1, "через 1 секунду", "1 секундтан кейін", "in 1 second"),
        (42, "через 42 секунды", "42 секундтан кейін", "in 42 seconds"),
        (891, "через 15 минут", "15 минуттан кейін", "in 15 minutes"),
        (61 * 60, "через 61 минуту", "61 минуттан кейін", "in 61 minutes"),
        (5 * 3600, "через 5 часов", "5 сағаттан кейін", "in 5 hours"),
    ],
)
def test_a_wait_is_said_in_each_language(seconds: int, ru: str, kk: str, en: str) -> None:
    assert [in_time(seconds, lang) for lang in LANGUAGES] == [ru, kk, en]


def test_every_reason_a_roll_or_log_row_is_bad_for_is_in_the_catalogue() -> None:
    # the audit writes why a row is malformed as "column: reason" (schema.py's SQL and
    # csv_lines.py); the command line says each reason from its audit.bad.* entry
    written = set()
    for name in ("schema.py", "csv_lines.py"):
        source = (SOURCE / "audit" / name).read_text("utf-8")
        written |= set(re.findall(r"['\"](?:[a-z_]+|\{name\}): ([^'\"{}]+)['\"]", source))
    assert {"empty", "no @", "empty line", "unknown event type"} <= written
    catalogued = {en for key, (_, _, en) in STRINGS.items() if key.startswith("audit.bad.")}
    assert written <= catalogued, written - catalogued


TEMPLATES = Path(honestballot.__file__).parent / "web" / "templates"
#: a text a template names by a literal key: ``t("key")``
TEMPLATE_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")


def template_keys(text: str) -> set[str]:
    return set(TEMPLATE_KEY.findall(text))


def test_every_text_a_template_names_is_in_the_catalogue() -> None:
    """A key missing from the catalogue is printed as the key itself, in every language."""
    used = {
        (path.name, key)
        for path in sorted(TEMPLATES.glob("*.html"))
        for key in template_keys(path.read_text(encoding="utf-8"))
    }
    assert len(used) > 100  # the scan reads the templates
    assert sorted((name, key) for name, key in used if key not in STRINGS) == []


def test_the_template_scan_catches_what_it_should() -> None:
    page = '<label>{{ t("station.signed_file") }}</label>{{ t("phase." ~ e.phase) }}'
    assert template_keys(page) == {"station.signed_file"}
