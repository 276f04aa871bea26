"""The collector's threshold is raised while bulk jobs run, and what was there before comes back after the
last one, whether they end in order, out of order, or by an error."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.collections_pause import BULK_THRESHOLD, fewer_collections
from geo.store import Store
from layers import parcels_import
from layers.parcels_import import import_parcels


@pytest.fixture(autouse=True)
def usual_threshold() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_overlapping_blocks_restore_the_first_saved_threshold():
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    assert gc.get_threshold() == (BULK_THRESHOLD, 10, 10)
    first.__exit__(None, None, None)  # the first ends before the second: still raised
    assert gc.get_threshold() == (BULK_THRESHOLD, 10, 10)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == (700, 10, 10)


def test_an_error_in_the_block_restores_the_threshold():
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("the job failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_parcels_import_runs_with_fewer_collections(store: Store, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    seen: list[int] = []
    prepare = parcels_import.prepare_polygons

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(gc.get_threshold()[0])
        return prepare(*args, **kwargs)

    monkeypatch.setattr(parcels_import, "prepare_polygons", watched)
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"code": ["P1", "P2"]}, geometry=[box(113.38, 23.12, 113.381, 23.121),
                                                      box(113.39, 23.12, 113.391, 23.121)],
                     crs=4490).to_file(path, layer="parcels", driver="GPKG")
    import_parcels(store, path, kind="basic_farmland", actor="test")
    assert seen == [BULK_THRESHOLD]
    assert gc.get_threshold() == (700, 10, 10)
