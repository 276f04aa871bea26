"""The registries' names are in the message catalogue, with the registries' own Chinese."""

from __future__ import annotations

from dataclasses import replace

import pytest

from geo.i18n import translations
from layers.kinds import KINDS
from scripts.i18n_registries import registry_names


def _disagreements() -> list[tuple[str, str, str, str]]:
    zh = translations("zh")
    return [(context, english, chinese, zh.pgettext(context, english))
            for context, english, chinese in registry_names()
            if zh.pgettext(context, english) != chinese]


def test_every_registry_name_has_the_registry_chinese_in_the_catalogue() -> None:
    names = registry_names()
    assert {context for context, _, _ in names} == {
        "parcel kind", "kind property", "finding", "parcel status", "issue state", "issue category", "field"}
    assert ("parcel status", "Violation", "违法违规") in names
    assert _disagreements() == []


def test_a_renamed_registry_entry_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    renamed = replace(KINDS["storage_plot"], name_zh="收储土地")
    monkeypatch.setitem(KINDS, "storage_plot", renamed)
    assert _disagreements() == [("parcel kind", "Storage plot", "收储土地", "储备土地")]
