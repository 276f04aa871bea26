"""Today's page of parcels without pandas: one statement gives the export's columns and status,
Python only formats its tuples, orjson writes them.

Why two paths: today's status is a function of the stored summary, so SQL
(`status_sql`) works it out per row of the page; a past day's (`datetime`) needs
the history replayed (`cases.status`), so those pages keep the export's pandas
shaping (`items.parcel_rows`). tests/maps/ogc/test_today.py holds the two to the same features.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.models import PhotoFlag
from cases.photo_evidence import flag_texts
from cases.rules import FINDINGS
from cases.status.derive import issue_columns, issue_links_frame
from cases.status.rules import STATUS_LABELS
from geo.dialects import select_dialect
from geo.units import M2_PER_MU
from layers.kinds import KINDS
from layers.models import Parcel, Street
from maps.ogc.collections import COLLECTIONS, Collection
from maps.ogc.crs import Crs, to_output
from maps.ogc.status_sql import SUMMARIES, status_expression

DIGITS = 10  # the decimals pandas' JSON writer (the export-row path) keeps of a float


@dataclass(frozen=True)
class IssueCells:
    """Per parcel with issues: its `open_issue_refs` and `issue_states` cells, as the export writes them."""

    cells: dict[int, tuple[str, str]]

    @property
    def open_ids(self) -> list[int]:
        """The parcels with an open issue (their status may be rectifying)."""
        return [pid for pid, (open_refs, _) in self.cells.items() if open_refs]

    def to_json(self) -> bytes:
        """As text for a cache of bodies."""
        return orjson.dumps([[pid, *cell] for pid, cell in self.cells.items()])

    @classmethod
    def from_json(cls, text: str | bytes) -> IssueCells:
        """`to_json` read back."""
        return cls({int(pid): (refs, states) for pid, refs, states in orjson.loads(text)})


def issue_cells(session: Session, instant: datetime) -> IssueCells:
    """The issue cells of every parcel linked to an issue open by the instant (`cases.status`'s own)."""
    links = issue_links_frame(session, as_of=instant)
    frame = issue_columns(links, pd.Index(links["parcel_id"].unique()))
    return IssueCells({int(pid): (refs, states) for pid, refs, states in frame.itertuples()})


def own_columns(kind: str) -> list[tuple[str, Any]]:
    """The kind's own properties as the export names its columns (the last of its fields)."""
    properties = KINDS[kind].properties
    fields = COLLECTIONS[kind].properties
    return list(zip(fields[len(fields) - len(properties):], properties, strict=True)) if properties else []


def todays_status(session: Session, instant: datetime, cells: IssueCells) -> sa.ColumnElement[str]:
    """Today's status of `parcels` LEFT JOIN `parcel_summaries` (built once a request: a filter
    on status and the page's status column are the same expression)."""
    backend = select_dialect(session.get_bind().dialect.name)
    return status_expression(instant=instant, open_issue=backend.member_of_many(Parcel.id, cells.open_ids))


def page_statement(session: Session, collection: Collection, where: Sequence[Any], *, skip: int, limit: int,
                   status: sa.ColumnElement[str]) -> sa.Select:
    """The page's rows: parcel, street, stored summary, today's status, own properties, WKB, by key."""
    assert collection.kind is not None
    backend = select_dialect(session.get_bind().dialect.name)
    s = SUMMARIES.c
    # flags are rare: the page asks for the texts of the flagged records only (often none)
    flagged = sa.exists().where(PhotoFlag.inspection_id == s.last_inspection_id)
    own = [sa.literal_column(backend.json_member("parcels.properties", prop.name, prop.type)).label(name)
           for name, prop in own_columns(collection.kind)]
    columns = [Parcel.id, Parcel.code, Parcel.kind, Parcel.name, Parcel.street_code, Street.name,
               Parcel.village, Parcel.area_m2, status.label("status"), s.last_inspected_at,
               s.inspections_count, s.last_inspection_id, *(s[f.name] for f in FINDINGS), s.note,
               s.demolished_total, s.rebuilt_total, flagged, *own,
               sa.func.ST_AsBinary(Parcel.geom, type_=sa.LargeBinary)]
    return (collection.base(*columns).where(*where).order_by(collection.key).offset(skip).limit(limit))


def _floats(values: Sequence[float | None]) -> list[float | None]:
    """Rounded as the export-row path writes them; None where missing or NaN. A column at a
    time, without a call per value: a page is some 30,000 values."""
    return [None if v is None or v != v else round(float(v), DIGITS) for v in values]


def _instant_texts(values: Sequence[datetime | None]) -> list[str | None]:
    """As pandas writes a UTC timestamp: milliseconds (cut, not rounded), Z."""
    return [None if v is None else v.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
            for v in values]


def _days_since(instant: datetime, values: Sequence[datetime | None]) -> list[float | None]:
    """Whole days from each time to the instant, rounded down (a timedelta's own days)."""
    return [None if v is None else float((instant - v).days) for v in values]


_CONVERT: dict[str, Callable[[Sequence[Any]], list[Any]]] = {
    "count": lambda vs: [None if v is None else int(v) for v in vs], "area": _floats,
    "flag": lambda vs: [None if v is None else bool(v) for v in vs]}


def page_features(session: Session, rows: Sequence[Sequence[Any]], collection: Collection,
                  names: Sequence[str], *, lang: str, instant: datetime, cells: IssueCells,
                  crs: Crs) -> bytes:
    """The rows of `page_statement` as a JSON array of GeoJSON features with the export's columns."""
    if not rows:
        return b"[]"
    assert collection.kind is not None
    (ids, codes, kinds, parcel_names, streets, street_names, villages, areas, statuses, inspected,
     counts, latest, *rest) = zip(*rows, strict=True)
    findings, rest = rest[:len(FINDINGS)], rest[len(FINDINGS):]
    notes, demolished, rebuilt, flagged, *own, wkb = rest
    label = {s: labels[lang != "zh"] for s, labels in STATUS_LABELS.items()}
    asked = [i for i, has in zip(latest, flagged, strict=True) if has]
    flags = flag_texts(session, asked, lang) if asked else {}
    none = ("", "")
    issues = [cells.cells.get(pid, none) for pid in ids]
    columns: dict[str, Sequence[Any]] = {
        "code": codes, "kind": kinds, "name": parcel_names, "street_code": streets,
        "street_name": street_names, "village": villages, "area_m2": _floats(areas),
        "area_mu": _floats([None if a is None else a / M2_PER_MU for a in areas]), "status": statuses,
        "status_label": [label[s] for s in statuses],
        "last_inspected_at": _instant_texts(inspected), "days_since": _days_since(instant, inspected),
        "inspections_count": [c or 0 for c in counts], "last_inspection_id": latest,
        **{f.name: _CONVERT[f.kind](found) for f, found in zip(FINDINGS, findings, strict=True)},
        "last_note": notes, "demolished_total": [d or 0 for d in demolished],
        "rebuilt_total": [r or 0 for r in rebuilt], "open_issue_refs": [i[0] for i in issues],
        "issue_states": [i[1] for i in issues], "photo_flags": [flags.get(i) for i in latest],
        **{name: values for (name, _), values in zip(own_columns(collection.kind), own, strict=True)},
    }
    geometries = shapely.to_geojson(to_output(shapely.from_wkb(list(wkb)), crs))
    properties = zip(*(columns[n] for n in names), strict=True) if names else [()] * len(rows)
    return orjson.dumps([
        {"type": "Feature", "id": code, "geometry": None if g is None else orjson.Fragment(g),
         "properties": dict(zip(names, values, strict=True))}
        for code, g, values in zip(codes, geometries, properties, strict=True)])
