"""Sign-in, sign-out and the language switch.

Every visitor gets a signed session cookie (user 0 until signed in) so the
sign-in form carries a CSRF token too; signing in starts a new server-side
session (`maps.web.sessions`) with a new id, and signing out ends it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from geo.i18n import translator
from maps.web.deps import CsrfDep, CurrentUser, LoginCsrfDep, SettingsDep, StoreDep, session_data
from maps.web.i18n import LANG_COOKIE, LANGS
from maps.web.pages import page_lang, render
from maps.web.security import SESSION_COOKIE, SessionData, new_session, sign_session
from maps.web.settings import Settings
from maps.web.users import authenticate

router = APIRouter(tags=["sign-in"])


def set_session_cookie(request: Request, response: Response, data: SessionData, settings: Settings) -> None:
    """Put a signed session in an HttpOnly, SameSite=Lax cookie, Secure when served over HTTPS.

    Behind a proxy, uvicorn's proxy headers make the scheme the one the browser used.
    """
    secure = settings.cookie_secure or request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, sign_session(data, settings.secret_key), max_age=settings.session_max_age_s,
        httponly=True, samesite="lax", secure=secure, path="/",
    )


def safe_next(target: str | None) -> str:
    """A local path to go on to; anything else (other sites, `//host`, a backslash) goes home.

    Browsers drop tabs and newlines inside URLs (slash, tab, slash, host is `//host`),
    so no space or control character may appear either.
    """
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(c.isspace() or not c.isprintable() for c in target)):
        return "/"
    return target


def _login_page(request: Request, settings: Settings, *, error: str | None = None, name: str = "",
                status_code: int = 200, next_path: str = "/") -> Response:
    data = session_data(request)
    fresh = data is None
    if fresh:
        data = new_session(0)
        request.state.new_session = data
    response = render(request, "login.html", {"error": error, "name": name, "next": next_path},
                      status_code=status_code)
    if fresh:
        set_session_cookie(request, response, data, settings)
    return response


@router.get("/login", include_in_schema=False)
def login_form(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    """The sign-in page."""
    return _login_page(request, settings, next_path=safe_next(next))


@router.post("/login", include_in_schema=False, dependencies=[LoginCsrfDep])
def login(
    request: Request, settings: SettingsDep, store: StoreDep,
    name: Annotated[str, Form(max_length=100)] = "", password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Count the attempt, then check the password (limits per name and address); start a new session."""
    limiter = request.app.state.login_limiter
    address = request.client.host if request.client else "?"
    _ = translator(page_lang(request))
    wait = limiter.attempt(name, address)
    if wait:
        error = _("Too many attempts; try again in {s} s").format(s=int(wait) + 1)
        return _login_page(request, settings, error=error, name=name,
                           status_code=429, next_path=safe_next(next))
    with store.session() as session:
        user = authenticate(session, name, password)
    if user is None:
        return _login_page(request, settings, error=_("Wrong name or password"), name=name, status_code=401,
                           next_path=safe_next(next))
    limiter.succeeded(name, address)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, request.app.state.sessions.start(user.id), settings)
    return response


@router.post("/logout", include_in_schema=False, dependencies=[CsrfDep])
def logout(request: Request, _user: CurrentUser) -> Response:
    """End the session in the store (its cookie and CSRF token stop working at once)."""
    data = session_data(request)
    if data is not None:
        request.app.state.sessions.end(data)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}", include_in_schema=False)
def switch_lang(lang: str, next: str | None = None) -> Response:
    """Switch the page language (a cookie; the choice is not secret)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


