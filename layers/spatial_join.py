"""Which street a parcel lies in: the one it overlaps most."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray


def dominant_overlap(
    geoms: NDArray[np.object_], zones: Sequence[object], zone_keys: Sequence[str]
) -> list[str | None]:
    """For each geometry, the key of the zone it overlaps most (None where it meets none).

    An STRtree finds candidate pairs in one call; intersection areas are
    computed only for geometries that meet more than one zone.
    """
    result: list[str | None] = [None] * len(geoms)
    usable = [i for i, zone in enumerate(zones) if zone is not None]
    if not usable or len(geoms) == 0:
        return result
    zone_array = np.asarray([zones[i] for i in usable], dtype=object)
    tree = shapely.STRtree(zone_array)
    geom_idx, zone_idx = tree.query(geoms, predicate="intersects")
    counts = np.bincount(geom_idx, minlength=len(geoms))
    single = counts[geom_idx] == 1
    for g, z in zip(geom_idx[single].tolist(), zone_idx[single].tolist(), strict=True):
        result[g] = zone_keys[usable[z]]
    multi_g, multi_z = geom_idx[~single], zone_idx[~single]
    if len(multi_g):
        overlap = shapely.area(shapely.intersection(geoms[multi_g], zone_array[multi_z]))
        best: dict[int, tuple[float, int]] = {}
        for g, z, area in zip(multi_g.tolist(), multi_z.tolist(), overlap.tolist(), strict=True):
            if g not in best or area > best[g][0]:
                best[g] = (area, z)
        for g, (_area, z) in best.items():
            result[g] = zone_keys[usable[z]]
    return result
