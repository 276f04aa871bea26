"""Errors the web app raises, worded in the page's language.

An error made by `web_error` keeps English in `str()` (the JSON API, logs)
and carries its key and values, so the error page and forms can word it in
Chinese or English. Errors from the services keep their own (English) line, and
`hinted` adds what to do on the web where the command line would name an option
(`scripts.cli_hints`), chosen by the error's code.
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

# By a service error's code: what to do in the web app (the command line names its option instead).
HINTS: dict[str, str] = {
    "rows_rejected": N_("to import the good rows, choose Skip under Invalid features"),
    "no_crs": N_("upload a file that declares its CRS (e.g. EPSG:4490)"),
    "unknown_encoding": N_("save the file as UTF-8 and upload it again"),
    "wrong_encoding": N_("save the file as UTF-8 and upload it again"),
    "many_layers": N_("upload a file with one layer"),
    "no_code_field": N_("add a code field to the file"),
    "no_geometry_column": N_("a CSV needs a WKT column, or lon and lat columns"),
    "repairable_row": N_("fix the file, or choose Repair or Skip under Invalid features"),
    "invalid_row": N_("fix the file, or choose Skip under Invalid features"),
}


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
    """The error's line in `lang`: its own words when `web_error` made it, else its message and hint."""
    params = getattr(err, "params", None)
    if err.code in MESSAGES and isinstance(params, dict):
        return _word(err.code, lang, params)
    return hinted(str(err), err, lang)


def hinted(message: str, err: LandpatrolError, lang: str) -> str:
    """`message` with the web's hint for the error's code, if it has one."""
    hint = HINTS.get(err.code or "")
    if hint is None:
        return message
    words = translations(lang)
    return message + words.pgettext("hint separator", "; ") + words.gettext(hint)


def status_line(key: str, lang: str) -> str:
    """A fixed line (`not_found`, `busy`, `internal`) in `lang`."""
    return _word(key, lang, {})
