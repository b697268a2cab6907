"""The message catalogue says everything in Russian, Kazakh and English, one name per
concept: every error code, every error text the code raises (``Text("key", …)``), every
finding of the integrity audit, and every page text.

A text is "untranslated" when its kk or ru form is the en one, or its kk form the ru one;
names and codes (placeholders, ids such as ``national_id``, HB1-…, SMS, CSV) are taken
out before comparing, and a text that is nothing but names and codes is left alone.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import honestballot
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

#: keys a Text is built with at run time (an f-string key), each value it can take
DYNAMIC_KEYS = (
    [f"phase.{p}" for p in ("setup", "open", "closed", "tallied", "done")]
    + [f"organiser.choose_{w}" for w in ("manifest", "election_key", "roll", "signature")]
    + [f"roll.shared_{c}_{w}" for c in ("phone", "email") for w in ("line", "on_roll")]
    + [f"report.field.{f}" for f in ("what", "where", "when", "published", "reason")]
)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def words(text: str) -> str:
    """The text without placeholders, codes, numbers and names: what a translator writes."""
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\S*[_/@\\<>]\S*|\S*\d\S*|[A-Z]{2,}\S*|--?[a-z-]+", " ", text)
    out = [w for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text) if w.lower() not in NAMES]
    return " ".join(out)


def source_keys() -> set[str]:
    """Every literal key of a ``Text(...)`` in the package."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        found |= set(re.findall(r"\bText\(\s*\"([a-z0-9_.]+)\"", path.read_text("utf-8")))
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


def test_the_source_is_scanned() -> None:
    # the scans below see what they are meant to see (else they would pass on nothing)
    keys = source_keys()
    assert {"signin.code_expired", "rate.try_again", "roll.unit_unknown"} <= keys
    checks = audit_checks()
    assert len(checks) >= 15 and checks["enrol.closed_window"] == {"confirmed", "unconfirmed"}
    assert checks["cast.address_burst"] == {"dominated", "shared"}


def test_every_error_code_has_a_sentence() -> None:
    codes = {code for _, _, code in ERROR_CODES} | set(HTTP_CODES.values())
    codes |= {"internal_error", "invalid_request", "http_error", "duplicate_share", "too_large"}
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
