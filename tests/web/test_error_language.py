"""An API error is said in the request's language (``?lang``, the language cookie,
``Accept-Language``, else Russian) next to its English ``message``, which clients may
still match; an error page shows only the reader's language unless the catalogue has no
text for the error (then the English detail is folded away).  No election is needed: the
app alone (``web_app``), shared by the module."""

from __future__ import annotations

import html

from honestballot.web.i18n import STRINGS
from tests.factories import WebElection
from tests.web.test_voter_api import new_client


def test_an_api_error_follows_the_requests_language(web_app: WebElection) -> None:
    unknown = STRINGS["msg.election.unknown"]
    path = "/api/e/nope/context"
    for headers, params, cookies, lang in (
        ({"accept-language": "kk-KZ,kk;q=0.9"}, {}, {}, "kk"),
        ({"accept-language": "kk"}, {"lang": "en"}, {}, "en"),
        ({}, {}, {"hb_lang": "kk"}, "kk"),
        ({"accept-language": "de"}, {}, {}, "ru"),
    ):
        client = new_client(web_app, **headers)
        for name, value in cookies.items():
            client.cookies.set(name, value)
        error = client.get(path, params=params).json()["error"]
        index = ("ru", "kk", "en").index(lang)
        assert error == {
            "code": "not_found",
            "message": "there is no election 'nope'",
            "text": unknown[index].replace("{election}", "nope"),
            "lang": lang,
        }


def test_an_error_page_is_in_the_readers_language(web_app: WebElection) -> None:
    client = new_client(web_app, accept="text/html", **{"accept-language": "kk"})
    page = client.get("/no-such-page")
    assert page.status_code == 404
    text = html.unescape(page.text)
    assert STRINGS["error.not_found"][1] in text
    assert "Not Found" not in text.replace(STRINGS["error.detail"][1], "")
