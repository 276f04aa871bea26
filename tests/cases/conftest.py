"""Fixtures for the cases tests: a street with a few parcels of each kind, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import shapely
import sqlalchemy as sa
from geoalchemy2.elements import WKTElement
from sqlalchemy.orm import Session

from cases.status.summaries import refresh_summaries
from geo.measure import areas_m2
from geo.store import Store
from layers.models import Parcel, Street

# Small squares in 前进街道 (about 113.40°E, 23.13°N), 0.001° ≈ 100 m a side.
ORIGIN = (113.40, 23.13)
SIDE = 0.001


@dataclass(frozen=True)
class Site:
    """A parcel made for a test: its code, id and area."""

    code: str
    id: int
    area_m2: float
    kind: str


def square(index: int) -> shapely.MultiPolygon:
    """The index-th test square, side by side eastwards with gaps."""
    x = ORIGIN[0] + index * SIDE * 3
    return shapely.MultiPolygon([shapely.box(x, ORIGIN[1], x + SIDE, ORIGIN[1] + SIDE)])


def add_parcels(session: Session, specs: list[tuple[str, str]], street: str = "440106020") -> dict[str, Site]:
    """Add parcels (code, kind) in one street; returns them by code."""
    if session.get(Street, 1) is None and not session.query(Street).filter_by(code=street).count():
        session.add(Street(code=street, name="前进街道", short_name="前进", schematic=False))
        session.flush()
    sites: dict[str, Site] = {}
    start = session.query(Parcel).count()
    for offset, (code, kind) in enumerate(specs):
        geom = square(start + offset)
        area = float(areas_m2([geom])[0])
        parcel = Parcel(
            code=code,
            kind=kind,
            name=code,
            street_code=street,
            village="珠村",
            geom=WKTElement(geom.wkt, srid=4490),
            area_m2=area,
            properties={},
        )
        session.add(parcel)
        session.flush()
        sites[code] = Site(code, parcel.id, area, kind)
    return sites


def stored_summaries(store: Store) -> list[tuple]:
    """The rows of parcel_summaries, by parcel."""
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM parcel_summaries ORDER BY parcel_id"))]


def rebuilt_summaries(store: Store) -> list[tuple]:
    """The summaries worked out afresh from every record, in a transaction that is rolled back."""
    with store.engine.connect() as conn, conn.begin() as transaction:
        refresh_summaries(conn)
        rows = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM parcel_summaries ORDER BY parcel_id"))]
        transaction.rollback()
    return rows


@pytest.fixture
def sites(store: Store) -> Iterator[dict[str, Site]]:
    """Four parcels in 前进街道: two farmland, a storage plot, a forest patch."""
    with store.session() as session:
        made = add_parcels(
            session,
            [
                ("QJ-001", "basic_farmland"),
                ("QJ-002", "basic_farmland"),
                ("QJ-003", "storage_plot"),
                ("QJ-004", "forest_patch"),
            ],
        )
    yield made
