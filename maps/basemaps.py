"""Basemaps, and the datum the overlays must be drawn in to line up with them.

`none` (the default) loads nothing, so a map works on an intranet. `osm` and
`tianditu` tiles are WGS84/CGCS2000 (no shift: the two differ by centimetres).
`gaode` tiles are GCJ-02, offset about 600 m in Guangzhou, so with that basemap
every overlay is shifted to GCJ-02 for drawing; stored geometry never is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import folium
import numpy as np
from numpy.typing import NDArray

from geo.errors import InputError
from geo.gcj02 import to_gcj02

TIANDITU_KEY_ENV = "LANDPATROL_TIANDITU_KEY"
_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


@dataclass(frozen=True)
class Tiles:
    """One tile layer: URL template (`{key}` and `{lang}` filled in), attribution, subdomains."""

    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    """A basemap: its tile layers (none for a blank map) and the datum its tiles are in."""

    name: str
    tiles: tuple[Tiles, ...] = field(default=())
    gcj02: bool = False
    key_env: str | None = None

    def needs_shift(self) -> bool:
        """True where overlays must be moved to GCJ-02 to line up with the tiles."""
        return self.gcj02


BASEMAPS: dict[str, Basemap] = {
    "none": Basemap("none"),
    "osm": Basemap(
        "osm",
        (Tiles("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
               "&copy; OpenStreetMap contributors", subdomains="", max_zoom=19),),
    ),
    "tianditu": Basemap(
        "tianditu",
        (
            Tiles(_TIANDITU.format(layer="vec", key="{key}"), "&copy; 天地图 Tianditu",
                  subdomains="01234567"),
            # Annotation layer: Chinese labels (cva) or English (eva).
            Tiles(_TIANDITU.format(layer="{lang}", key="{key}"), "", subdomains="01234567"),
        ),
        key_env=TIANDITU_KEY_ENV,
    ),
    "gaode": Basemap(
        "gaode",
        (Tiles("https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1"
               "&style=8&x={x}&y={y}&z={z}", "&copy; 高德地图 AutoNavi", subdomains="1234"),),
        gcj02=True,
    ),
}

_LANG_PARAM = {"tianditu": {"zh": "cva", "en": "eva"}, "gaode": {"zh": "zh_cn", "en": "en"}}


def get_basemap(name: str) -> Basemap:
    """The basemap called `name`, or an error listing the known ones."""
    try:
        return BASEMAPS[name]
    except KeyError:
        raise InputError(f"unknown basemap {name!r}; choose one of {', '.join(BASEMAPS)}") from None


def add_basemap(fmap: folium.Map, basemap: Basemap, *, lang: str = "zh") -> None:
    """Add the basemap's tile layers to a map (nothing for `none`).

    Raises InputError when the basemap needs a key that is not configured.
    """
    key = ""
    if basemap.key_env:
        key = os.environ.get(basemap.key_env, "").strip()
        if not key:
            raise InputError(f"the {basemap.name} basemap needs a key in ${basemap.key_env}")
    lang_param = _LANG_PARAM.get(basemap.name, {}).get(lang, "")
    for tiles in basemap.tiles:
        url = tiles.url.replace("{key}", key).replace("{lang}", lang_param)
        folium.TileLayer(
            tiles=url, attr=tiles.attribution or " ", max_zoom=tiles.max_zoom,
            subdomains=tiles.subdomains or "abc", control=False, overlay=False,
            name=basemap.name,
        ).add_to(fmap)


def for_display(geoms: NDArray[np.object_], basemap: Basemap) -> NDArray[np.object_]:
    """Geometries as drawn on this basemap: shifted to GCJ-02 for `gaode`, else as stored."""
    return to_gcj02(geoms) if basemap.needs_shift() else geoms
