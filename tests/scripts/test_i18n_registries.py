"""Every registry name has its Chinese in the message catalogue, the one place the Chinese lives."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cases.status.rules import STATUS_BY_CODE
from layers.kinds import KINDS
from scripts.i18n_registries import registry_names
from tests.geo.test_i18n import CATALOGUE, ROOT


def _without_chinese() -> list[tuple[str, str]]:
    """Registry names with no catalogue entry, or an empty or fuzzy one (their label would be English)."""
    def chinese(context: str, english: str) -> str:
        message = CATALOGUE.get(english, context=context)
        return "" if message is None or message.fuzzy else str(message.string)
    return [(context, english) for context, english in registry_names() if not chinese(context, english)]


def test_every_registry_name_has_its_chinese_in_the_catalogue() -> None:
    names = registry_names()
    assert {context for context, _ in names} == {
        "parcel kind", "kind property", "finding", "parcel status", "issue state", "issue category", "field"}
    assert ("parcel status", "Violation") in names
    assert _without_chinese() == []


def test_registries_read_their_chinese_from_the_catalogue() -> None:
    assert KINDS["storage_plot"].name_zh == "储备土地" and KINDS["storage_plot"].label("en") == "Storage plot"
    assert STATUS_BY_CODE["violation"].label_zh == "违法违规"
    registries = ("layers/kinds.py", "cases/rules.py", "cases/status/rules.py", "cases/issue_state.py",
                  "cases/issues.py", "cases/field_labels.py")
    copies = [(path, word) for path in registries for word in ("储备土地", "违法违规", "正在推进", "地块编号")
              if word in (ROOT / path).read_text(encoding="utf-8")]
    assert copies == []  # the Chinese lives once, in the catalogue


def test_a_renamed_registry_entry_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    renamed = replace(KINDS["storage_plot"], name_en="Reserve land")
    monkeypatch.setitem(KINDS, "storage_plot", renamed)
    assert _without_chinese() == [("parcel kind", "Reserve land")]
