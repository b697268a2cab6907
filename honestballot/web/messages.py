"""Errors said in the reader's language.

An error whose message is a :class:`~honestballot.errors.Text` is said from its
catalogue entry ``msg.<key>`` (``web/strings_errors.py``) with its values filled in;
any other error is said by the sentence for its code (``error.<code>``), and its English
message is kept as a technical detail.  ``seconds`` values become ``{when}``: "через 15
минут", "15 минуттан кейін", "in 15 minutes".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from honestballot.errors import Text
from honestballot.web.i18n import STRINGS, translator


def _ru_plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def in_time(seconds: int, lang: str) -> str:
    """How long until a retry, as the sentence "try again …" ends: seconds under a
    minute, whole minutes (rounded up) under two hours, else whole hours."""
    seconds = max(1, int(seconds))
    if seconds < 60:
        n, unit = seconds, "s"
    elif seconds < 2 * 3600:
        n, unit = -(-seconds // 60), "m"
    else:
        n, unit = -(-seconds // 3600), "h"
    if lang == "ru":
        word = {
            "s": _ru_plural(n, "секунду", "секунды", "секунд"),
            "m": _ru_plural(n, "минуту", "минуты", "минут"),
            "h": _ru_plural(n, "час", "часа", "часов"),
        }[unit]
        return f"через {n} {word}"
    if lang == "kk":
        return f"{n} {dict(s='секундтан', m='минуттан', h='сағаттан')[unit]} кейін"
    word = dict(s="second", m="minute", h="hour")[unit] + ("" if n == 1 else "s")
    return f"in {n} {word}"


def known(text: object) -> bool:
    """Whether ``text`` is a Text the catalogue can say."""
    return isinstance(text, Text) and (f"msg.{text.key}" in STRINGS or text.key in STRINGS)


def say(text: str, lang: str) -> str:
    """``text`` in ``lang``: a catalogued Text from its entry, anything else unchanged."""
    if not isinstance(text, Text) or not known(text):
        return str(text)
    t = translator(lang)
    key = f"msg.{text.key}" if f"msg.{text.key}" in STRINGS else text.key
    values: dict[str, Any] = {name: _value(v, lang) for name, v in text.params.items()}
    if "seconds" in text.params:
        values["when"] = in_time(int(text.params["seconds"]), lang)
    return t(key).format_map(_Missing(values))


def _value(value: object, lang: str) -> object:
    return say(value, lang) if isinstance(value, Text) else value


class _Missing(dict[str, Any]):
    """A field the text names but the error did not give stays visible as ``{name}``
    (a test makes sure none does)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message_of(exc: BaseException) -> str:
    """The exception's message, a Text if it was raised with one."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, str) else str(exc)


def describe(code: str, message: str, lang: str) -> tuple[str, str]:
    """What to tell a person of an error: the text in ``lang``, and the English detail
    to keep for a specialist (empty when the text already says everything)."""
    if isinstance(message, Text) and known(message):
        return say(message, lang), str(message.params.get("detail", ""))

    t = translator(lang)
    sentence = t(f"error.{code}")
    if sentence == f"error.{code}":
        sentence = t("error.http_error")
    return sentence, str(message)


def say_all(texts: Sequence[str], lang: str) -> list[str]:
    """Several texts (the roll's problems) in ``lang``."""
    return [say(x, lang) for x in texts]


def finding_texts(finding: Mapping[str, Any], lang: str) -> dict[str, str]:
    """An audit finding's title, rule and unit in ``lang`` (from its check, its
    ``params`` and its unit); the English of a check the catalogue lacks stays."""
    t = translator(lang)
    params = dict(finding.get("params") or {})
    check = str(finding["check"])
    variant = params.get("variant")
    title_key = f"audit.{check}.title" + (f".{variant}" if variant else "")
    rule_key = f"audit.{check}.rule"
    values = _Missing({k: v for k, v in params.items()})
    title = t(title_key).format_map(values) if title_key in STRINGS else str(finding["title"])
    rule = t(rule_key).format_map(values) if rule_key in STRINGS else str(finding["rule"])
    if params.get("skipped"):
        rule += " " + t(f"audit.skipped.{params['skipped_column']}").format_map(values)
    count = finding.get("count")
    unit = unit_for(str(finding["unit"]), count if isinstance(count, int) else None, lang)
    return {"title": title, "rule": rule, "unit": unit}


def unit_for(unit: str, count: int | None, lang: str) -> str:
    """What an audit finding's count counts (``audit.unit.<unit>``) in ``lang``, after the
    number ``count``: Russian chooses between its three forms (``.one``: 21 запись,
    ``.few``: 3 записи, the plain key: 5 записей, also without a count); Kazakh and
    English say the plain key after every number.  A unit the catalogue lacks stays."""
    key = f"audit.unit.{unit}"
    if key not in STRINGS:
        return unit
    t = translator(lang)
    if lang == "ru" and count is not None:
        return _ru_plural(count, t(f"{key}.one"), t(f"{key}.few"), t(key))
    return t(key)
