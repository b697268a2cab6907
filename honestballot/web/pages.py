"""Server-rendered pages: Jinja2 templates with autoescaping, one base layout.

Every page gets ``t`` (the translator), ``lang``, ``csrf`` (the token for its forms) and
sets the visitor and language cookies.  No inline script or style: page scripts are
static files, so the Content-Security-Policy can forbid inline code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from honestballot.web.deps import cookie, csrf_for, set_cookies
from honestballot.web.i18n import LANGUAGES, language_of, translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def render(
    request: Request,
    template: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = language_of(request)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": translator(lang),
            "lang": lang,
            "languages": LANGUAGES,
            "csrf": csrf_for(request),
            **context,
        },
        status_code=status,
        headers=headers,
    )
    set_cookies(request, response)
    if request.query_params.get("lang") in LANGUAGES:
        cookie(response, request, "hb_lang", lang, 60 * 60 * 24 * 365)
    return response


def render_error(
    request: Request, status: int, code: str, text: str, detail: str, headers: dict[str, str]
) -> HTMLResponse:
    """The error page: ``text`` in the reader's language; ``detail``, the English message
    of an error the catalogue has no text for, folded away for a specialist."""
    return render(request, "error.html", status, headers, code=code, text=text, detail=detail)
