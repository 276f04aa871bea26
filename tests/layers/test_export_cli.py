"""`landpatrol export` from the command line: bad input, exit codes, audit, Ctrl-C, round trip."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from typer.testing import CliRunner

from geo.audit import AuditEvent
from geo.store import Store
from scripts.cli import app
from tests.layers.export_seed import AS_OF, PARCELS, Seeded

runner = CliRunner()


def _run(store: Store, *args: str):
    return runner.invoke(app, ["--db", store.url, "export", *args])


@pytest.mark.parametrize(("args", "code", "message"), [
    (["{d}/x.txt"], 2, "cannot tell the format"),
    (["{d}/x.gpkg", "--format", "kml"], 2, "unknown format"),
    (["{d}/x.gpkg", "--kind", "wetland"], 2, "unknown parcel kind 'wetland'"),
    (["{d}/x.gpkg", "--street", "火星"], 3, "no street '火星'"),
    (["{d}/x.gpkg", "--status", "fine"], 2, "unknown status 'fine'"),
    (["{d}/x.gpkg", "--as-of", "2999-01-01"], 2, "in the future"),
    (["{d}/x.gpkg", "--as-of", "2022-13-40"], 2, "not a date"),
    (["{d}/x.gpkg", "--crs", "EPSG:3857"], 2, "--crs"),
    (["{d}/nowhere/x.gpkg"], 3, "does not exist"),
    (["/proc/x.gpkg"], 2, "cannot write"),
    (["{d}/old.gpkg"], 4, "--overwrite"),
])
def test_bad_input_is_one_line_and_leaves_nothing(
    store: Store, seeded: Seeded, tmp_path: Path, args: list[str], code: int, message: str,
) -> None:
    (tmp_path / "old.gpkg").write_bytes(b"old")
    result = _run(store, *(a.format(d=tmp_path) for a in args))
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("landpatrol: error: ") and message in lines[0]
    made = sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".gpkg", ".txt", ".partial"))
    assert made == ["old.gpkg"]
    assert (tmp_path / "old.gpkg").read_bytes() == b"old"


def test_export_prints_summary_and_is_audited(store: Store, seeded: Seeded,
                                              tmp_path: Path) -> None:
    out = tmp_path / "status.gpkg"
    out.write_bytes(b"old")
    result = _run(store, str(out), "--as-of", AS_OF, "--kind", "basic_farmland,storage_plot",
                  "--street", "前进", "--overwrite", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "wrote 2 parcels" in result.output and "basic_farmland 1" in result.output
    with store.session() as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).one()
        detail = json.loads(event.detail or "{}")
    assert event.entity_key == "status.gpkg" and detail["rows"] == 2 and detail["as_of"] == AS_OF
    assert detail["streets"] == ["440106020"]
    frame = pyogrio.read_dataframe(out, layer="basic_farmland")
    assert frame["code"].tolist() == ["BF-001"] and frame["status_label"].iat[0] == "Rectifying"


def test_help_names_every_option() -> None:
    text = runner.invoke(app, ["export", "--help"], terminal_width=200).output
    for option in ("--format", "--kind", "--street", "--status", "--as-of", "--crs", "--lang",
                   "--layer", "--xy", "--overwrite"):
        assert option in text


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_leaves_no_partial_file(tmp_path: Path, sig: signal.Signals) -> None:
    """A real process killed mid-export: the output never appears, the staging folder goes."""
    script = (
        "import sys, time, geopandas as gpd, shapely\n"
        "from layers.export_spec import ExportOptions, ExportSpec, Field, LayerSpec\n"
        "from layers.export_write import write_export\n"
        "spec = ExportSpec('t', (Field('code','str','c'), Field('kind','str','k')),"
        " (LayerSpec('a','a',('code','kind')),), 'kind')\n"
        "def frames():\n"
        "    for i in range(10**6):\n"
        "        if i == 2: print('writing', flush=True)\n"
        "        time.sleep(0.05)\n"
        "        yield gpd.GeoDataFrame({'code':[str(i)],'kind':['a']},"
        " geometry=[shapely.MultiPolygon([shapely.box(0,0,1,1)])], crs='EPSG:4490')\n"
        "write_export(__import__('pathlib').Path(sys.argv[1]), frames(), spec, ExportOptions())\n"
    )
    # SIGINT's default handler is set explicitly: a child inherits an ignored SIGINT (a suite run
    # in the background under a non-interactive shell), and Python then installs no handler.
    wrapper = ("import signal\n"
               "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
               "signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))\n")
    out = tmp_path / "big.gpkg"
    process = subprocess.Popen([sys.executable, "-c", wrapper + script, str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "writing"
    time.sleep(0.2)
    os.kill(process.pid, sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "KeyboardInterrupt" in stderr
    assert list(tmp_path.iterdir()) == []


def test_round_trip_through_parcels_import(store: Store, seeded: Seeded, tmp_path: Path,
                                           store_url: str) -> None:
    """Export a GeoPackage, import each layer into a fresh store: same codes, shapes, areas."""
    out = tmp_path / "trip.gpkg"
    assert _run(store, str(out), "--as-of", AS_OF).exit_code == 0
    fresh = tmp_path / "fresh.sqlite"
    fresh_url = f"sqlite:///{fresh}"
    assert runner.invoke(app, ["--db", fresh_url, "init"]).exit_code == 0
    from geo.store import open_store
    from layers.models import Street
    from layers.query import parcels_frame

    back = open_store(fresh_url)
    with back.session() as session:
        session.add_all([Street(code=c, name=n, short_name=n[:2], schematic=False)
                         for c, n in (("440106020", "前进街道"), ("440106011", "龙洞街道"))])
    for kind in ("basic_farmland", "forest_patch", "storage_plot"):
        result = runner.invoke(app, ["--db", fresh_url, "parcels", "import", str(out),
                                     "--kind", kind, "--layer", kind])
        assert result.exit_code == 0, result.output
    with back.session() as session:
        frame = parcels_frame(session).set_index("code")
    back.dispose()
    assert sorted(frame.index) == sorted(code for code, *_ in PARCELS)
    for code, geom in seeded.geoms.items():
        got = shapely.normalize(frame.geometry[code])
        assert shapely.equals_exact(got, shapely.normalize(geom), 1e-9), code
        assert frame.at[code, "area_m2"] == pytest.approx(seeded.areas[code], rel=1e-9)
    assert frame.at["BF-001", "name"] == "珠村农田一"
