"""Shapefile exports: `.shp` names a set beside it, `.zip` a zipped one; long text and names said openly."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cases.models import Inspection
from cases.status.export_rows import StatusQuery, export_status, status_spec
from geo.errors import ConflictError
from geo.store import Store
from layers.export_shp import MAX_NAME, SIDECAR, shapefile_set, shorten_names
from layers.export_spec import ExportOptions
from layers.export_write import write_export
from layers.kinds import KINDS
from scripts.cli import app
from tests.layers.export_seed import AS_OF, PARCELS, Seeded

SET = (".shp", ".shx", ".dbf", ".prj", ".cpg", SIDECAR)


def _names(folder: Path) -> list[str]:
    """What an export left in the folder (the store's own files aside)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(("store.", "media")))


def test_readme_example_writes_a_set_gdal_opens(store: Store, seeded: Seeded,
                                                tmp_path: Path) -> None:
    out = tmp_path / "farmland.shp"
    result = CliRunner().invoke(app, ["--db", store.url, "export", str(out), "--kind", "basic_farmland",
                                      "--street", "前进", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert _names(tmp_path) == sorted(f"farmland{s}" for s in SET)
    frame = pyogrio.read_dataframe(out)
    assert frame["code"].tolist() == ["BF-001"] and frame["last_insp"].notna().all()
    assert "Feature Count: 1" in subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(out)],
                                                capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("fmt", [None, "shp"])
def test_all_kinds_go_in_one_set_named_as_asked(store: Store, seeded: Seeded, tmp_path: Path,
                                                fmt: str | None) -> None:
    out = tmp_path / "a.shp"
    export_status(store, out, StatusQuery(as_of=AS_OF), ExportOptions(fmt=fmt), lang="zh")
    frame = pyogrio.read_dataframe(out)
    assert sorted(frame["code"]) == sorted(code for code, *_ in PARCELS)
    assert set(frame["kind"]) == {kind for _, kind, *_ in PARCELS}


def test_an_existing_set_is_kept_unless_overwrite(store: Store, seeded: Seeded,
                                                  tmp_path: Path) -> None:
    (tmp_path / "a.dbf").write_bytes(b"old")
    with pytest.raises(ConflictError, match=r"a\.dbf"):
        export_status(store, tmp_path / "a.shp", StatusQuery(), ExportOptions(), lang="en")
    assert _names(tmp_path) == ["a.dbf"]
    export_status(store, tmp_path / "a.shp", StatusQuery(), ExportOptions(overwrite=True), lang="en")
    assert _names(tmp_path) == sorted(f"a{s}" for s in SET)
    assert len(pyogrio.read_dataframe(tmp_path / "a.shp")) == len(PARCELS)


def test_a_failed_export_leaves_no_partial_set(tmp_path: Path) -> None:
    spec = status_spec(["basic_farmland"], lang="en", metadata={})

    def frames() -> Iterator[pd.DataFrame]:
        raise OSError("disk gone")
        yield pd.DataFrame()

    with pytest.raises(OSError, match="disk gone"):
        write_export(tmp_path / "a.shp", frames(), spec, ExportOptions())
    assert _names(tmp_path) == []
    assert [p.name for p in shapefile_set(tmp_path / "a.shp")][-1] == "a.shp"  # the set appears last


@pytest.mark.parametrize("name", ["long.shp", "long.zip"])
def test_long_text_is_cut_openly_naming_the_field(store: Store, seeded: Seeded,
                                                  tmp_path: Path, name: str) -> None:
    with store.session() as session:
        latest = session.scalars(sa.select(Inspection).order_by(Inspection.inspected_at.desc())).first()
        latest.note = "窝" * 600
    out = tmp_path / name
    result = CliRunner().invoke(app, ["--db", store.url, "export", str(out), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "last_note (1)" in result.output and "GeoPackage" in result.output
    source = f"/vsizip/{out}/long.shp" if name.endswith(".zip") else str(out)
    notes = pyogrio.read_dataframe(source)["last_note"].dropna().tolist()
    assert "窝" * 84 in notes


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_column_has_a_readable_unique_short_name(lang: str) -> None:
    fields = status_spec(list(KINDS), lang=lang, metadata={}).fields
    long = [f.name for f in fields if len(f.name) > MAX_NAME]
    assert [name for name in long if next(f for f in fields if f.name == name).short is None] == []
    short = shorten_names(fields)
    assert all(len(s) <= MAX_NAME for s in short.values())
    assert len({s.lower() for s in short.values()}) == len(fields)
    assert short["last_inspected_at"] == "last_insp" and short["sheds_area_m2"] == "sheds_m2"


def test_another_name_with_format_shp_is_a_zip(store: Store, seeded: Seeded,
                                               tmp_path: Path) -> None:
    out = tmp_path / "a.dat"
    export_status(store, out, StatusQuery(), ExportOptions(fmt="shp"), lang="en")
    assert _names(tmp_path) == ["a.dat"]
    assert len(pyogrio.read_dataframe(f"/vsizip/{{{out}}}/a.dat.shp")) == len(PARCELS)
