"""The writers without a store: format choice, output safety, layer streaming, names."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geo.errors import ConflictError, InputError, NotFoundError
from layers.export_shp import shorten_names
from layers.export_spec import (
    ExportOptions,
    ExportSpec,
    Field,
    LayerSpec,
    layer_runs,
    prefetched,
)
from layers.export_write import FORMATS, STALE_AFTER, check_export, resolve_options, write_export

SPEC = ExportSpec(
    title="test", layer_column="kind", measures=("area",),
    fields=(Field("code", "str", "编码"), Field("kind", "str", "类型"), Field("area", "float", "面积"),
            Field("extra", "int", "附加")),
    layers=(LayerSpec("a", "甲", ("code", "kind", "area")),
            LayerSpec("b", "乙", ("code", "kind", "area", "extra"))),
)


def _frame(kind: str, codes: list[str]) -> gpd.GeoDataFrame:
    geoms = [shapely.MultiPolygon([shapely.box(113.3 + i / 100, 23.1, 113.305 + i / 100, 23.105)])
             for i in range(len(codes))]
    return gpd.GeoDataFrame({"code": codes, "kind": kind, "area": 1.5, "extra": 7},
                            geometry=geoms, crs="EPSG:4490")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(("name", "fmt"), [
    ("x.gpkg", "gpkg"), ("x.GeoJSON", "geojson"), ("x.json", "geojson"), ("x.zip", "shp"),
    ("x.shp.zip", "shp"), ("x.shp", "shp"), ("x.csv", "csv"), ("x.parquet", "parquet"), ("x.fgb", "fgb"),
    ("x.xlsx", "xlsx"),
])
def test_format_from_extension(name: str, fmt: str) -> None:
    assert resolve_options(Path(name), ExportOptions()).fmt == fmt


@pytest.mark.parametrize(("name", "options", "message"), [
    ("x.txt", {}, "cannot tell the format"),
    ("x", {}, "cannot tell the format"),
    ("x.gpkg", {"fmt": "kml"}, "unknown format"),
    ("x.gpkg", {"crs": "EPSG:3857"}, "--crs"),
    ("x.geojson", {"crs": "EPSG:4547"}, "RFC 7946"),
    ("x.gpkg", {"xy": True}, "--xy"),
    ("x.csv", {"layer": "one"}, "--layer"),
    ("x.gpkg", {"layer": "gpkg_contents"}, "--layer"),
])
def test_bad_options(name: str, options: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        resolve_options(Path(name), ExportOptions(**options))


def test_crs_defaults_and_spellings() -> None:
    assert resolve_options(Path("x.gpkg"), ExportOptions()).crs == "EPSG:4490"
    assert resolve_options(Path("x.geojson"), ExportOptions()).crs == "EPSG:4326"
    assert resolve_options(Path("x.gpkg"), ExportOptions(crs="4547")).crs == "EPSG:4547"
    assert resolve_options(Path("x.gpkg"), ExportOptions(crs="GCJ02")).crs == "gcj02"


def test_output_path_checks(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        check_export(tmp_path / "missing" / "x.gpkg", ExportOptions())
    with pytest.raises(InputError, match="cannot write"):
        check_export(Path("/proc/x.gpkg"), ExportOptions())
    (tmp_path / "dir.gpkg").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        check_export(tmp_path / "dir.gpkg", ExportOptions(overwrite=True))
    (tmp_path / "old.gpkg").write_text("old")
    with pytest.raises(ConflictError, match="--overwrite"):
        check_export(tmp_path / "old.gpkg", ExportOptions())
    check_export(tmp_path / "old.gpkg", ExportOptions(overwrite=True))
    assert _leftovers(tmp_path) == ["dir.gpkg", "old.gpkg"]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_no_partial_file_and_old_file_kept(tmp_path: Path, fmt: str,
                                           failure: type[BaseException]) -> None:
    out = tmp_path / f"x{FORMATS[fmt].extensions[0]}"
    out.write_bytes(b"previous export")

    def frames() -> Iterator[gpd.GeoDataFrame]:
        yield _frame("a", ["A1", "A2"])
        raise failure("stopped half way")

    with pytest.raises(failure):
        write_export(out, frames(), SPEC, ExportOptions(overwrite=True))
    assert _leftovers(tmp_path) == [out.name]
    assert out.read_bytes() == b"previous export"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_writes_empty_and_full(tmp_path: Path, fmt: str) -> None:
    ext = FORMATS[fmt].extensions[0]
    empty = write_export(tmp_path / f"empty{ext}", iter(()), SPEC, ExportOptions())
    assert empty.rows == 0 and (tmp_path / f"empty{ext}").exists()
    frames = [_frame("a", ["A1", "A2"]), _frame("a", ["A3"]), _frame("b", ["B1"])]
    result = write_export(tmp_path / f"full{ext}", frames, SPEC, ExportOptions())
    assert result.rows_by_layer == {"a": 3, "b": 1}
    assert result.tally[("a", "a")]["area"] == pytest.approx(4.5)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_geopackage_layers_hold_their_own_fields(tmp_path: Path) -> None:
    frames = [_frame("a", ["A1"]), _frame("b", ["B1", "B2"])]
    write_export(tmp_path / "x.gpkg", frames, SPEC, ExportOptions())
    assert "extra" not in pyogrio.read_info(tmp_path / "x.gpkg", layer="a")["fields"]
    assert pyogrio.read_dataframe(tmp_path / "x.gpkg", layer="b")["extra"].tolist() == [7, 7]


def test_layer_runs_fill_gaps_and_refuse_disorder() -> None:
    runs = [(layer.name, [len(f) for f in frames])
            for layer, frames in layer_runs([_frame("b", ["B1"])], SPEC)]
    assert runs == [("a", []), ("b", [1])]
    with pytest.raises(ValueError, match="order"):
        for _, frames in layer_runs([_frame("b", ["B1"]), _frame("a", ["A1"])], SPEC):
            list(frames)


def test_shortened_names_are_unique_and_short() -> None:
    names = ["code", "demolished_count", "demolished_total", "last_inspected_at",
             "last_inspection_id", "aaaaaaaaaaaa", "aaaaaaaaaaab", "sheds_area_m2"]
    short = shorten_names([Field(name, "str", name) for name in names])
    assert short["code"] == "code" and short["demolished_count"] == "demo_count"
    assert all(len(s) <= 10 for s in short.values())
    assert len({s.lower() for s in short.values()}) == len(names)


def test_prefetched_keeps_order_and_raises_worker_errors() -> None:
    assert list(prefetched(iter(range(50)), depth=3)) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(prefetched(failing()))
    stream = prefetched(iter(range(1000)), depth=2)
    assert next(stream) == 0
    stream.close()  # the consumer stops early: the worker is stopped and joined


def test_staging_left_by_a_killed_export_is_removed_by_the_next(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f".x.gpkg.{gone.pid}-abcd1234.partial"
    live = tmp_path / f".y.gpkg.{os.getpid()}-abcd1234.partial"  # an export running now
    aged = tmp_path / ".z.gpkg.efgh5678.partial"  # before pids were in the name
    fresh = tmp_path / ".w.gpkg.ijkl9012.partial"
    mine = tmp_path / ".notes.partial"  # not an export's
    for folder in (dead, live, aged, fresh, mine):
        folder.mkdir()
        (folder / "x.gpkg").write_bytes(b"partial")
    week_ago = time.time() - STALE_AFTER.total_seconds() - 60
    os.utime(aged, (week_ago, week_ago))
    os.utime(mine, (week_ago, week_ago))
    write_export(tmp_path / "x.gpkg", [_frame("a", ["A1"])], SPEC, ExportOptions())
    assert _leftovers(tmp_path) == sorted([live.name, fresh.name, mine.name, "x.gpkg"])
