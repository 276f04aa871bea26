"""What the street page's tiled map needs: the view, the outline drawn at low zoom, colours, labels.

Why: above `TILED_ABOVE` parcels a street's folium map (every parcel embedded)
grows too large to open quickly; the page then draws parcels from
/tiles/parcels/… by viewport, from `MIN_ZOOM` on, and below that zoom only
the street's outline (its boundary simplified, or its parcels' extent where
no boundary is stored).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely
from geoalchemy2.shape import to_shape

from cases.status.rules import STATUS_COLORS, STATUSES
from cases.tiles import MIN_ZOOM
from geo.i18n import translations
from layers.models import Street
from maps.labels import kind_label, status_label

TILED_ABOVE = 2_000  # parcels on a street above which its page loads them by tiles
OUTLINE_TOLERANCE = 0.0002  # degrees (about 20 m): an outline seen below MIN_ZOOM


def tile_map_config(street: Street, parcels: gpd.GeoDataFrame, lang: str) -> dict[str, Any]:
    """The street map's settings, as JSON for the page's `data-config` attribute."""
    west, south, east, north = parcels.total_bounds if len(parcels) else (0.0, 0.0, 0.0, 0.0)
    outline = (shapely.simplify(to_shape(street.geom), OUTLINE_TOLERANCE) if street.geom is not None
               else shapely.box(west, south, east, north))
    return {
        "street": street.code, "minZoom": MIN_ZOOM, "bounds": [[south, west], [north, east]],
        "outline": shapely.geometry.mapping(outline),
        "colors": STATUS_COLORS, "statuses": {s: status_label(s, lang) for s in STATUSES},
        "kinds": {k: kind_label(k, lang) for k in sorted(set(parcels["kind"]))},
        "text": {"zoom_in": translations(lang).gettext("Zoom in to see the parcels")},
    }
