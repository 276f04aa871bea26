"""An exported file imported back: nothing derived lands in the parcels, nothing unchanged is updated."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from geoalchemy2.shape import to_shape

from cases.status.export_rows import StatusQuery, export_status
from geo.store import Store
from layers.export_spec import ExportOptions
from layers.models import Parcel, ParcelVersion
from layers.parcels_import import ReadOptions, import_parcels
from tests.layers.export_seed import PARCELS, Seeded

KIND = "basic_farmland"
CODES = sorted(code for code, kind, *_ in PARCELS if kind == KIND)


def _stored(store: Store) -> dict[str, tuple]:
    with store.session() as session:
        return {p.code: (p.name, p.street_code, p.village, json.dumps(p.properties, sort_keys=True))
                for p in session.scalars(sa.select(Parcel).where(Parcel.kind == KIND))}


def _export(store: Store, path: Path, lang: str, **options: object) -> Path:
    export_status(store, path, StatusQuery(kinds=(KIND,)), ExportOptions(**options), lang=lang)
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("name", "read"), [
    ("s.gpkg", ReadOptions(layer=KIND)), ("s.geojson", ReadOptions()),
    ("s.csv", ReadOptions(crs="EPSG:4490")),
])
def test_an_unchanged_export_imports_as_unchanged(store: Store, seeded: Seeded,
                                                  tmp_path: Path, lang: str, name: str,
                                                  read: ReadOptions) -> None:
    before = _stored(store)
    out = _export(store, tmp_path / name, lang)
    report = import_parcels(store, out, kind=KIND, actor="test", read_options=read)
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(CODES))
    assert _stored(store) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_edited_shape_updates_only_that_parcel(store: Store, seeded: Seeded,
                                                  tmp_path: Path, lang: str) -> None:
    out = _export(store, tmp_path / "s.gpkg", lang)
    frame = pyogrio.read_dataframe(out, layer=KIND)
    moved = CODES[0]
    frame.loc[frame["code"] == moved, "geometry"] = frame.loc[frame["code"] == moved, "geometry"].scale(0.5)
    edited = tmp_path / "edited.gpkg"
    gpd.GeoDataFrame(frame, crs=frame.crs).to_file(edited, layer=KIND)
    before = _stored(store)
    report = import_parcels(store, edited, kind=KIND, actor="test", read_options=ReadOptions(layer=KIND))
    assert (report.updated, report.unchanged) == (1, len(CODES) - 1)
    assert _stored(store) == before  # attributes kept, derived columns not stored
    with store.session() as session:
        versions = session.execute(sa.select(Parcel.code, ParcelVersion.geom).join(
            Parcel, Parcel.id == ParcelVersion.parcel_id)).all()
    assert [code for code, _ in versions] == [moved]
    old = to_shape(versions[0][1])
    assert shapely.equals_exact(old, seeded.geoms[moved], 1e-9)


@pytest.mark.parametrize("entry", ["import scripts.cli_layers", "from maps.web import create_app"])
def test_every_importing_entry_point_knows_the_derived_columns(entry: str) -> None:
    """The status table declares them when imported; the CLI's import commands and the web app import it."""
    code = (f"{entry}\nfrom layers.fields import derived_columns\n"
            "assert {'status', '状态', 'Status', 'status_lbl'} <= derived_columns()")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
