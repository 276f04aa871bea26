"""The demo's parcels: the places the 2022 rectification report names, as polygons.

Each parcel is an irregular polygon drawn around a point given as metres
east and north of its street's seed point, then scaled about its centroid
until its area *as landpatrol measures it* (EPSG:4547, `geo.measure.areas_m2`)
is the area the report's figures need: 1344.57 mu of basic farmland in five
streets, 1.92 ha of forest patch at 蟾蜍岗, and 5176.28 m² for the three
illegal-land plots still occupied. The figures then come out of the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.crs import MEASURE_CRS, STORAGE_CRS
from geo.measure import areas_m2, from_storage, to_storage
from geo.units import mu_to_m2
from scripts.demo_streets import BY_SHORT_NAME, street_polygons

AREA_TOLERANCE_M2 = 1e-4  # far below the report's 0.01 mu (6.7 m²) and 0.01 m² precision


@dataclass(frozen=True)
class DemoParcel:
    """One parcel: identity, where it lies (metres from its street's seed), its area."""

    code: str
    kind: str
    name: str
    street: str  # short name, as the report writes it
    village: str | None
    east_m: float
    north_m: float
    area_m2: float
    properties: dict[str, Any] = field(default_factory=dict)
    aspect: float = 1.3  # length over width of the drawn shape


def _farmland(code: str, name: str, street: str, village: str | None, east: float, north: float,
              mu: float, crop: str) -> DemoParcel:
    return DemoParcel(code, "basic_farmland", name, street, village, east, north, mu_to_m2(mu),
                      {"red_line_id": f"HX-{code[-6:]}", "crop": crop})


def _forest(code: str, village: str, east: float, north: float, area_m2: float) -> DemoParcel:
    return DemoParcel(code, "forest_patch", f"蟾蜍岗林地图斑({village}村地块)", "新塘", f"{village}村",
                      east, north, area_m2, {"patch_id": "蟾蜍岗", "supervision_year": 2021}, 1.6)


def _illegal(code: str, name: str, street: str, village: str, east: float, north: float,
             area_m2: float, penalty: str) -> DemoParcel:
    return DemoParcel(code, "illegal_land", name, street, village, east, north, area_m2,
                      {"case_no": f"穗规划资源天违罚〔2021〕{code[-2:]}号", "penalty": penalty}, 1.5)


# Basic farmland: 435 + 355 + 330 + 124 + 100.57 = 1344.57 mu in the report's five streets.
FARMLAND: tuple[DemoParcel, ...] = (
    _farmland("JBNT-440106019-01", "柯木塱村基本农田(原自然课堂片)", "凤凰", "柯木塱村", -350, 300, 150,
              "蔬菜"),
    _farmland("JBNT-440106019-02", "柯木塱村基本农田(北片)", "凤凰", "柯木塱村", 100, 450, 110, "水稻"),
    _farmland("JBNT-440106019-03", "渔沙坦村基本农田(金鸡地块)", "凤凰", "渔沙坦村", 350, -150, 95, "蔬菜"),
    _farmland("JBNT-440106019-04", "渔沙坦村基本农田(南片)", "凤凰", "渔沙坦村", 0, -450, 80, "水稻"),
    _farmland("JBNT-440106018-01", "龙洞村基本农田(西片)", "龙洞", "龙洞村", -500, 200, 140, "蔬菜"),
    _farmland("JBNT-440106018-02", "龙洞村基本农田(北片)", "龙洞", "龙洞村", 0, 500, 120, "水稻"),
    _farmland("JBNT-440106018-03", "龙洞村基本农田(东片)", "龙洞", "龙洞村", 350, -100, 95, "蔬菜"),
    _farmland("JBNT-440106020-01", "珠村基本农田(一片)", "前进", "珠村", -350, 150, 130, "水稻"),
    _farmland("JBNT-440106020-02", "珠村基本农田(二片)", "前进", "珠村", 150, 350, 110, "蔬菜"),
    _farmland("JBNT-440106020-03", "珠村基本农田(三片)", "前进", "珠村", 200, -300, 90, "蔬菜"),
    _farmland("JBNT-440106001-01", "五山基本农田(华农试验田东片)", "五山", None, -300, 200, 70, "水稻"),
    _farmland("JBNT-440106001-02", "五山基本农田(华农试验田南片)", "五山", None, 250, -150, 54, "水稻"),
    _farmland("JBNT-440106022-01", "沐陂村基本农田", "新塘", "沐陂村", -400, -250, 55, "蔬菜"),
    _farmland("JBNT-440106022-02", "新塘村基本农田", "新塘", "新塘村", 350, -350, 45.57, "蔬菜"),
)

# 蟾蜍岗: one forest-supervision patch of 1.92 ha over three villages' land.
FOREST: tuple[DemoParcel, ...] = (
    _forest("SLDC-2021-440106022-01", "凌塘", 0, 250, 8_200.0),
    _forest("SLDC-2021-440106022-02", "新塘", 135, 335, 6_100.0),
    _forest("SLDC-2021-440106022-03", "沐陂", -125, 355, 4_900.0),
)

# Illegal-land cases sampled by the inspection; the last three were still occupied (5176.28 m²).
ILLEGAL: tuple[DemoParcel, ...] = (
    _illegal("WFYD-440106017-01", "石狮陇地块", "长兴", "岑村", 400, 300, 980.0, "没收地上建筑物"),
    _illegal("WFYD-440106018-01", "龙洞东路272号地块", "龙洞", "龙洞村", -300, -600, 2_436.50,
             "没收地上建筑物"),
    _illegal("WFYD-440106018-02", "华快三期西侧地块", "龙洞", "龙洞村", 500, -650, 1_852.34,
             "没收地上建筑物"),
    _illegal("WFYD-440106019-01", "柯木塱杨梅岭街5号-6号地块", "凤凰", "柯木塱村", -80, 80, 887.44,
             "没收地上建筑物"),
)

STORAGE = DemoParcel(
    "CBTD-440106017-01", "storage_plot", "长湴三鸟市场收储地块", "长兴", "长湴村", -300, -300, 28_000.0,
    {"custodian": "长兴街道办事处", "owner_agency": "天河区土地开发中心"}, 1.4,
)
TEMPORARY = DemoParcel(
    "LSYD-440106019-01", "temporary_land", "柯木塱南路35号临时用地", "凤凰", "柯木塱村", -300, -150,
    12_000.0, {"permit_no": "穗规划资源临〔2020〕35号", "reclaim_by": "2022-12-31", "owner": "广东省良种场"},
)

PARCELS: tuple[DemoParcel, ...] = (*FARMLAND, *FOREST, *ILLEGAL, STORAGE, TEMPORARY)
BY_CODE: dict[str, DemoParcel] = {p.code: p for p in PARCELS}


def _outline(parcel: DemoParcel) -> Polygon:
    """An irregular, star-shaped (so always valid) outline in EPSG:4547 metres, area ≈ 1 m²."""
    rng = np.random.default_rng(sum(parcel.code.encode()))
    count = int(rng.integers(6, 10))
    angles = np.sort(rng.uniform(0, 2 * np.pi, count) * 0.3 + np.linspace(0, 2 * np.pi, count,
                                                                           endpoint=False))
    radii = rng.uniform(0.85, 1.15, count)
    xs, ys = radii * np.cos(angles) * parcel.aspect, radii * np.sin(angles)
    shape = shapely.affinity.rotate(Polygon(zip(xs, ys, strict=True)), float(rng.uniform(0, 180)))
    return shapely.affinity.scale(shape, 1 / np.sqrt(shape.area), 1 / np.sqrt(shape.area),
                                  origin=(0, 0))


def _sized(parcel: DemoParcel, centre: shapely.Point) -> MultiPolygon:
    """The parcel in EPSG:4490, scaled about its centroid until its measured area is exact."""
    projected = shapely.affinity.translate(
        shapely.affinity.scale(_outline(parcel), np.sqrt(parcel.area_m2), np.sqrt(parcel.area_m2),
                               origin=(0, 0)),
        centre.x + parcel.east_m, centre.y + parcel.north_m,
    )
    for _ in range(10):
        stored = MultiPolygon([to_storage([projected], MEASURE_CRS)[0]])
        measured = float(areas_m2([stored])[0])
        if abs(measured - parcel.area_m2) < AREA_TOLERANCE_M2:
            return stored
        factor = np.sqrt(parcel.area_m2 / measured)
        projected = shapely.affinity.scale(projected, factor, factor, origin="centroid")
    raise RuntimeError(f"{parcel.code}: area did not converge")


def parcel_geometries() -> dict[str, MultiPolygon]:
    """Every demo parcel's geometry (EPSG:4490) by code, each inside its street, none overlapping."""
    streets = street_polygons()
    geoms: dict[str, MultiPolygon] = {}
    for parcel in PARCELS:
        street = BY_SHORT_NAME[parcel.street]
        seed = from_storage([shapely.Point(street.lon, street.lat)], MEASURE_CRS)[0]
        geom = _sized(parcel, seed)
        if not streets[street.code].contains(geom):
            raise RuntimeError(f"{parcel.code} is not inside {street.name}")
        clash = next((code for code, other in geoms.items() if other.intersects(geom)), None)
        if clash:
            raise RuntimeError(f"{parcel.code} overlaps {clash}")
        geoms[parcel.code] = geom
    return geoms


def parcel_layers(geoms: dict[str, MultiPolygon]) -> dict[str, gpd.GeoDataFrame]:
    """One layer per kind, with the fields the importer recognises and the kind's own properties."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    for kind in dict.fromkeys(p.kind for p in PARCELS):
        rows = [p for p in PARCELS if p.kind == kind]
        columns: dict[str, list[Any]] = {
            "code": [p.code for p in rows], "name": [p.name for p in rows],
            "street": [BY_SHORT_NAME[p.street].name for p in rows],
            "village": [p.village for p in rows],
        }
        for key in dict.fromkeys(k for p in rows for k in p.properties):
            columns[key] = [p.properties.get(key) for p in rows]
        layers[kind] = gpd.GeoDataFrame(columns, geometry=[geoms[p.code] for p in rows],
                                        crs=STORAGE_CRS)
    return layers


def write_parcels(path: Path, geoms: dict[str, MultiPolygon]) -> dict[str, str]:
    """Write one GeoPackage layer per kind; returns {kind: layer name} for `import_parcels`."""
    written = {}
    for kind, frame in parcel_layers(geoms).items():
        frame.to_file(path, driver="GPKG", layer=kind)
        written[kind] = kind
    return written


def representative_points(geoms: dict[str, MultiPolygon]) -> dict[str, tuple[float, float]]:
    """A point inside each parcel (lon, lat), where the demo's inspectors stand for GPS."""
    return {code: (round(p.x, 6), round(p.y, 6))
            for code, p in ((c, shapely.point_on_surface(g)) for c, g in geoms.items())}
