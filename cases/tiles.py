"""Parcels as vector tiles, coloured by today's status, for the web app's large streets.

Why: a street of 20,000 parcels is too much to embed in one page; a tile
holds only the parcels in its square, picked through the parcels' spatial
index, so a tile at a street's zoom costs the same at 10,000 parcels as at
1,000,000. Each parcel carries code, kind, status and name (a click fetches
the rest from the parcel API).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from cases.status.street_page import status_page
from geo.dialects import select_dialect
from geo.tiles import check_tile, lonlat_bounds, mercator_bounds

LAYER = "parcels"
MIN_ZOOM = 16  # a square of about 560 m at Guangzhou; below, the web map shows outlines only
TILE_MAX = 5_000  # parcels per tile, by code; far above what a zoom-15 square holds in practice


def parcel_tile(
    session: Session, z: int, x: int, y: int, *, street_codes: Collection[str] | None = None,
) -> bytes:
    """The parcels (of these streets, None for all) meeting tile z/x/y, as one Mapbox Vector Tile."""
    check_tile(z, x, y)
    page, _matched = status_page(session, street_codes=street_codes, bbox=lonlat_bounds(z, x, y),
                                 limit=TILE_MAX)
    attributes = {name: [str(v) if v is not None else "" for v in page[name]]
                  for name in ("code", "kind", "status", "name")}
    backend = select_dialect(session.get_bind().dialect.name)
    return backend.vector_tile(session, table="parcels", id_column="id", geom_column="geom",
                               ids=[int(i) for i in page.index], attributes=attributes,
                               bounds=mercator_bounds(z, x, y), layer=LAYER)
