"""The one message catalogue: every word people read, English in the code, Chinese in the catalogue.

Why gettext through Babel: it is the ecosystem's convention, so `pybabel extract` and
`update` keep the catalogue in step with the code, and Jinja2's i18n extension translates
the templates from the same catalogue. Message ids are the English text, so English needs
no catalogue; a message that must say something else in the same English carries a context
(`pgettext`). The Chinese catalogue is compiled from its .po when first used: no build step,
and no compiled .mo to drift from the .po that people edit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import TypeVar

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGS = ("zh", "en")
DOMAIN = "landpatrol"
LOCALE_DIR = Path(__file__).with_name("locale")


def catalogue_path(lang: str) -> Path:
    """The .po file of a language (only Chinese has one: English is the message ids)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


K = TypeVar("K")
_ENGLISH = NullTranslations()  # the message ids are the English text


@cache
def _chinese() -> Translations:
    with catalogue_path("zh").open("rb") as po:
        catalog = read_po(po, locale="zh", domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translations(lang: str) -> NullTranslations:
    """The translations of `lang`, the catalogue read once per process (anything but `zh` is English)."""
    return _chinese() if lang == "zh" else _ENGLISH


def translator(lang: str) -> Callable[[str], str]:
    """`_` of `lang`: `_ = translator(lang)`, then `_("Sign in")` (Babel extracts the `_` calls)."""
    return translations(lang).gettext


def registry_label(context: str, english: str, lang: str) -> str:
    """A registry entry's name in `lang`: its English, or the catalogue's Chinese under its context.

    Registries (kinds, findings, statuses...) keep only their English names, so the Chinese
    exists once, in the catalogue; `scripts/i18n_registries.py` puts their names there.
    """
    return translations(lang).pgettext(context, english)


def label_pairs(context: str, names: Mapping[K, str]) -> dict[K, tuple[str, str]]:
    """(Chinese, English) of each English name of a registry, the view most of its callers want."""
    return {key: (registry_label(context, english, "zh"), english) for key, english in names.items()}


def N_(message: str) -> str:
    """Mark a message where it is declared (Babel extracts it); it is translated where it is shown."""
    return message


def NC_(context: str, message: str) -> tuple[str, str]:
    """`N_` with a context, for an English word that has two Chinese ones: `pgettext(*NC_(...))`."""
    return context, message
