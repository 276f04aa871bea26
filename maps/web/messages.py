"""Errors the web app raises, worded in the page's language.

An error made by `web_error` keeps English in `str()` (the JSON API, logs)
and carries its key and values, so the error page and forms can word it in
Chinese or English. Errors from the services keep their own (English) line.
"""

from __future__ import annotations

from typing import Any

from geo.errors import LandpatrolError
from geo.i18n import N_, NC_, translations

# The lines' English is their message id; their Chinese is in the catalogue (`geo.i18n`).
MESSAGES: dict[str, str] = {
    "sign_in": N_("sign in first"),
    "role_forbidden": N_("the {role} role may not do this"),
    "not_your_street": N_("this street is not one of yours"),
    "csrf": N_("missing or invalid CSRF token; reload the page and try again"),
    "no_parcel": N_("no parcel {code!r}"),
    "no_parcel_near": N_("no parcel {code!r}; did you mean {near}?"),
    "no_street": N_("no street {street!r}; your streets: {near}"),
    "not_found": N_("no such page"),
    "busy": N_("the database is busy or unavailable; try again"),
    "internal": N_("internal error"),
}
ROLE_NAMES = {"inspector": NC_("user role", "inspector"), "manager": NC_("user role", "manager"),
              "analyst": NC_("user role", "analyst"), "admin": NC_("user role", "admin")}


def _word(key: str, lang: str, params: dict[str, Any]) -> str:
    words = translations(lang)
    joined = {k: words.pgettext("list separator", ", ").join(v) if isinstance(v, list) else v
              for k, v in params.items()}
    if joined.get("role") in ROLE_NAMES:
        joined["role"] = words.pgettext(*ROLE_NAMES[joined["role"]])
    return words.gettext(MESSAGES[key]).format(**joined)


def web_error(kind: type[LandpatrolError], key: str, *, field: str | None = None,
              **params: Any) -> LandpatrolError:
    """An error of `kind` whose pages show it in the user's language (English in `str()`)."""
    err = kind(_word(key, "en", params), field=field, code=key)
    err.params = params  # type: ignore[attr-defined]  # read back by `localized`
    return err


def localized(err: LandpatrolError, lang: str) -> str:
    """The error's line in `lang`: its own words when `web_error` made it, else its message."""
    params = getattr(err, "params", None)
    if err.code in MESSAGES and isinstance(params, dict):
        return _word(err.code, lang, params)
    return str(err)


def status_line(key: str, lang: str) -> str:
    """A fixed line (`not_found`, `busy`, `internal`) in `lang`."""
    return _word(key, lang, {})
