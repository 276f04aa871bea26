"""User management for admins: list, add, disable (pages and API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from cases.models import User
from geo.errors import InputError
from layers.streets import list_streets
from maps.web.deps import CsrfDep, SessionDep, SettingsDep, StoreDep
from maps.web.pages import render
from maps.web.policy import user_admin
from maps.web.schemas import UserIn, UserOut, parse_form
from maps.web.users import ROLES, add_user, disable_user, list_users
from maps.web.writes import run_write

router = APIRouter(tags=["users"])
Admin = Annotated[User, Depends(user_admin)]


def _add(store: StoreDep, settings: SettingsDep, body: UserIn, admin: User) -> dict[str, Any]:
    def work(session: Any) -> dict[str, Any]:
        user = add_user(session, name=body.name, role=body.role, password=body.password,
                        streets=body.streets, actor=admin.name)
        return {"name": user.name, "role": user.role, "streets": user.streets, "disabled": user.disabled}

    return run_write(store, work, retries=settings.write_retries)


def _disable(store: StoreDep, settings: SettingsDep, name: str, admin: User) -> dict[str, Any]:
    if name == admin.name:
        raise InputError("name: you cannot disable yourself")

    def work(session: Any) -> dict[str, Any]:
        user = disable_user(session, name, actor=admin.name)
        return {"name": user.name, "role": user.role, "streets": user.streets, "disabled": user.disabled}

    return run_write(store, work, retries=settings.write_retries)


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, session: SessionDep, _admin: Admin) -> Response:
    """Every user, and a form to add one."""
    return render(request, "users.html", {"users": list_users(session), "roles": ROLES,
                                          "streets": list_streets(session)})


@router.post("/admin/users", include_in_schema=False, dependencies=[CsrfDep])
def users_form(
    store: StoreDep, settings: SettingsDep, admin: Admin,
    name: Annotated[str, Form(max_length=100)] = "", role: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=1000)] = "", streets: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """The page's add-user form."""
    body = parse_form(UserIn, {"name": name, "role": role, "password": password, "streets": streets})
    _add(store, settings, body, admin)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/disable", include_in_schema=False, dependencies=[CsrfDep])
def users_disable_form(name: str, store: StoreDep, settings: SettingsDep, admin: Admin) -> Response:
    """The page's disable button."""
    _disable(store, settings, name, admin)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/api/users", response_model=list[UserOut])
def api_users(session: SessionDep, _admin: Admin) -> list[dict[str, Any]]:
    """Every user, without secrets."""
    return list_users(session)


@router.post("/api/users", response_model=UserOut, status_code=201, dependencies=[CsrfDep])
def api_add_user(body: UserIn, store: StoreDep, settings: SettingsDep, admin: Admin) -> dict[str, Any]:
    """Add a user (inspectors need streets)."""
    return _add(store, settings, body, admin)


@router.post("/api/users/{name}/disable", response_model=UserOut, dependencies=[CsrfDep])
def api_disable_user(name: str, store: StoreDep, settings: SettingsDep, admin: Admin) -> dict[str, Any]:
    """Disable a user; their sessions end on their next request."""
    return _disable(store, settings, name, admin)
