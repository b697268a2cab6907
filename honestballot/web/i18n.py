"""The pages' words in Russian, Kazakh and English.

A page asks ``t("key")``; a key missing in one language falls back to English, and a
test checks that every key exists in all three.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

LANGUAGES = ("ru", "kk", "en")
DEFAULT_LANGUAGE = "ru"

#: key -> (ru, kk, en)
STRINGS: dict[str, tuple[str, str, str]] = {
    "site": ("honestballot", "honestballot", "honestballot"),
    "language": ("Язык", "Тіл", "Language"),
    "elections": ("Голосования", "Дауыс берулер", "Elections"),
    "home": ("Главная", "Басты бет", "Home"),
    "phase": ("Этап", "Кезең", "Phase"),
    "phase.empty": ("ещё не создано", "әлі құрылмаған", "not created yet"),
    "phase.setup": ("подготовка", "дайындық", "in preparation"),
    "phase.open": ("идёт голосование", "дауыс беру жүріп жатыр", "voting is open"),
    "phase.closed": ("голосование закрыто", "дауыс беру жабылды", "voting has closed"),
    "phase.tallied": ("подсчёт", "санау", "counting"),
    "phase.done": ("итоги опубликованы", "қорытынды жарияланды", "results published"),
    "vote": ("Голосовать", "Дауыс беру", "Vote"),
    "board": ("Доска бюллетеней", "Бюллетеньдер тақтасы", "Ballot board"),
    "turnout": ("Явка", "Келу", "Turnout"),
    "results": ("Итоги", "Қорытынды", "Results"),
    "record": (
        "Протокол выборов (скачать)",
        "Сайлау хаттамасы (жүктеу)",
        "Election record (download)",
    ),
    "tree_heads": ("Вершины журнала", "Журнал төбелері", "Log tree heads"),
    "report": ("Сообщить о давлении", "Қысым туралы хабарлау", "Report pressure"),
    "reports": ("Сообщения о давлении", "Қысым туралы хабарламалар", "Reports of pressure"),
    "error": ("Ошибка", "Қате", "Error"),
    # what an error page says of its code, in the reader's language (the server's own
    # message, in English, follows it)
    "error.storage_unavailable": (
        "Сервис временно недоступен. Ничего не сохранено — повторите через несколько секунд.",
        "Қызмет уақытша қолжетімсіз. Ештеңе сақталған жоқ — бірнеше секундтан кейін қайталаңыз.",
        "The service is briefly unavailable. Nothing was stored: try again in a few seconds.",
    ),
    "error.rate_limited": (
        "Слишком много запросов. Подождите немного и повторите.",
        "Сұраулар тым көп. Біраз күтіп, қайталаңыз.",
        "Too many requests. Wait a little and try again.",
    ),
    "error.not_found": (
        "Такой страницы нет.",
        "Мұндай бет жоқ.",
        "There is no such page.",
    ),
    "error.internal_error": (
        "Внутренняя ошибка сервиса. Ничего не сохранено.",
        "Қызметтің ішкі қатесі. Ештеңе сақталған жоқ.",
        "An internal error of the service. Nothing was stored.",
    ),
    "back": ("Назад", "Артқа", "Back"),
}


def _merge() -> None:
    """Each area of the site keeps its words in its own module."""
    from honestballot.web import (
        strings_audit,
        strings_errors,
        strings_observer,
        strings_organiser,
        strings_revoting,
        strings_rules,
        strings_stations,
        strings_voter,
    )

    for module in (
        strings_voter,
        strings_observer,
        strings_organiser,
        strings_errors,
        strings_rules,
        strings_audit,
        strings_stations,
        strings_revoting,
    ):
        for key, value in module.STRINGS.items():
            if key in STRINGS and STRINGS[key] != value:
                raise ValueError(f"the page text {key!r} is defined twice")
            STRINGS[key] = value


_merge()


def language_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("hb_lang", "")
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def translator(language: str) -> Callable[[str], str]:
    index = LANGUAGES.index(language) if language in LANGUAGES else LANGUAGES.index("en")

    def t(key: str) -> str:
        entry = STRINGS.get(key)
        if entry is None:
            return key
        return entry[index] or entry[2]

    return t
