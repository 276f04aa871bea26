"""The collections the API serves, described once: one per parcel kind, streets, inspections, issues.

Each names its key (the feature id and the keyset order), its queryables (the
only properties a filter may name, each a SQL column), its geometry and which
column scopes it to an inspector's streets. Parcel kinds list the export's
columns (`cases.status.export_rows.status_spec`) as their properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

from cases.models import Inspection, Issue
from cases.status.export_rows import status_spec
from cases.status.rules import STATUSES
from geo.errors import NotFoundError, PermissionDeniedError
from geo.i18n import NC_, translations
from layers.kinds import KIND_CONTEXT, KINDS
from layers.models import Parcel, Street
from maps.ogc.status_sql import SUMMARIES

GEOMETRY = "geometry"
STATUS = "status"  # derived, not stored: a filter on it is worked out in SQL (`status_sql`)
JSON_TYPES = {"str": "string", "float": "number", "int": "integer", "bool": "boolean", "datetime": "string"}


@dataclass(frozen=True)
class Queryable:
    """A property a filter may name: its SQL expression and JSON Schema type."""

    column: Any
    type: str  # string | number | integer | boolean | datetime
    values: tuple[str, ...] = ()  # an enumeration, where there is one


@dataclass(frozen=True)
class Collection:
    """One feature collection and how to query it."""

    id: str
    title: tuple[str, str]  # (context, English) message; its Chinese is in the catalogue
    key: Any  # the feature id, unique; pages follow its order
    queryables: dict[str, Queryable]
    geometry: Any | None = None
    spatial_index: str | None = None  # the table whose `geom` R-tree/GiST index a box filter uses
    street: Any | None = None  # an inspector sees only rows of their streets
    kind: str | None = None  # parcel kind
    readers: tuple[str, ...] = ("inspector", "manager", "analyst", "admin")
    joins: tuple[tuple[Any, Any], ...] = ()
    where: tuple[Any, ...] = ()

    @property
    def properties(self) -> tuple[str, ...]:
        """The property names of a feature, in order."""
        if self.kind is not None:
            return _parcel_properties(self.kind)
        return tuple(self.queryables)

    def title_in(self, lang: str) -> str:
        """The title in the language asked for."""
        return translations(lang).pgettext(*self.title)

    def base(self, *columns: Any) -> sa.Select:
        """A select of `columns` over this collection's rows (joins and fixed conditions applied)."""
        select = sa.select(*columns).select_from(self.key.table)
        for table, on in self.joins:
            select = select.outerjoin(table, on)
        return select.where(*self.where)


@cache
def _parcel_properties(kind: str) -> tuple[str, ...]:
    spec = status_spec([kind], lang="en", metadata={})
    return spec.layers[0].fields


def _parcel_collection(kind: str) -> Collection:
    meta = KINDS[kind]
    queryables = {
        "code": Queryable(Parcel.code, "string"), "name": Queryable(Parcel.name, "string"),
        "street_code": Queryable(Parcel.street_code, "string"),
        "street_name": Queryable(Street.name, "string"),
        "village": Queryable(Parcel.village, "string"), "area_m2": Queryable(Parcel.area_m2, "number"),
        STATUS: Queryable(None, "string", STATUSES),
    }
    return Collection(
        id=kind, title=(KIND_CONTEXT, meta.name_en), key=Parcel.code, queryables=queryables,
        geometry=Parcel.geom, spatial_index="parcels", street=Parcel.street_code, kind=kind,
        joins=((Street, Street.code == Parcel.street_code), (SUMMARIES, SUMMARIES.c.parcel_id == Parcel.id)),
        where=(Parcel.kind == kind, Parcel.retired_at.is_(None)),
    )


_INSPECTION_PARCEL = sa.orm.aliased(Parcel, name="ip")

COLLECTIONS: dict[str, Collection] = {
    **{kind: _parcel_collection(kind) for kind in KINDS},
    "streets": Collection(
        id="streets", title=NC_("collection", "Streets"), key=Street.code, geometry=Street.geom,
        spatial_index="streets", street=Street.code, queryables={
            "code": Queryable(Street.code, "string"), "name": Queryable(Street.name, "string"),
            "short_name": Queryable(Street.short_name, "string"),
            "area_m2": Queryable(Street.area_m2, "number"),
            "schematic": Queryable(Street.schematic, "boolean"),
        }),
    "inspections": Collection(
        id="inspections", title=NC_("collection", "Inspections"), key=Inspection.id,
        # the recorded GPS position, else a point on the parcel's surface
        geometry=sa.func.coalesce(Inspection.gps, sa.func.ST_PointOnSurface(_INSPECTION_PARCEL.geom)),
        street=_INSPECTION_PARCEL.street_code,
        joins=((_INSPECTION_PARCEL, _INSPECTION_PARCEL.id == Inspection.parcel_id),),
        queryables={
            "id": Queryable(Inspection.id, "integer"),
            "parcel_code": Queryable(_INSPECTION_PARCEL.code, "string"),
            "parcel_kind": Queryable(_INSPECTION_PARCEL.kind, "string", tuple(KINDS)),
            "street_code": Queryable(_INSPECTION_PARCEL.street_code, "string"),
            "inspected_at": Queryable(Inspection.inspected_at, "datetime"),
            "recorded_at": Queryable(Inspection.recorded_at, "datetime"),
            "inspector": Queryable(Inspection.inspector, "string"),
            "supersedes_id": Queryable(Inspection.supersedes_id, "integer"),
            "off_site": Queryable(Inspection.off_site, "boolean"),
            "sheds_count": Queryable(Inspection.sheds_count, "integer"),
            "hardened_m2": Queryable(Inspection.hardened_m2, "number"),
            "demolished_count": Queryable(Inspection.demolished_count, "integer"),
            "rebuilt_count": Queryable(Inspection.rebuilt_count, "integer"),
            "note": Queryable(Inspection.note, "string"),
        }),
    "issues": Collection(
        id="issues", title=NC_("collection", "Issues"), key=Issue.ref,
        readers=("manager", "analyst", "admin"), queryables={
            "ref": Queryable(Issue.ref, "string"), "category": Queryable(Issue.category, "integer"),
            "title": Queryable(Issue.title, "string"), "finding": Queryable(Issue.finding, "string"),
            "lead_department": Queryable(Issue.lead_department, "string"),
            "deadline": Queryable(Issue.deadline, "datetime"), "state": Queryable(Issue.state, "string"),
            "opened_on": Queryable(Issue.opened_on, "datetime"),
        }),
}


def get_collection(collection_id: str) -> Collection:
    """The collection, or 404."""
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFoundError(f"no collection {collection_id[:100]!r}", field="collectionId")
    return found


def check_reader(collection: Collection, role: str | None) -> None:
    """Refuse a role the collection is not for (a public collection is read with role None)."""
    if role is not None and role not in collection.readers:
        raise PermissionDeniedError(f"the {role} role may not read {collection.id}")
