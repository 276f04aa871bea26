"""Reading parcels out of the store for listings, maps and exports."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import geopandas as gpd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.errors import NotFoundError
from geo.frames import read_geo_frame, wkb_column
from layers.models import Parcel, Street

PARCEL_COLUMNS = (
    "id", "code", "kind", "name", "street_code", "street_name", "village", "area_m2", "properties",
)


def _parcel_select() -> sa.Select[Any]:
    """Parcels with their street name and WKB geometry: `PARCEL_COLUMNS` and `wkb`."""
    return sa.select(
        Parcel.id, Parcel.code, Parcel.kind, Parcel.name, Parcel.street_code,
        Street.name.label("street_name"), Parcel.village, Parcel.area_m2, Parcel.properties,
        wkb_column(Parcel.geom),
    ).outerjoin(Street, Street.code == Parcel.street_code)


def parcels_frame(
    session: Session,
    *,
    street_codes: Collection[str] | None = None,
    kinds: Collection[str] | None = None,
    codes: Collection[str] | None = None,
    include_retired: bool = False,
) -> gpd.GeoDataFrame:
    """Parcels with their street name, as a GeoDataFrame in EPSG:4490, ordered by code.

    Columns: `PARCEL_COLUMNS` and `geometry`.
    """
    query = _parcel_select().order_by(Parcel.code)
    if street_codes is not None:
        query = query.where(Parcel.street_code.in_(list(street_codes)))
    if kinds is not None:
        query = query.where(Parcel.kind.in_(list(kinds)))
    if codes is not None:
        query = query.where(Parcel.code.in_(list(codes)))
    if not include_retired:
        query = query.where(Parcel.retired_at.is_(None))
    return read_geo_frame(session, query)


def streets_frame(session: Session) -> gpd.GeoDataFrame:
    """Streets as a GeoDataFrame in EPSG:4490 (geometry None where not imported)."""
    query = sa.select(
        Street.id, Street.code, Street.name, Street.short_name, Street.area_m2, Street.schematic,
        wkb_column(Street.geom),
    ).order_by(Street.code)
    return read_geo_frame(session, query)


def get_parcel(session: Session, code: str) -> Parcel:
    """The parcel with this business code, or an error suggesting near codes."""
    parcel = session.scalar(sa.select(Parcel).where(Parcel.code == code))
    if parcel is None:
        raise NotFoundError(f"no parcel {code!r}{_suggestions(session, code)}")
    return parcel


def _suggestions(session: Session, code: str) -> str:
    """`; did you mean A, B, C?` from the stored codes closest to `code`."""
    near = near_codes(session, code)
    return f"; did you mean {', '.join(near)}?" if near else ""


def near_codes(session: Session, code: str, street_codes: Collection[str] | None = None) -> list[str]:
    """Up to three stored parcel codes closest to `code`, only from these streets when given
    (a user is never offered codes they may not see)."""
    import difflib

    query = sa.select(Parcel.code)
    if street_codes is not None:
        query = query.where(Parcel.street_code.in_(list(street_codes)))
    return difflib.get_close_matches(code, session.scalars(query).all(), n=3, cutoff=0.5)
