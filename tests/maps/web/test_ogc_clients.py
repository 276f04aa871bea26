"""Real clients read the live layers: Debian's GDAL (`ogrinfo`, OAPIF driver) and QGIS (headless).

The server runs in uvicorn on a free port; the clients send an analyst's API
token (GDAL: a Bearer header; QGIS 3.22: HTTP Basic with the token as the
password). What they read is compared with `landpatrol parcels list` and the store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from layers.kinds import KINDS
from maps.ogc.tokens import add_token
from scripts.cli import app
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import USERS, Site, running

QGIS_PYTHON = Path("/usr/bin/python3")
BOX = (113.39, 23.12, 113.41, 23.14)


@pytest.fixture(scope="module")
def served(site: Site) -> Iterator[tuple[str, str]]:
    """The site's base URL while it runs, and an analyst's token."""
    with site.store.session() as session:
        token = add_token(session, name="clients", user_name=USERS["analyst"][0], actor="test")
    with running(site.app) as base:
        yield base, token


def _ogrinfo(base: str, token: str, *args: str) -> str:
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"}
    done = subprocess.run(["ogrinfo", "-ro", f"OAPIF:{base}/ogc", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _codes(output: str) -> list[str]:
    return sorted(re.findall(r"^\s+code \(String\) = (\S+)$", output, flags=re.MULTILINE))


def _listed(site: Site, *args: str) -> list[str]:
    result = CliRunner().invoke(app, ["parcels", "list", *args, "--format", "json", "--db", site.store.url])
    assert result.exit_code == 0, result.output
    return sorted(row["code"] for row in json.loads(result.output))


pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")


def test_ogrinfo_lists_the_collections(served: tuple[str, str]) -> None:
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {served[1]}"}
    done = subprocess.run(["ogrinfo", "-ro", f"OAPIF:{served[0]}/ogc"], env=env, capture_output=True,
                          text=True, timeout=120)
    layers = re.findall(r"^\d+: (\w+)", done.stdout, flags=re.MULTILINE)
    assert sorted(layers) == sorted([*KINDS, "streets", "inspections", "issues"])


@pytest.mark.parametrize("kind", list(KINDS))
def test_ogrinfo_counts_equal_parcels_list(site: Site, served: tuple[str, str], kind: str) -> None:
    summary = _ogrinfo(*served, "-so", kind)
    count = int(re.search(r"Feature Count: (\d+)", summary).group(1))
    assert count == len(_listed(site, "--kind", kind))
    assert _codes(_ogrinfo(*served, "-geom=NO", kind)) == _listed(site, "--kind", kind)


def test_ogrinfo_attribute_filter_matches_the_store(site: Site, served: tuple[str, str]) -> None:
    read = _codes(_ogrinfo(*served, "-geom=NO", "basic_farmland", "-where", f"street_code = '{QIANJIN}'"))
    assert read == _listed(site, "--kind", "basic_farmland", "--street", QIANJIN) != []


def test_ogrinfo_spatial_filter_matches_the_store(site: Site, served: tuple[str, str]) -> None:
    read = _codes(_ogrinfo(*served, "-geom=NO", "basic_farmland", "-spat", *map(str, BOX)))
    with site.store.session() as session:
        stored = sorted(session.scalars(sa.text(
            "SELECT code FROM parcels WHERE kind = 'basic_farmland' AND retired_at IS NULL AND "
            "ST_Intersects(geom, ST_GeomFromText(:box, 4490))"),
            {"box": "POLYGON((113.39 23.12, 113.41 23.12, 113.41 23.14, 113.39 23.14, 113.39 23.12))"}))
    assert read == stored != []


QGIS_SCRIPT = """
import os, sys, json
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
base, token, kind = sys.argv[1:4]
uri = f"url='{base}/ogc' typename='{kind}' username='qgis' password='{token}'"
layer = QgsVectorLayer(uri, kind, "OAPIF")
if not layer.isValid():
    print(json.dumps({"valid": False, "error": layer.error().summary()}), flush=True)
    os._exit(0)
count, crs = layer.featureCount(), layer.crs().authid()  # (reading features first crashed 3.22)
codes = sorted(f["code"] for f in layer.getFeatures())
print(json.dumps({"valid": True, "count": count, "codes": codes, "crs": crs}), flush=True)
os._exit(0)  # QGIS 3.22 may crash while tearing down offscreen; the answer is printed already
"""


def _has_qgis() -> bool:
    if not QGIS_PYTHON.exists():
        return False
    return subprocess.run([str(QGIS_PYTHON), "-c", "import qgis.core"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _has_qgis(), reason="python3-qgis is not installed")
def test_qgis_loads_a_parcel_layer_with_the_token(
    site: Site, served: tuple[str, str], tmp_path: Path,
) -> None:
    script = tmp_path / "load.py"
    script.write_text(QGIS_SCRIPT, encoding="utf-8")
    # A clean environment: the venv's pyproj and pyogrio point PROJ_DATA/GDAL_DATA at their own copies,
    # and QGIS crashes on data of another version.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
           "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)}
    done = subprocess.run([str(QGIS_PYTHON), str(script), *served, "basic_farmland"], env=env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["valid"], result["error"]
    assert result["count"] == len(_listed(site, "--kind", "basic_farmland"))
    assert result["codes"] == _listed(site, "--kind", "basic_farmland")
    assert result["crs"] in ("OGC:CRS84", "EPSG:4326", "EPSG:4490"), result["crs"]

