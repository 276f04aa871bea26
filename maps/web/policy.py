"""Who may do what, in one place: the role sets every route depends on.

Inspectors see and write only their own streets; managers read everything and
edit issues; analysts read and export; admins may do everything, manage users
and import files. Correcting an inspection is logging one: inspectors (their
streets only) and admins.
"""

from __future__ import annotations

from cases.models import User
from geo.errors import PermissionDeniedError
from maps.web.deps import allow
from maps.web.messages import web_error

READ_STREETS = ("inspector", "manager", "analyst", "admin")  # inspectors: their streets only
READ_ALL = ("manager", "analyst", "admin")
LOG_INSPECTIONS = ("inspector", "admin")
EDIT_ISSUES = ("manager", "admin")
RESOLVE_CONFLICTS = ("manager", "admin")  # accept a record made offline, or supersede it
EXPORT = ("analyst", "manager", "admin")
MANAGE_USERS = ("admin",)
IMPORT_FILES = ("admin",)

street_reader = allow(*READ_STREETS)
reader = allow(*READ_ALL)
inspection_writer = allow(*LOG_INSPECTIONS)
issue_editor = allow(*EDIT_ISSUES)
conflict_resolver = allow(*RESOLVE_CONFLICTS)
exporter = allow(*EXPORT)
user_admin = allow(*MANAGE_USERS)
importer = allow(*IMPORT_FILES)


def limited_to_streets(user: User) -> list[str] | None:
    """The streets a user is limited to, or None for every street."""
    return list(user.streets or []) if user.role == "inspector" else None


def check_street(user: User, street_code: str | None) -> None:
    """Refuse an inspector a parcel or street outside their own streets."""
    allowed = limited_to_streets(user)
    if allowed is not None and street_code not in allowed:
        raise web_error(PermissionDeniedError, "not_your_street")
