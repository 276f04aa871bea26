"""Typed dependencies: the store, a session, the signed-in user, roles and CSRF.

Routes declare what they need (`SessionDep`, `CurrentUser`, `Depends(allow(...))`);
the rules of who may do what live in `maps.web.policy`, not in the routes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from cases.models import User
from geo.errors import InputError, LandpatrolError, PermissionDeniedError
from geo.store import Store
from maps.web.messages import web_error
from maps.web.security import SESSION_COOKIE, SessionData, csrf_valid, read_session
from maps.web.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class SignInRequired(LandpatrolError):
    """No valid session: sign in first."""

    exit_code = 6
    http_status = 401


class CsrfError(PermissionDeniedError):
    """A state-changing request without this sign-in's CSRF token."""


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


def get_store(request: Request) -> Store:
    """The app's store (opened by the factory, connected on first use)."""
    return request.app.state.store


def get_session(store: Annotated[Store, Depends(get_store)]) -> Iterator[Session]:
    """A read session in one transaction, closed when the request ends."""
    with store.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[Store, Depends(get_store)]
SessionDep = Annotated[Session, Depends(get_session)]


def session_data(request: Request) -> SessionData | None:
    """The visitor's signed session (user id 0 for a visitor not signed in), if any."""
    settings: Settings = request.app.state.settings
    return read_session(request.cookies.get(SESSION_COOKIE), settings.secret_key, settings.session_max_age_s)


def refuse_control_characters(request: Request) -> None:
    """Refuse control characters (NUL, newlines, ...) in path and query parameters, naming the parameter.

    No code, name or filter has one, and PostgreSQL cannot even compare text holding a NUL.
    """
    pairs = [*request.path_params.items(), *request.query_params.multi_items()]
    for name, value in pairs:
        if isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value):
            raise InputError(f"{name}: control characters are not allowed", field=name)


def get_current_user(request: Request) -> User:
    """The user of a live server-side session; 401 otherwise (signed out, disabled, timed out)."""
    data = session_data(request)
    user = request.app.state.sessions.user(data) if data is not None and data.user_id > 0 else None
    if user is None:
        raise web_error(SignInRequired, "sign_in")
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def allow(*roles: str) -> Callable[[User], User]:
    """A dependency letting only these roles through (403 for the others)."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise web_error(PermissionDeniedError, "role_forbidden", role=user.role)
        return user

    check.__name__ = f"allow_{'_'.join(roles)}"
    return check


async def _check_csrf(request: Request) -> None:
    data = session_data(request)
    token = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if token is None and content_type.startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    settings: Settings = request.app.state.settings
    if data is None or not csrf_valid(token, data.sid, settings.secret_key):
        raise web_error(CsrfError, "csrf")


async def require_csrf(request: Request, _user: CurrentUser) -> None:
    """Refuse a state-changing request without this sign-in's CSRF token (after 401 checks).

    Forms send it as a hidden field, API clients in the `X-CSRF-Token` header.
    """
    await _check_csrf(request)


async def require_login_csrf(request: Request) -> None:
    """The sign-in form's CSRF check: the token of the visitor's not-yet-signed-in session."""
    await _check_csrf(request)


CsrfDep = Depends(require_csrf)
LoginCsrfDep = Depends(require_login_csrf)
