"""`map street` above 5,000 parcels: one line pointing to the web map, exit 2, no file written."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from typer.testing import CliRunner

from geo.errors import InputError
from geo.store import Store
from layers.parcels_import import FieldOptions, import_parcels
from maps.street_map import OFFLINE_MAX
from scripts.cli import app
from tests.maps.conftest import QIANJIN, MapSample


def test_a_street_above_the_offline_limit_points_to_the_web_map(
    store: Store, sample: MapSample, tmp_path: Path,
) -> None:
    extra = OFFLINE_MAX + 1 - len(sample.codes[QIANJIN])  # one parcel over the limit
    west = [113.45 + (i % 100) * 0.0003 for i in range(extra)]
    south = [23.15 + (i // 100) * 0.0003 for i in range(extra)]
    squares = shapely.box(west, south, [w + 0.00025 for w in west], [s + 0.00025 for s in south])
    frame = gpd.GeoDataFrame({"code": [f"X{i:05d}" for i in range(extra)], "street": QIANJIN},
                             geometry=squares, crs=4490)
    frame.to_file(tmp_path / "many.gpkg", driver="GPKG")
    import_parcels(store, tmp_path / "many.gpkg", kind="basic_farmland", actor="test",
                   fields=FieldOptions(street="street"))
    out = tmp_path / "qj.html"
    result = CliRunner().invoke(app, ["--db", store.url, "map", "street", "前进", "--out", str(out)])
    assert result.exit_code == InputError.exit_code, result.output
    assert f"{OFFLINE_MAX + 1} parcels" in result.output and f"/streets/{QIANJIN}" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()
    small = CliRunner().invoke(app, ["--db", store.url, "map", "street", "凤凰", "--out", str(out)])
    assert small.exit_code == 0, small.output
