"""Filters that match nothing, in all kinds or in some: every format still writes a valid file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pyogrio
import pytest
from typer.testing import CliRunner

from cases.status.export_rows import StatusQuery, export_status
from geo.store import Store
from layers.export_spec import ExportOptions
from layers.export_write import FORMATS
from layers.kinds import KINDS
from scripts.cli import app
from tests.layers.export_seed import AS_OF, Seeded

# As of AS_OF: BF-001 rectifying, BF-002 compliant, FP-001 uninspected, SP-001 overdue.
NOTHING = StatusQuery(statuses=("violation",), as_of=AS_OF)
SOME = StatusQuery(statuses=("rectifying",), as_of=AS_OF)  # basic_farmland only
SOME_TODAY = StatusQuery(statuses=("uninspected",))  # present-day path, one kind
EXTENSIONS = [(name, fmt.extensions[0]) for name, fmt in FORMATS.items()] + [("shp", ".shp")]


def _codes(path: Path, fmt: str) -> list[str]:
    """Every code in the file, read back by an independent reader."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        codes = []
        for sheet in book.worksheets[1:]:
            rows = list(sheet.iter_rows(values_only=True))
            assert rows, f"sheet {sheet.title} has no header"
            codes += [row[0] for row in rows[1:]]
        return codes
    if fmt == "parquet":
        return pq.read_table(path)["code"].to_pylist()
    if fmt == "shp":
        source = f"/vsizip/{path}" if path.suffix == ".zip" else path
        return pyogrio.read_dataframe(source)["code"].tolist()
    layers = [name for name, geometry in pyogrio.list_layers(path) if geometry]
    frames = [pyogrio.read_dataframe(path, layer=layer) for layer in layers]
    # An empty GeoJSON has no features to carry the properties' names.
    return [c for frame in frames for c in (frame["code"] if len(frame) or fmt != "geojson" else [])]


@pytest.mark.parametrize(("fmt", "extension"), EXTENSIONS)
@pytest.mark.parametrize(("query", "expected"), [(NOTHING, []), (SOME, ["BF-001"]),
                                                 (SOME_TODAY, ["FP-001"])])
def test_filters_matching_nothing_or_some_kinds_write_a_valid_file(
    store: Store, seeded: Seeded, tmp_path: Path, fmt: str, extension: str,
    query: StatusQuery, expected: list[str],
) -> None:
    out = tmp_path / f"v{extension}"
    result = export_status(store, out, query, ExportOptions(fmt=fmt), lang="zh")
    assert result.rows == len(expected)
    assert sorted(_codes(out, fmt)) == expected
    if fmt == "gpkg":  # one layer per kind, empty ones included
        assert {name for name, geometry in pyogrio.list_layers(out) if geometry} == set(KINDS)
    if extension == ".zip":
        assert zipfile.ZipFile(out).testzip() is None
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_status_matching_nothing_is_not_a_traceback(store: Store, seeded: Seeded,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "v.xlsx"
    result = CliRunner().invoke(app, ["--db", store.url, "export", str(out), "--status", "violation"])
    assert result.exit_code == 0, result.output
    assert "wrote 0 parcels" in result.output and out.exists()
