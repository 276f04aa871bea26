"""Fixtures for the export tests: a small Tianhe store with status worth exporting.

tests/conftest.py registers the `seeded` fixture for every test package (the
status export is tested from tests/cases too); test modules import only the
constants and `Seeded`. Geometry is exact in binary (multiples of 1/1024°), so "equal to
1e-9°" tests the writers, not float noise; one parcel has two parts, a hole
and a clockwise outer ring, to check that RFC 7946 output turns it around.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import shapely
from geoalchemy2.elements import WKTElement

from cases.models import Inspection, Issue
from geo.measure import areas_m2
from geo.store import Store
from layers.models import Parcel, Street

STEP = 1 / 1024  # about 100 m


def _box(col: int, row: int, size: int = 1) -> shapely.Polygon:
    x, y = 113.375 + col * STEP, 23.125 + row * STEP
    return shapely.box(x, y, x + size * STEP, y + size * STEP)


def _holed_clockwise() -> shapely.MultiPolygon:
    outer = _box(8, 0, 4)
    hole = _box(9, 1, 1)
    shell = shapely.Polygon(outer.exterior.coords[::-1] if outer.exterior.is_ccw
                            else outer.exterior.coords, [hole.exterior.coords])
    return shapely.MultiPolygon([shell, _box(14, 0)])


@dataclass(frozen=True)
class Seeded:
    """The parcels put in the store: geometry, area and expected status by code."""

    geoms: dict[str, shapely.MultiPolygon]
    areas: dict[str, float]
    status: dict[str, str]


PARCELS = (
    # code, kind, name, street, village, properties, geometry
    ("BF-001", "basic_farmland", "珠村农田一", "440106020", "珠村",
     {"red_line_id": "HX-01", "crop": "水稻"}, shapely.MultiPolygon([_box(0, 0)])),
    ("BF-002", "basic_farmland", "龙洞农田", "440106011", "龙洞村",
     {"red_line_id": "HX-02", "crop": "蔬菜"}, shapely.MultiPolygon([_box(2, 0)])),
    ("FP-001", "forest_patch", "蟾蜍岗", "440106011", "凌塘", {"patch_id": "LD-7",
     "supervision_year": 2021}, shapely.MultiPolygon([_box(4, 0, 2)])),
    ("SP-001", "storage_plot", "长湴三鸟市场", "440106020", None,
     {"custodian": "长兴街道办事处", "owner_agency": "区土地开发中心"}, _holed_clockwise()),
)
AS_OF = "2022-10-25"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def seeded(store: Store) -> Iterator[Seeded]:
    """Two streets, four parcels of three kinds, inspections in 2022 and one issue."""
    geoms = {code: geom for code, *_, geom in PARCELS}
    areas = {code: float(a) for code, a in zip(geoms, areas_m2(list(geoms.values())), strict=True)}
    with store.session() as session:
        session.add_all([
            Street(code="440106020", name="前进街道", short_name="前进", schematic=False),
            Street(code="440106011", name="龙洞街道", short_name="龙洞", schematic=False),
        ])
        session.flush()
        parcels = {}
        for code, kind, name, street, village, props, geom in PARCELS:
            parcels[code] = Parcel(code=code, kind=kind, name=name, street_code=street,
                                   village=village, geom=WKTElement(geom.wkt, srid=4490),
                                   area_m2=areas[code], properties=props)
        session.add_all(parcels.values())
        session.flush()
        session.add_all([
            Inspection(parcel_id=parcels["BF-001"].id, inspected_at=_at("2022-05-01T02:00"),
                       inspector="张三", sheds_count=3, sheds_area_m2=40.0, hardened_m2=120.0,
                       clothes_drying=True, note="窝棚住人, 晾晒衣物 <script>"),
            Inspection(parcel_id=parcels["BF-001"].id, inspected_at=_at("2022-09-20T03:00"),
                       inspector="张三", sheds_count=1, sheds_area_m2=10.0, demolished_count=2,
                       note="已拆除两间窝棚"),
            Inspection(parcel_id=parcels["BF-002"].id, inspected_at=_at("2022-10-01T01:00"),
                       inspector="李四", note="正常耕种"),
            Inspection(parcel_id=parcels["SP-001"].id, inspected_at=_at("2022-06-27T01:00"),
                       inspector="王五", note="砂石已清理"),
        ])
        issue = Issue(ref="2-1", category=2, title="基本农田窝棚整改", state="in_progress",
                      partner_departments=[])
        issue.parcels = [parcels["BF-001"]]
        session.add(issue)
    yield Seeded(geoms, areas, {"BF-001": "rectifying", "BF-002": "compliant",
                                "FP-001": "uninspected", "SP-001": "overdue"})
