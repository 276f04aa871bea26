"""The message catalogue: every message has its Chinese, and the catalogue is in step with the code.

The sync check runs Babel's own extraction (`pybabel extract`, configured in
pyproject.toml) over the source tree, so a message added to the code or a
template without a catalogue entry fails here, and so does an entry no code uses.
"""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from geo.i18n import catalogue_path, translations

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _catalogue() -> Catalog:
    with catalogue_path("zh").open("rb") as po:
        return read_po(po, locale="zh")


CATALOGUE = _catalogue()


def untranslated(catalog: Catalog) -> list[str]:
    """Messages with no usable Chinese: empty, fuzzy (left out when compiled), or still English."""
    return [f"{m.context or ''}|{m.id}" for m in catalog if m.id
            and (not m.string or m.fuzzy or not CJK.search(str(m.string)))]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `pybabel extract` finds in the source tree today (written outside the repo)."""
    out = tmp_path_factory.mktemp("babel") / "landpatrol.pot"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        CommandLineInterface().run(["pybabel", "-q", "extract", "-o", str(out)])
    with out.open("rb") as pot:
        return read_po(pot)


def test_every_message_has_its_chinese() -> None:
    assert untranslated(CATALOGUE) == []


def test_the_check_finds_a_message_without_chinese() -> None:
    catalog = Catalog(locale="zh")
    catalog.add("Sign in", "登录")
    catalog.add("Sign out", "")
    catalog.add("Back", "返回", flags=["fuzzy"])
    catalog.add("Map", "Map")
    assert untranslated(catalog) == ["|Sign out", "|Back", "|Map"]


def test_every_message_used_in_code_and_templates_is_in_the_catalogue(extracted: Catalog) -> None:
    used = {(m.context, m.id) for m in extracted if m.id}
    known = {(m.context, m.id) for m in CATALOGUE if m.id}
    assert len(used) > 100  # the extraction saw the templates and the Python code
    assert sorted(used - known, key=str) == [], "run `pybabel extract` then `pybabel update`"
    assert sorted(known - used, key=str) == [], "stale entries: run `pybabel update`"


def test_the_catalogue_has_no_obsolete_entries() -> None:
    assert list(CATALOGUE.obsolete) == []


def test_a_translation_keeps_its_placeholders_and_english_ids_have_no_chinese() -> None:
    for message in CATALOGUE:
        if message.id:
            assert not CJK.search(message.id), message.id
            assert _fields(str(message.string)) == _fields(message.id), message.id
            assert "%" not in message.id + str(message.string), f"{message.id}: templates read % as a format"


def test_chinese_comes_from_the_catalogue_and_english_is_the_message_id() -> None:
    assert translations("zh").gettext("Sign in") == "登录"
    assert translations("zh").pgettext("street", "Code") == "代码"
    assert translations("zh").pgettext("count of places", "{n}").format(n=3) == "3 处"
    assert translations("en").gettext("Sign in") == "Sign in"


@given(st.text(max_size=8).filter(lambda lang: lang != "zh"))
def test_any_language_but_chinese_reads_the_english_ids(lang: str) -> None:
    english = translations(lang)
    for message in CATALOGUE:
        if message.id:
            translated = english.pgettext(message.context, message.id) if message.context \
                else english.gettext(message.id)
            assert translated == message.id


def test_the_catalogue_ships_with_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["geo"]
    shipped = {path for pattern in patterns for path in (ROOT / "geo").glob(pattern)}
    assert catalogue_path("zh") in shipped
