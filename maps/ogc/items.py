"""A page of features: the SQL of a filtered, scoped, keyset-paged request, and its GeoJSON.

Pages follow the collection's key. A `next` link carries the last key of the
page (`after`), so the database seeks straight to the next one. A bare
`offset` seeks from a ladder of every 1,000th matching key, then skips fewer
than 1,000; the ladder and the count (`numberMatched`) take a scan of the
key's index each, so the adapter keeps them while the data and the minute
stay the same (`cached`). Parcels are read in two steps: the page's ids
first (a filter on today's status is SQL in that statement, `status_sql`),
then their status rows by the export's own statement
(`cases.status.summary_status_sql`) and row shaping (`export_rows`), so
status, findings and issues are exactly the export's as of a day; today's
page is one statement and no pandas (`today`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.photo_evidence import flag_texts
from cases.status.clock import instant_and_present
from cases.status.derive import derive_status, issue_links_frame, read_rows, status_frame
from cases.status.export_rows import export_rows
from cases.status.queries import summary_status_sql
from geo.dialects import select_dialect
from geo.errors import NotFoundError
from geo.orm import UTCDateTime
from layers.models import Parcel
from maps.ogc.collections import Collection
from maps.ogc.cql2 import Compiler, box_condition
from maps.ogc.crs import BadRequest, to_output
from maps.ogc.params import ItemsQuery
from maps.ogc.today import IssueCells, issue_cells, own_columns, page_features, page_statement, todays_status

WKB = "_wkb"
KEY = "_key"
StatusSets = Callable[[date | None], dict[str, list[int]]]  # as-of day -> status -> parcel ids
Links = Callable[[date | None], pd.DataFrame]  # as-of day -> `issue_links_frame` of that day
Cached = Callable[[tuple[str, ...], Callable[[], str]], str]  # key, build -> text kept per data version
LADDER_STEP = 1_000  # an offset seeks to the ladder's key below it, then skips fewer than this


@dataclass(frozen=True)
class Page:
    """One page: its features as a GeoJSON array (UTF-8), the count matched, and the last key."""

    features: bytes
    matched: int
    returned: int
    last_key: Any


def conditions(session: Session, collection: Collection, query: ItemsQuery, *,
               streets: Sequence[str] | None, status_sets: StatusSets | None,
               cached: Cached | None = None, status: sa.ColumnElement[str] | None = None) -> list[Any]:
    """The SQL conditions of the request: scope, bbox, filter (`status`: today's, when built already)."""
    dialect = session.get_bind().dialect.name
    found: list[Any] = []
    if streets is not None and collection.street is not None:
        found.append(collection.street.in_(list(streets)))
    if query.bbox is not None and collection.geometry is not None:
        if collection.spatial_index:
            found.append(box_condition(collection.spatial_index, dialect, query.bbox))
        else:
            envelope = sa.func.ST_GeomFromText(shapely.box(*query.bbox).wkt, 4490)
            found.append(sa.func.ST_Intersects(collection.geometry, envelope))
    if query.filter:
        compiler = Compiler(collection, dialect, query.filter_crs,
                            _status_condition(session, query, status_sets, cached, status)
                            if status_sets is not None else None)
        found.append(compiler.compile(query.filter))
    return found


def _status_condition(session: Session, query: ItemsQuery, status_sets: StatusSets, cached: Cached | None,
                      status: sa.ColumnElement[str] | None) -> Callable[[Sequence[str]], Any]:
    """Statuses -> "the parcel has one of them": for the present, today's status worked out in SQL
    beside the other conditions; for a past day, the ids of the parcels with such a status then."""
    dialect = session.get_bind().dialect.name
    instant, present = instant_and_present(query.as_of)
    if not present:
        def past(statuses: Sequence[str]) -> sa.ColumnElement[bool]:
            sets = status_sets(query.as_of)
            ids = [i for s in statuses for i in sets.get(s, ())]
            return select_dialect(dialect).member_of_many(Parcel.id, ids)
        return past

    def today(statuses: Sequence[str]) -> sa.ColumnElement[bool]:
        if status is not None:
            return status.in_(list(statuses))
        return todays_status(session, instant, todays_issues(session, cached)).in_(list(statuses))
    return today


def fetch_page(session: Session, collection: Collection, query: ItemsQuery, *, lang: str,
               streets: Sequence[str] | None, status_sets: StatusSets | None,
               feature_id: str | None = None, links: Links | None = None,
               cached: Cached | None = None) -> Page:
    """The page the request asks for (or the one feature), and how many features match in all."""
    instant, present = instant_and_present(query.as_of)
    cells = todays_issues(session, cached) if collection.kind is not None and present else None
    status = todays_status(session, instant, cells) if cells is not None else None
    where = conditions(session, collection, query, streets=streets, status_sets=status_sets, cached=cached,
                       status=status)
    if feature_id is not None:
        where.append(collection.key == _key_value(collection, feature_id, field="featureId"))
    key = collection.key
    build = cached if cached is not None and feature_id is None else _uncached
    asked = _request_key(collection, query, streets)
    matched = int(build(("ogc-count", *asked), lambda: str(_count(session, collection, where))))
    seek: list[Any] = []
    skip = query.offset
    if query.after is not None:
        seek.append(key > _key_value(collection, query.after, field="after"))
        skip = 0
    elif query.offset:
        rungs = json.loads(build(("ogc-ladder", *asked),
                                 lambda: json.dumps(_ladder(session, collection, where))))
        rung, skip = divmod(query.offset, LADDER_STEP)
        seek.append(key >= rungs[rung] if rung < len(rungs) else sa.false())
    names = list(dict.fromkeys(query.properties if query.properties is not None else collection.properties))
    if cells is not None and status is not None:
        statement = page_statement(session, collection, [*where, *seek], skip=skip, limit=query.limit,
                                   status=status)
        rows = session.execute(statement).all()
        features = page_features(session, rows, collection, names, lang=lang, instant=instant,
                                 cells=cells, crs=query.crs)
        return Page(features, matched, len(rows), rows[-1][1] if rows else None)
    if collection.kind is not None:
        ids = session.execute(collection.base(Parcel.id).where(*where, *seek)
                              .order_by(key).offset(skip).limit(query.limit)).scalars().all()
        frame = parcel_rows(session, collection.kind, list(ids), query.as_of, lang=lang, links=links)
    else:
        columns = [q.column.label(name) for name, q in collection.queryables.items()]
        if collection.geometry is not None:
            columns.append(sa.func.ST_AsBinary(collection.geometry, type_=sa.LargeBinary).label(WKB))
        statement = collection.base(key.label(KEY), *columns).where(*where, *seek).order_by(key)
        result = session.execute(statement.offset(skip).limit(query.limit))
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    features = geojson_features(frame, names, query)
    return Page(features, matched, len(frame), frame[KEY].iloc[-1] if len(frame) else None)


def todays_issues(session: Session, cached: Cached | None) -> IssueCells:
    """Today's issue cells of every parcel with issues, kept per data version and minute."""
    build = cached if cached is not None else _uncached
    instant, _ = instant_and_present(None)
    text = build(("ogc-issues",), lambda: issue_cells(session, instant).to_json().decode())
    return IssueCells.from_json(text)


def _uncached(key: tuple[str, ...], build: Callable[[], str]) -> str:
    return build()


def _request_key(collection: Collection, query: ItemsQuery, streets: Sequence[str] | None) -> tuple[str, ...]:
    """What decides which features match (not which page of them): the cache key of count and ladder."""
    return (collection.id, "*" if streets is None else ",".join(streets), repr(query.bbox),
            query.filter or "", query.filter_crs.uri, query.as_of.isoformat() if query.as_of else "now")


def _count(session: Session, collection: Collection, where: list[Any]) -> int:
    return int(session.scalar(collection.base(sa.func.count()).where(*where)) or 0)


def _ladder(session: Session, collection: Collection, where: list[Any]) -> list[Any]:
    """Every `LADDER_STEP`-th key of the matching features, in key order (one scan of the key's index)."""
    numbered = collection.base(collection.key.label("k"),
                               sa.func.row_number().over(order_by=collection.key).label("n")) \
        .where(*where).subquery()
    return list(session.execute(sa.select(numbered.c.k).where((numbered.c.n - 1) % LADDER_STEP == 0)
                                .order_by(numbered.c.k)).scalars().all())


def _key_value(collection: Collection, text: str, *, field: str) -> Any:
    if isinstance(collection.key.type, sa.Integer) or "\x00" in text:
        try:
            value = int(text)
            if abs(value) < 2**62:  # beyond, a bigint parameter would fail in the database
                return value
        except ValueError:
            pass
        if field == "featureId":
            raise NotFoundError(f"no feature {text[:40]!r} in {collection.id}", field=field)
        raise BadRequest(f"{field}: {text[:40]!r} is not a feature id", field=field)
    return text


def parcel_rows(session: Session, kind: str, ids: list[int], as_of: date | None, *,
                lang: str, links: Links | None = None) -> pd.DataFrame:
    """The export's columns for these parcels (in code order), status as of the day or now."""
    dialect = session.get_bind().dialect.name
    backend = select_dialect(dialect)
    names = own_columns(kind)
    own = "".join(f", {backend.json_member('p.properties', prop.name, prop.type)} AS {column}"
                  for column, prop in names)
    columns = (f", p.code AS {KEY}, p.code, p.name, st.name AS street_name, p.village{own}, "
               f"ST_AsBinary(p.geom) AS {WKB}")
    instant, present = instant_and_present(as_of)
    in_page, id_values = backend.member_of_many_sql("p.id", "ids", ids)  # one parameter, not 1,000
    sql = summary_status_sql(dialect, present=present, parcel_filter=f"AND {in_page}", columns=columns,
                             joins="LEFT JOIN streets st ON st.code = p.street_code", order_by="p.code")
    statement = sa.text(sql)
    params: dict[str, Any] = {"ids": id_values}
    if not present:
        statement = statement.bindparams(sa.bindparam("as_of", type_=UTCDateTime))
        params["as_of"] = instant
    issue_links = links(as_of) if links is not None else issue_links_frame(session, as_of=instant)
    frame = export_rows(read_rows(session, statement, params),
                        lambda rows: derive_status(rows, instant=instant, links=issue_links), lang)
    latest = frame["last_inspection_id"].dropna().astype(int).tolist()
    frame["photo_flags"] = frame["last_inspection_id"].map(flag_texts(session, latest, lang))
    return frame.reset_index(drop=True)


def geojson_features(frame: pd.DataFrame, names: list[str], query: ItemsQuery) -> bytes:
    """The features of a page as a JSON array (UTF-8): ids, geometries in the CRS asked, properties."""
    if frame.empty:
        return b"[]"
    # pandas writes each row's JSON in C, one line each: no Python object per value
    properties = (frame[names].to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
                  .splitlines() if names else ["{}"] * len(frame))
    ids = [json.dumps(v, ensure_ascii=False) for v in frame[KEY].tolist()]
    if WKB in frame:
        wkb = frame[WKB].map(lambda v: bytes(v) if v is not None else None).to_numpy()
        geometries = shapely.to_geojson(to_output(shapely.from_wkb(wkb), query.crs))
        geometries = ["null" if g is None else g for g in geometries]
    else:
        geometries = ["null"] * len(frame)
    return ("[" + ",".join(
        f'{{"type":"Feature","id":{i},"geometry":{g},"properties":{p}}}'
        for i, g, p in zip(ids, geometries, properties, strict=True)) + "]").encode()


def links_as_json(session: Session, as_of: date | None) -> str:
    """`issue_links_frame` of the day (or now) as JSON, for a cache of text."""
    instant, _ = instant_and_present(as_of)
    return issue_links_frame(session, as_of=instant).to_json(orient="split", index=False)


def links_from_json(text: str) -> pd.DataFrame:
    """`links_as_json` read back."""
    found = json.loads(text)
    return pd.DataFrame(found["data"], columns=found["columns"])


def parcels_by_status(session: Session, as_of: date | None) -> dict[str, list[int]]:
    """The ids of the parcels in each status, today or as of a day, by the existing as-of rules."""
    frame = status_frame(session, as_of=as_of)
    return {str(s): [int(i) for i in ids] for s, ids in frame.groupby("status").groups.items()}


def exists(session: Session, collection: Collection, feature_id: str) -> bool:
    """Whether the collection has this feature at all (whoever may see it)."""
    key = _key_value(collection, feature_id, field="featureId")
    return bool(session.scalar(collection.base(sa.func.count()).where(collection.key == key)))
