"""Text an import stores comes back exactly as read, whatever it holds: on PostGIS rows travel as
COPY text, where tabs, line breaks, backslashes and `\\N` mean something."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geo.store import Store
from layers.parcels_import import import_parcels

# Any text an import keeps (control characters but tab and line breaks are refused),
# weighted towards what COPY's text format escapes.
_ALLOWED = st.characters(blacklist_categories=("Cs", "Cc"))
_SPECIAL = st.sampled_from(["\t", "\n", "\r", "\\", "\\N", "\\.", "N", " ", "地块", '"', "'"])
_TEXT = st.lists(_SPECIAL | _ALLOWED, max_size=30).map("".join)
_codes = (f"T{i:05d}" for i in itertools.count())


def _import(store: Store, code: str, name: str, note: str) -> None:
    frame = gpd.GeoDataFrame({"code": [code], "name": [name], "村": [name], "备注": [note]},
                             geometry=[box(113.38, 23.12, 113.3804, 23.1204)], crs=4490)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "parcels.gpkg"
        frame.to_file(path, layer="parcels", driver="GPKG")
        report = import_parcels(store, path, kind="basic_farmland", actor="test")
    assert report.created == 1


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_TEXT, note=_TEXT)
def test_any_text_round_trips_through_an_import(store: Store, name: str, note: str) -> None:
    code = next(_codes)
    _import(store, code, name, note)
    with store.session() as session:
        stored = session.execute(sa.text("SELECT name, village, properties FROM parcels WHERE code = :c"),
                                 {"c": code}).one()
    properties = stored.properties if isinstance(stored.properties, dict) else json.loads(stored.properties)
    assert (stored.name, stored.village) == (name.strip() or None, name.strip() or None)
    assert properties["备注"] == note


@pytest.mark.parametrize("text", ["a\tb", "line\nbreak\r\n", "back\\slash", "\\N", "\\.", "\\\\N\t\\"])
def test_copy_control_text_round_trips(store: Store, text: str) -> None:
    code = next(_codes)
    _import(store, code, f"x{text}x", text)
    with store.session() as session:
        name = session.execute(sa.text("SELECT name FROM parcels WHERE code = :c"), {"c": code}).scalar()
    assert name == f"x{text}x"
