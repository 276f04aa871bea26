"""The demo's 21 Tianhe streets: NBS codes, names and schematic boundaries.

The boundaries are a sketch, not a survey: the Voronoi cells of one seed
point per street (the approximate centre of each street, WGS84/CGCS2000,
which differ by centimetres here) clipped to a hand-drawn outline of the
district. They put every parcel in the right street and the streets in the
right places on a map; they are imported with `schematic=True`, so every
map says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from geo.crs import STORAGE_CRS


@dataclass(frozen=True)
class DemoStreet:
    """One street: NBS code, name, and the approximate centre its cell grows from."""

    code: str
    name: str
    lon: float
    lat: float

    @property
    def short(self) -> str:
        """`前进街道` → `前进`, how the report and the data refer to it."""
        return self.name.removesuffix("街道")


# NBS codes 440106001…440106022 (005 unused); centres from the street offices' areas.
STREETS: tuple[DemoStreet, ...] = (
    DemoStreet("440106001", "五山街道", 113.350, 23.160),    # 华南理工、华南农大
    DemoStreet("440106002", "员村街道", 113.362, 23.118),
    DemoStreet("440106003", "车陂街道", 113.392, 23.125),
    DemoStreet("440106004", "沙河街道", 113.310, 23.156),
    DemoStreet("440106006", "石牌街道", 113.340, 23.137),    # 岗顶
    DemoStreet("440106007", "沙东街道", 113.323, 23.168),
    DemoStreet("440106008", "天河南街道", 113.322, 23.138),  # 天河城
    DemoStreet("440106009", "林和街道", 113.325, 23.150),    # 广州东站
    DemoStreet("440106010", "兴华街道", 113.336, 23.178),    # 燕岭
    DemoStreet("440106011", "棠下街道", 113.378, 23.135),
    DemoStreet("440106012", "天园街道", 113.360, 23.130),    # 天河公园
    DemoStreet("440106013", "猎德街道", 113.333, 23.116),
    DemoStreet("440106014", "冼村街道", 113.328, 23.126),
    DemoStreet("440106015", "元岗街道", 113.355, 23.180),    # 天河客运站
    DemoStreet("440106016", "黄村街道", 113.403, 23.136),
    DemoStreet("440106017", "长兴街道", 113.378, 23.172),    # 长湴
    DemoStreet("440106018", "龙洞街道", 113.366, 23.203),
    DemoStreet("440106019", "凤凰街道", 113.394, 23.206),    # 柯木塱、渔沙坦
    DemoStreet("440106020", "前进街道", 113.414, 23.118),    # 珠村
    DemoStreet("440106021", "珠吉街道", 113.433, 23.140),    # 吉山
    DemoStreet("440106022", "新塘街道", 113.405, 23.157),    # 凌塘、沐陂
)
BY_SHORT_NAME: dict[str, DemoStreet] = {s.short: s for s in STREETS}

# A hand-drawn outline of Tianhe (lon, lat): the Pearl River to the south, the
# hills of 凤凰 and 龙洞 to the north. Roughly 140 km², like the real district.
DISTRICT_OUTLINE: tuple[tuple[float, float], ...] = (
    (113.409, 23.101), (113.443, 23.139), (113.433, 23.158), (113.412, 23.160),
    (113.425, 23.179), (113.412, 23.178), (113.419, 23.195), (113.393, 23.217),
    (113.396, 23.248), (113.349, 23.229), (113.337, 23.189), (113.296, 23.153),
    (113.310, 23.115),
)


def district_outline() -> Polygon:
    """The schematic district boundary."""
    return Polygon(DISTRICT_OUTLINE)


def street_polygons() -> dict[str, Polygon]:
    """Each street's schematic polygon by code: its seed's Voronoi cell inside the outline."""
    outline = district_outline()
    seeds = [Point(s.lon, s.lat) for s in STREETS]
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline.buffer(0.05))
    polygons: dict[str, Polygon] = {}
    for cell in shapely.get_parts(cells):
        owner = next(s for s, seed in zip(STREETS, seeds, strict=True) if cell.contains(seed))
        polygons[owner.code] = shapely.intersection(cell, outline)
    return polygons


def streets_frame() -> gpd.GeoDataFrame:
    """The 21 streets as a layer with `code` and `name`, in EPSG:4490."""
    polygons = street_polygons()
    return gpd.GeoDataFrame(
        {"code": [s.code for s in STREETS], "name": [s.name for s in STREETS]},
        geometry=[polygons[s.code] for s in STREETS], crs=STORAGE_CRS,
    )


def write_streets(path: Path) -> Path:
    """Write the streets layer as a GeoPackage for `import_streets` to read."""
    streets_frame().to_file(path, driver="GPKG", layer="streets")
    return path
