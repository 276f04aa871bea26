"""Rendering pages: one Jinja2 environment (autoescaped), the language, the CSRF token.

Every template gets `lang`, `_` (its words through the catalogue, `maps.web.i18n`),
`t` (the registries' names in its language), `user` and `csrf`; user text is
escaped by Jinja2 itself, never marked safe. Times are shown in Beijing time
through the `local_time` filter (`geo.local_time`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from cases.status.rules import STATUS_COLORS
from geo.local_time import local_text
from maps.web.deps import session_data
from maps.web.i18n import LANG_COOKIE, LANGUAGE_NAMES, install_gettext, names, pick_lang
from maps.web.security import csrf_token

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.globals["status_colors"] = STATUS_COLORS
TEMPLATES.env.globals["language_names"] = LANGUAGE_NAMES
TEMPLATES.env.filters["local_time"] = local_text
install_gettext(TEMPLATES.env)


def page_lang(request: Request) -> str:
    """The language of this request's pages."""
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                     request.app.state.settings.default_lang)


def csrf_for(request: Request) -> str:
    """This visitor's CSRF token (empty when they have no session cookie yet)."""
    data = getattr(request.state, "new_session", None) or session_data(request)
    return csrf_token(data.sid, request.app.state.settings.secret_key) if data else ""


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           *, status_code: int = 200) -> HTMLResponse:
    """A page from a template, in the request's language."""
    lang = page_lang(request)
    full = {"lang": lang, "t": names(lang), "user": getattr(request.state, "user", None),
            "csrf": csrf_for(request), "path": request.url.path, **(context or {})}
    return TEMPLATES.TemplateResponse(request, template, full, status_code=status_code)
