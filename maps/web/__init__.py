"""The web app: pages for inspectors, managers and analysts, and a JSON API.

Public API
----------
create_app(settings)
    A FastAPI app; nothing connects until the first request.
Settings, get_settings
    Configuration from `LANDPATROL_*` environment variables.
add_user, list_users, disable_user, ROLES
    User management, shared with `landpatrol users`.
"""

from typing import Any

from maps.web.settings import Settings, get_settings
from maps.web.users import ROLES, add_user, disable_user, list_users


def __getattr__(name: str) -> Any:
    """`create_app` on first use: the command line's `users` commands need no web framework."""
    if name == "create_app":
        from maps.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ROLES", "Settings", "add_user", "create_app", "disable_user", "get_settings", "list_users"]
