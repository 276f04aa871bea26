"""The language of the web pages, and the names from the registries that the pages show.

The pages' own words are English message ids in the templates, translated through the one
catalogue (`geo.i18n`) by Jinja2's i18n extension. Status, kind, finding, issue-state and
category names come from their registries, so a page never calls a thing differently from
the map, the report or the CLI.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from cases.issue_state import STATE_LABELS
from cases.issues import CATEGORIES, category_label
from cases.rules import FINDINGS_BY_NAME
from cases.status.rules import STATUS_LABELS
from geo.i18n import LANGS, translations
from layers.kinds import KINDS

LANG_COOKIE = "lp_lang"
# Each language's name in itself: the switch offers the other one by the name its readers know.
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

__all__ = ["LANGS", "LANGUAGE_NAMES", "LANG_COOKIE", "install_gettext", "names", "pick_lang"]


def pick_lang(requested: str | None, cookie: str | None, default: str) -> str:
    """The page language: `?lang=`, else the cookie, else the default."""
    for lang in (requested, cookie, default):
        if lang in LANGS:
            return lang
    return "zh"


def names(lang: str) -> dict[str, Any]:
    """The registries' names in `lang`, for the templates (`t.statuses[...]` and the like)."""
    i = 0 if lang == "zh" else 1
    return {
        "statuses": {s: pair[i] for s, pair in STATUS_LABELS.items()},
        "states": {s: pair[i] for s, pair in STATE_LABELS.items()},
        "kinds": {code: kind.label(lang) for code, kind in KINDS.items()},
        "findings": {name: f.label(lang) for name, f in FINDINGS_BY_NAME.items()},
        "categories": {c: category_label(c, lang) for c in CATEGORIES},
    }


# The callables escape what they return: a translation is text, never markup (Jinja2 marks
# whatever they return as safe, and fills in the `%(name)s` values escaped).
@pass_context
def _gettext(context: Context, message: str) -> Markup:
    return escape(translations(context["lang"]).gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> Markup:
    return escape(translations(context["lang"]).ngettext(singular, plural, n))


@pass_context
def _pgettext(context: Context, msgctxt: str, message: str) -> Markup:
    return escape(translations(context["lang"]).pgettext(msgctxt, message))


def install_gettext(env: Environment) -> None:
    """Give the templates `_`, `ngettext` and `pgettext` in the language of the page being rendered.

    Why callables and not `install_gettext_translations`: one environment serves both
    languages, so each call reads the page's `lang` from the template context.
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext)  # type: ignore[attr-defined]
