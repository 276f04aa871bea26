"""Today's page (one statement, no pandas: `maps.ogc.today`) gives the features the export's rows give.

The export-row page (`parcel_rows` + `geojson_features`) is the reference: the
same parcels, on both backends, in both languages, every column or a subset,
in the default CRS and in latitude-first EPSG:4490. Among the parcels: one with
an open issue and a done one, one whose latest record has a photo flag, one
with its kind's own properties, and uninspected ones (NULL findings: records never
lack them, summaries of uninspected parcels do).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from cases.inspections import log_inspection
from cases.issues import add_issue, link_parcels, set_state
from cases.status.clock import LOCAL_TZ
from geo.store import Store
from layers.models import Parcel
from maps.ogc.collections import COLLECTIONS
from maps.ogc.crs import parse_crs
from maps.ogc.items import fetch_page, geojson_features, parcel_rows
from maps.ogc.params import ItemsQuery
from tests.cases.conftest import add_parcels
from tests.cases.test_photo_evidence import jpeg

KIND = "forest_patch"  # own properties: a text and an integer


def _rounded(value: Any) -> Any:
    """Floats to 9 decimals (the export-row page writes 10, rounding its last digit its own way)."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@pytest.fixture
def parcels(store: Store, tmp_path) -> list[int]:
    now = datetime.now(LOCAL_TZ)
    with store.session() as session:
        made = add_parcels(session, [(f"FP-{i}", KIND) for i in range(1, 6)])
        session.get(Parcel, made["FP-1"].id).properties = {"patch_id": "图斑-1", "supervision_year": 2024}
        log_inspection(session, parcel_code="FP-2", inspected_at=now - timedelta(days=400), inspector="李",
                       findings={"sheds_count": 1})
        log_inspection(session, parcel_code="FP-2", inspected_at=now - timedelta(days=3, minutes=7),
                       inspector="李",
                       findings={"sheds_count": 3, "hardened_m2": 12.345, "clothes_drying": True},
                       note="有<b>窝棚</b>", photos=[jpeg(tmp_path / "far.jpg", at=(100.0, 20.0))],
                       media=store.media())
        log_inspection(session, parcel_code="FP-3", inspected_at=now - timedelta(days=1), inspector="王")
        log_inspection(session, parcel_code="FP-4", inspected_at=now - timedelta(days=200), inspector="王",
                       findings={"debris": False, "abandoned_m2": 0.1})
        add_issue(session, ref="7-1", category=1, title="open")
        add_issue(session, ref="7-2", category=1, title="done")
        link_parcels(session, ref="7-1", codes=["FP-2", "FP-4"])
        link_parcels(session, ref="7-2", codes=["FP-2"])
        set_state(session, ref="7-2", state="done")
        return list(session.scalars(sa.select(Parcel.id).where(Parcel.kind == KIND).order_by(Parcel.code)))


@pytest.mark.parametrize(("lang", "properties", "crs"), [
    ("zh", None, None),
    ("en", None, "http://www.opengis.net/def/crs/EPSG/0/4490"),
    ("zh", ("photo_flags", "status_label", "supervision_year", "sheds_count", "code"), None),
])
def test_todays_page_is_the_export_rows_page(store: Store, parcels: list[int], lang: str,
                                             properties: tuple[str, ...] | None, crs: str | None) -> None:
    collection = COLLECTIONS[KIND]
    query = ItemsQuery(properties=properties, crs=parse_crs(crs, field="crs"))
    names = list(properties or collection.properties)
    with store.session() as session:
        page = fetch_page(session, collection, query, lang=lang, streets=None, status_sets=None)
        reference = geojson_features(parcel_rows(session, KIND, parcels, None, lang=lang), names, query)
    fast, slow = json.loads(page.features), json.loads(reference)
    assert _rounded(fast) == _rounded(slow)
    assert [list(f["properties"]) for f in fast] == [names] * len(parcels)
    assert (page.matched, page.returned, page.last_key) == (5, 5, "FP-5")
    if properties is None:
        by_code = {f["id"]: f["properties"] for f in fast}
        assert by_code["FP-2"]["open_issue_refs"] == "7-1"
        assert by_code["FP-2"]["issue_states"] == "7-1:in_progress;7-2:done"
        assert by_code["FP-2"]["photo_flags"] and by_code["FP-2"]["clothes_drying"] is True
        assert by_code["FP-3"]["inspections_count"] == 1 and by_code["FP-3"]["debris"] is False
        uninspected = by_code["FP-5"]
        assert [uninspected[n] for n in ("sheds_count", "clothes_drying", "hardened_m2")] == [None] * 3
        assert by_code["FP-1"]["supervision_year"] == 2024 and by_code["FP-1"]["last_inspected_at"] is None
        assert {f["properties"]["status"] for f in fast} >= {"uninspected", "violation"}
