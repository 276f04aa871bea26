"""The status table behind `landpatrol export`: its columns, its rows, its chunks."""

from __future__ import annotations

from datetime import date

import pytest

from cases.status import export_rows
from cases.status.export_rows import StatusQuery, status_chunks, status_spec
from cases.status.rules import STATUS_COLORS, STATUSES
from geo.errors import InputError, NotFoundError
from geo.store import Store
from layers.kinds import KINDS
from tests.layers.export_seed import AS_OF, Seeded


def test_palette_is_okabe_ito_for_every_status() -> None:
    assert set(STATUS_COLORS) == set(STATUSES)
    assert STATUS_COLORS["violation"] == "#D55E00" and STATUS_COLORS["uninspected"] == "#BBBBBB"


def test_spec_layers_carry_their_kind_properties() -> None:
    spec = status_spec(list(KINDS), lang="zh", metadata={})
    assert [layer.name for layer in spec.layers] == list(KINDS)
    farmland = spec.layers[0]
    assert farmland.title == "永久基本农田"
    assert farmland.fields[:3] == ("code", "kind", "name")
    assert farmland.fields[-2:] == ("red_line_id", "crop")
    assert "custodian" not in farmland.fields
    assert spec.field("status_label").label == "状态"
    assert spec.field("supervision_year").type == "int"
    english = status_spec(["forest_patch"], lang="en", metadata={})
    assert english.field("area_mu").label == "Area (mu)"
    assert [c.color for c in english.style.categories] == [STATUS_COLORS[s] for s in STATUSES]


def _rows(store: Store, query: StatusQuery, lang: str = "en") -> list:
    with store.session() as session:
        resolved = export_rows._resolve(session, query)
        return list(status_chunks(session, resolved, lang=lang))


def test_chunks_are_one_kind_each_in_registry_order(store: Store, seeded: Seeded,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_rows, "CHUNK", 1)
    frames = _rows(store, StatusQuery(as_of=AS_OF), lang="zh")
    kinds = [frame["kind"].unique().tolist() for frame in frames]
    assert kinds == [["basic_farmland"], ["basic_farmland"], ["forest_patch"], ["storage_plot"]]
    rows = {f["code"].iat[0]: f.iloc[0] for f in frames}
    assert {code: row["status"] for code, row in rows.items()} == seeded.status
    farm = rows["BF-001"]
    assert farm["status_label"] == "整改中" and farm["crop"] == "水稻"
    assert farm["area_mu"] == pytest.approx(seeded.areas["BF-001"] * 15 / 10_000)
    assert farm["days_since"] == 35  # 2022-09-20 03:00 UTC to the end of 2022-10-25, Beijing
    assert farm["demolished_total"] == 2 and farm["sheds_count"] == 1
    assert farm["last_note"] == "已拆除两间窝棚" and farm["issue_states"] == "2-1:in_progress"
    assert rows["FP-001"]["supervision_year"] == 2021
    assert "properties" not in frames[0].columns


def test_filters(store: Store, seeded: Seeded) -> None:
    frames = _rows(store, StatusQuery(streets=("龙洞街道",), statuses=("compliant",), as_of=AS_OF))
    codes = [code for frame in frames for code in frame["code"]]
    assert codes == ["BF-002"]
    frames = _rows(store, StatusQuery(kinds=("storage_plot", "forest_patch"), as_of=AS_OF))
    assert [frame["code"].tolist() for frame in frames] == [["FP-001"], ["SP-001"]]  # registry order


def test_as_of_today_is_allowed_and_tomorrow_is_not(store: Store, seeded: Seeded) -> None:
    today = export_rows.utc_now().astimezone(export_rows.LOCAL_TZ).date()
    assert _rows(store, StatusQuery(as_of=today))
    with pytest.raises(InputError, match="in the future"):
        _rows(store, StatusQuery(as_of=date(today.year + 1, 1, 1)))
    with pytest.raises(NotFoundError):
        _rows(store, StatusQuery(streets=("不存在",)))
