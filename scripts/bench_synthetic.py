"""Synthetic parcels for benchmarks: plausible, non-overlapping polygons across Tianhe."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

TIANHE_BOUNDS = (113.30, 23.10, 113.46, 23.25)
VERTICES = 12


def synthetic_parcels(n: int, *, seed: int = 1) -> gpd.GeoDataFrame:
    """`n` jittered 12-vertex polygons on a grid over Tianhe, codes `S0000001`…, EPSG:4490."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    minx, miny, maxx, maxy = TIANHE_BOUNDS
    cell_x, cell_y = (maxx - minx) / side, (maxy - miny) / side
    index = np.arange(n)
    cx = minx + (index % side + 0.5) * cell_x
    cy = miny + (index // side + 0.5) * cell_y
    angles = np.linspace(0, 2 * np.pi, VERTICES, endpoint=False)
    radius = rng.uniform(0.25, 0.45, size=(n, VERTICES))
    xs = cx[:, None] + np.cos(angles) * radius * cell_x
    ys = cy[:, None] + np.sin(angles) * radius * cell_y
    rings = np.stack([xs, ys], axis=-1)
    rings = np.concatenate([rings, rings[:, :1]], axis=1)
    polygons = shapely.polygons(rings)
    return gpd.GeoDataFrame(
        {
            "code": [f"S{i:07d}" for i in range(n)],
            "name": [f"地块{i}" for i in range(n)],
            "village": rng.choice(["珠村", "龙洞村", "柯木塱村", "渔沙坦村", "凌塘村"], n),
        },
        geometry=polygons, crs="EPSG:4490",
    )


def write_parcels_gpkg(path: Path, n: int) -> Path:
    """Write `n` synthetic parcels to a GeoPackage layer `parcels`."""
    synthetic_parcels(n).to_file(path, layer="parcels", driver="GPKG", engine="pyogrio")
    return path
