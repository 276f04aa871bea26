"""Fixtures for the map tests: two streets with parcels, inspections and an issue.

Inserted through the ORM, on each backend, with the awkward cases a map must
survive: a note with markup in it, a schematic street, parcels never inspected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import shapely
from geoalchemy2.elements import WKTElement
from sqlalchemy.orm import Session

from cases.models import Inspection, Issue, IssueUpdate
from geo.measure import areas_m2
from geo.store import Store
from layers.models import Parcel, Street

QIANJIN = "440106020"
FENGHUANG = "440106013"
ORIGIN = (113.40, 23.13)  # in 前进街道
SIDE = 0.001  # ≈ 100 m
XSS_NOTE = "<script>alert(1)</script> 窝棚住人 & 晾衣"
XSS_NAME = '珠村<img src=x onerror="alert(2)">地块'
AS_OF = date(2022, 10, 25)


@dataclass(frozen=True)
class MapSample:
    """What the fixture stored: parcel codes by street, and the parcel with the nasty note."""

    codes: dict[str, list[str]]
    xss_code: str
    areas: dict[str, float]


def _multi(geom: shapely.Geometry) -> WKTElement:
    return WKTElement(shapely.MultiPolygon([geom]).wkt, srid=4490)


def _square(col: int, row: int, origin: tuple[float, float] = ORIGIN) -> shapely.Polygon:
    x, y = origin[0] + col * SIDE * 2, origin[1] + row * SIDE * 2
    return shapely.box(x, y, x + SIDE, y + SIDE)


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)


def add_sample(session: Session) -> MapSample:
    """Two streets; 前进 has six parcels of four kinds, 凤凰 (schematic) two."""
    session.add_all([
        Street(code=QIANJIN, name="前进街道", short_name="前进", schematic=False,
               geom=_multi(shapely.box(113.3995, 23.1295, 113.4115, 23.1345))),
        Street(code=FENGHUANG, name="凤凰街道", short_name="凤凰", schematic=True,
               geom=_multi(shapely.box(113.4195, 23.1795, 113.4255, 23.1835))),
    ])
    session.flush()
    specs = [
        (QIANJIN, "QJ-BF-001", "basic_farmland", XSS_NAME, _square(0, 0)),
        (QIANJIN, "QJ-BF-002", "basic_farmland", "珠村二号", _square(1, 0)),
        (QIANJIN, "QJ-BF-003", "basic_farmland", None, _square(2, 0)),
        (QIANJIN, "QJ-SP-001", "storage_plot", "长湴三鸟市场", _square(3, 0)),
        (QIANJIN, "QJ-FP-001", "forest_patch", "蟾蜍岗", _square(4, 0)),
        (QIANJIN, "QJ-IL-001", "illegal_land", "龙洞东路272号", _square(5, 1)),
        (FENGHUANG, "FH-BF-001", "basic_farmland", "柯木塱", _square(0, 0, (113.42, 23.18))),
        (FENGHUANG, "FH-TL-001", "temporary_land", "柯木塱南路35号", _square(1, 0, (113.42, 23.18))),
    ]
    parcels: dict[str, Parcel] = {}
    areas = dict(zip([s[1] for s in specs], areas_m2([s[4] for s in specs]), strict=True))
    for street, code, kind, name, geom in specs:
        parcels[code] = Parcel(
            code=code, kind=kind, name=name, street_code=street, village="珠村",
            geom=_multi(geom), area_m2=float(areas[code]), properties={},
        )
    session.add_all(parcels.values())
    session.flush()
    session.add_all([
        Inspection(parcel_id=parcels["QJ-BF-001"].id, inspected_at=_at("2022-06-01"),
                   inspector="张三", sheds_count=3, sheds_area_m2=120.0, hardened_m2=200.0,
                   clothes_drying=True, note=XSS_NOTE),
        Inspection(parcel_id=parcels["QJ-BF-002"].id, inspected_at=_at("2022-06-01"),
                   inspector="张三", sheds_count=2, hardened_m2=80.0),
        Inspection(parcel_id=parcels["QJ-BF-002"].id, inspected_at=_at("2022-09-20"),
                   inspector="李四", demolished_count=2, rebuilt_count=1, replanted_m2=50.0),
        Inspection(parcel_id=parcels["QJ-SP-001"].id, inspected_at=_at("2022-10-01"),
                   inspector="李四"),
        Inspection(parcel_id=parcels["FH-BF-001"].id, inspected_at=_at("2022-10-10"),
                   inspector="王五", debris=True),
    ])
    issue = Issue(ref="2-1", category=2, title="基本农田<b>窝棚</b>整治", state="in_progress",
                  parcels=[parcels["QJ-BF-001"], parcels["QJ-BF-002"]])
    session.add(issue)
    session.flush()
    session.add(IssueUpdate(issue_id=issue.id, on=date(2022, 9, 1), state="in_progress",
                            text="推进中", author="test"))
    return MapSample(
        codes={
            QIANJIN: [s[1] for s in specs if s[0] == QIANJIN],
            FENGHUANG: [s[1] for s in specs if s[0] == FENGHUANG],
        },
        xss_code="QJ-BF-001",
        areas={code: float(a) for code, a in areas.items()},
    )


@pytest.fixture
def sample(store: Store) -> Iterator[MapSample]:
    """The sample streets and parcels in a fresh store on each backend."""
    with store.session() as session:
        made = add_sample(session)
    yield made
