"""The `landpatrol` command for streets and parcels, through its public surface."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
import sqlalchemy as sa
from shapely.geometry import box
from typer.testing import CliRunner

from geo.store import open_store
from layers.models import Parcel
from scripts.cli import app

runner = CliRunner()


def _run(url: str, *args: str) -> object:
    return runner.invoke(app, ["--db", url, *args])


def _parcels_file(path: Path, n: int, *, prefix: str = "P") -> Path:
    frame = gpd.GeoDataFrame(
        {"code": [f"{prefix}{i:05d}" for i in range(n)], "村": "珠村"},
        geometry=[box(113.38 + (i % 300) * 1e-4, 23.12 + (i // 300) * 1e-4,
                      113.38 + (i % 300) * 1e-4 + 8e-5, 23.12 + (i // 300) * 1e-4 + 8e-5)
                  for i in range(n)],
        crs=4490,
    )
    frame.to_file(path, driver="GPKG")
    return path


def test_version_and_help_on_every_command():
    assert runner.invoke(app, ["--version"]).output.startswith("landpatrol ")
    for command in (["init"], ["streets", "import"], ["streets", "list"], ["parcels", "import"],
                    ["parcels", "list"], ["parcels", "show"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage" in result.output


def test_import_list_show_round_trip(store_url, tmp_path, real_data):
    assert _run(store_url, "streets", "import",
                str(real_data / "tianhe_street_codes_440106.json")).exit_code == 0
    path = _parcels_file(tmp_path / "p.gpkg", 3)
    report_path = tmp_path / "report.json"
    result = _run(store_url, "parcels", "import", str(path), "--kind", "storage_plot",
                  "--report", str(report_path))
    assert result.exit_code == 0, result.output
    assert "created 3" in result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["created"] == 3 and report["kind"] == "storage_plot"
    listed = json.loads(_run(store_url, "parcels", "list", "--format", "json").output)
    assert [p["code"] for p in listed] == ["P00000", "P00001", "P00002"]
    assert listed[0]["village"] == "珠村" and listed[0]["area_mu"] > 0
    assert listed[0]["status"] == "uninspected" and listed[0]["last_inspected_at"] is None
    inspected = _run(store_url, "inspect", "log", "P00001", "--at", "2022-05-01T10:00:00+08:00",
                     "--inspector", "张三", "--sheds", "2")
    assert inspected.exit_code == 0, inspected.output
    listed = json.loads(_run(store_url, "parcels", "list", "--format", "json").output)
    assert listed[1]["status"] == "violation"
    assert listed[1]["last_inspected_at"] == "2022-05-01T10:00:00+08:00"
    shown = json.loads(_run(store_url, "parcels", "show", "P00001", "--format", "json").output)
    assert shown["kind"] == "storage_plot" and shown["versions"] == 0
    assert shown["status"] == "violation" and shown["inspections_count"] == 1
    streets = json.loads(_run(store_url, "streets", "list", "--format", "json").output)
    assert len(streets) == 21


@pytest.mark.parametrize(("name", "content"), [
    ("notes.txt", b"hello"),
    ("truncated.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Fea'),
    ("picture.gpkg", b"\x89PNG\r\n\x1a\n" + bytes(64)),
])
def test_bad_input_is_one_line_nonzero_and_stores_nothing(store_url, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = _run(store_url, "parcels", "import", str(path), "--kind", "basic_farmland")
    assert result.exit_code == 2
    assert name in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_unknown_parcel_suggests_near_codes(store_url, tmp_path):
    _run(store_url, "parcels", "import", str(_parcels_file(tmp_path / "p.gpkg", 3)),
         "--kind", "basic_farmland")
    result = _run(store_url, "parcels", "show", "P0001")
    assert result.exit_code == 3
    assert "did you mean P00001" in result.stderr


def test_commands_on_a_store_without_schema_say_run_init(tmp_path):
    result = _run(f"sqlite:///{tmp_path / 'nothing.sqlite'}", "parcels", "list")
    assert result.exit_code == 5 and "landpatrol init" in result.stderr


def test_killing_an_import_leaves_the_store_as_it_was(store_url, tmp_path):
    """SIGKILL at several moments of a large import: all of it or none of it, never part."""
    path = _parcels_file(tmp_path / "big.gpkg", 30_000, prefix="K")
    env = {**os.environ, "LANDPATROL_DB": store_url}
    command = [sys.executable, "-m", "scripts.cli", "parcels", "import", str(path),
               "--kind", "basic_farmland"]
    seen = set()
    for delay in (1.5, 2.5, 3.5):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, cwd=Path(__file__).parents[2])
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        store = open_store(store_url)
        with store.session() as session:
            count = session.scalar(sa.select(sa.func.count()).select_from(Parcel))
        store.dispose()
        assert count in (0, 30_000)
        seen.add(count)
        if count:
            break
    assert 0 in seen  # at least one kill landed mid-import
