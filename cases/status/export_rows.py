"""The parcel status table that analysts export: parcels joined with their status as of a date.

Layering: the writers in `layers.export_*` know formats, not status; this
module knows what a row means (status, findings, issues, the kind's own
properties), describes it once as an `ExportSpec`, streams it in chunks, and
hands both to `layers.export_write.write_export`. It lives in `cases`
because status does; the CLI and the web app both call `export_status`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from cases.photo_evidence import flag_texts
from cases.rules import FINDINGS
from cases.status.clock import LOCAL_TZ, check_as_of_day, instant_and_present, parse_date, resolve_as_of
from cases.status.derive import derive_status, district_status_table, issue_links_frame
from cases.status.queries import summary_status_sql
from cases.status.rules import STATUS_BY_CODE, STATUSES
from geo.audit import default_actor, record
from geo.child_reader import ChildReader
from geo.dialects import dialect_of
from geo.errors import InputError
from geo.i18n import NC_, translations
from geo.local_time import local_iso
from geo.orm import utc_now
from geo.store import Store
from geo.units import M2_PER_MU
from layers.export_spec import (
    WKB,
    Category,
    CategoryStyle,
    ExportOptions,
    ExportResult,
    ExportSpec,
    Field,
    LayerSpec,
    Progress,
    prefetched,
)
from layers.export_write import check_export, write_export
from layers.fields import declare_derived
from layers.kinds import KINDS, ParcelKind, get_kind
from layers.models import Parcel
from layers.streets import street_codes

# Parcels read, converted and written per step: large enough that per-chunk
# overhead vanishes, small enough (a few MB of geometry) to keep memory flat.
CHUNK = 10_000


def _labelled(columns: tuple[tuple[str, str, tuple[str, str]], ...]) -> tuple[tuple[str, str, str, str], ...]:
    """(name, type, Chinese header, English header) of columns declared with their English header.

    The Chinese header is the catalogue's (`geo.i18n`), under the "export column" context.
    """
    chinese = translations("zh")
    return tuple((name, type_, chinese.pgettext(*label), label[1]) for name, type_, label in columns)


_COMMON: tuple[tuple[str, str, str, str], ...] = _labelled((
    ("code", "str", NC_("export column", "Code")),
    ("kind", "str", NC_("export column", "Kind")),
    ("name", "str", NC_("export column", "Name")),
    ("street_code", "str", NC_("export column", "Street code")),
    ("street_name", "str", NC_("export column", "Street")),
    ("village", "str", NC_("export column", "Village")),
    ("area_m2", "float", NC_("export column", "Area (m²)")),
    ("area_mu", "float", NC_("export column", "Area (mu)")),
    ("status", "str", NC_("export column", "Status code")),
    ("status_label", "str", NC_("export column", "Status")),
    ("last_inspected_at", "datetime", NC_("export column", "Last inspected (Beijing time)")),
    ("days_since", "int", NC_("export column", "Days since inspected")),
    ("inspections_count", "int", NC_("export column", "Inspections")),
    ("last_inspection_id", "int", NC_("export column", "Last inspection id")),
))
_TAIL: tuple[tuple[str, str, str, str], ...] = _labelled((
    ("last_note", "str", NC_("export column", "Last note")),
    ("demolished_total", "int", NC_("export column", "Demolished in all")),
    ("rebuilt_total", "int", NC_("export column", "Rebuilt in all")),
    ("open_issue_refs", "str", NC_("export column", "Open issues")),
    ("issue_states", "str", NC_("export column", "Issues and states")),
    ("photo_flags", "str", NC_("export column", "Last record's photo flags")),
))
# Shapefile names (at most 10 characters) of the columns whose names are longer.
_SHORT = {
    "street_code": "street_cd", "street_name": "street_nm", "status_label": "status_lbl",
    "last_inspected_at": "last_insp", "inspections_count": "insp_count", "last_inspection_id": "insp_id",
    "sheds_count": "sheds", "sheds_area_m2": "sheds_m2", "clothes_drying": "clothes", "cars_parked": "cars",
    "hardened_m2": "harden_m2", "demolished_count": "demolished", "rebuilt_count": "rebuilt",
    "abandoned_m2": "abandon_m2", "machinery_count": "machinery", "vehicles_count": "vehicles",
    "replanted_m2": "replant_m2", "demolished_total": "demol_all", "rebuilt_total": "rebuil_all",
    "open_issue_refs": "open_issue", "issue_states": "issues", "red_line_id": "red_line",
    "supervision_year": "superv_yr", "owner_agency": "owner_agcy", "photo_flags": "photo_flag",
}
_FINDING_TYPES = {"count": "int", "area": "float", "flag": "bool"}
_COMMON_NAMES = frozenset(c[0] for c in _COMMON + _TAIL) | {f.name for f in FINDINGS}
_PARCEL_SQL_COLUMNS = ("kind", "street_code", "area_m2")  # in every status row too


def _headers(name: str, label_zh: str, label_en: str) -> tuple[str, ...]:
    """Every header a derived column has in some export: name, labels, Shapefile name."""
    return (name, label_zh, label_en, _SHORT.get(name, name))


declare_derived(h for c in (*_COMMON, *_TAIL) for h in _headers(c[0], c[2], c[3]))
declare_derived(h for f in FINDINGS for h in _headers(f.name, f.label_zh, f.label_en))
_WORDS: dict[str, tuple[str, str]] = {
    "summary": NC_("export", "Summary"), "rows": NC_("export", "Parcels"), "total": NC_("export", "Total"),
    "title": NC_("export", "Title"), "as_of": NC_("export", "As of"),
    "exported_at": NC_("export", "Exported at"), "source": NC_("export", "Source"),
    "filters": NC_("export", "Filters"), "crs": NC_("export", "CRS"),
}


@dataclass(frozen=True)
class StatusQuery:
    """Which parcels to export and as of when (`--kind`, `--street`, `--status`, `--as-of`)."""

    kinds: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    as_of: str | date | None = None


@dataclass(frozen=True)
class _Resolved:
    kinds: tuple[str, ...]
    street_codes: tuple[str, ...] | None
    statuses: tuple[str, ...]
    as_of_day: date | None


def export_status(
    store: Store, out: Path, query: StatusQuery, options: ExportOptions, *, lang: str = "en",
    progress: Progress | None = None, on_total: Progress | None = None, actor: str | None = None,
) -> ExportResult:
    """Export parcel status to `out` and record the export in the audit log.

    Options and output path are checked before the database is read, so a bad
    path fails in a second, not after a long query. The rows come from the
    store's reader (a replica, when one is configured); the audit entry goes to the primary.
    """
    options = check_export(out, options)
    with store.reader().session() as session:
        resolved = _resolve(session, query)
        spec = status_spec(resolved.kinds, lang=lang,
                           metadata=_metadata(store, resolved, query, options, lang))
        if on_total:
            on_total(_count(session, resolved))
        chunks = prefetched(status_chunks(session, resolved, lang=lang))
        result = write_export(out, chunks, spec, options, progress=progress)
    with store.session() as session:
        record(session, actor=actor or default_actor(), action="export", entity="parcels",
               key=out.name, detail={
                   "path": str(out), "format": result.fmt, "crs": result.crs, "rows": result.rows,
                   "as_of": spec.metadata["as_of"],
                   "kinds": list(resolved.kinds), "streets": list(resolved.street_codes or ()),
                   "statuses": list(resolved.statuses),
               })
    return result


def status_spec(kinds: Sequence[str], *, lang: str, metadata: dict[str, str]) -> ExportSpec:
    """The export's columns, one layer per kind (common columns, then the kind's own)."""
    zh = lang == "zh"

    def field(name: str, type_: str, label_zh: str, label_en: str) -> Field:
        return Field(name, type_, label_zh if zh else label_en, _SHORT.get(name))  # type: ignore[arg-type]

    findings = tuple(field(f.name, _FINDING_TYPES[f.kind], f.label_zh, f.label_en) for f in FINDINGS)
    fields: list[Field] = [*(field(*c) for c in _COMMON), *findings, *(field(*c) for c in _TAIL)]
    common = tuple(f.name for f in fields)
    layers = []
    for code in kinds:
        kind = KINDS[code]
        own = []
        for prop in kind.properties:
            name = _property_column(prop.name, common)
            if name not in {f.name for f in fields}:
                type_ = {int: "int", float: "float", bool: "bool"}.get(prop.type, "str")
                fields.append(field(name, type_, prop.label_zh, prop.label_en))
            own.append(name)
        layers.append(LayerSpec(code, kind.label(lang), (*common, *own)))
    categories = tuple(Category(s.code, s.label(lang), s.color) for s in STATUS_BY_CODE.values())
    words = translations(lang)
    return ExportSpec(
        title=words.pgettext("export", "Parcel status"), fields=tuple(fields), layers=tuple(layers),
        layer_column="kind", style=CategoryStyle("status", categories), measures=("area_m2", "area_mu"),
        metadata=metadata, words={key: words.pgettext(*word) for key, word in _WORDS.items()},
    )


def status_chunks(session: Session, query: _Resolved, *, lang: str = "en") -> Iterator[pd.DataFrame]:
    """Export rows, one kind at a time and at most `CHUNK` parcels at a time, in EPSG:4490.

    One streamed statement per kind reads its parcels in (kind, code) index
    order, so memory holds one chunk whatever the size of the export. For the
    present each row carries its stored summary and status is derived chunk by
    chunk; for a past day the status of every parcel is worked out once, by
    each backend's fastest statement, and joined to the chunks.
    """
    instant, present = instant_and_present(query.as_of_day)
    statements = [_statement(session, query, KINDS[kind], with_summary=present) for kind in query.kinds]
    # Two children (on PostgreSQL): the server works out one kind while the rows of the one
    # before are written.
    with ChildReader(session, statements, chunk=CHUNK, children=2) as reader:
        if present:
            links = issue_links_frame(session, as_of=instant)

            def with_status(frame: pd.DataFrame) -> pd.DataFrame:
                return derive_status(frame, instant=instant, links=links)
        else:
            past = district_status_table(session, as_of=instant).drop(columns=list(_PARCEL_SQL_COLUMNS))

            def with_status(frame: pd.DataFrame) -> pd.DataFrame:
                return frame.join(past)
        flags = flag_texts(session, None, lang)
        for _kind in query.kinds:
            for batch in reader.batches():
                frame = export_rows(batch.to_pandas(), with_status, lang)
                frame["photo_flags"] = frame["last_inspection_id"].map(flags)
                yield frame[frame["status"].isin(query.statuses)] if query.statuses else frame


def _own_columns(kind: ParcelKind) -> dict[str, tuple[str, type]]:
    """The kind's properties as export columns: column name -> (property name, type)."""
    return {_property_column(prop.name, _COMMON_NAMES): (prop.name, prop.type) for prop in kind.properties}


def _statement(session: Session, query: _Resolved, kind: ParcelKind, *, with_summary: bool) -> sa.TextClause:
    """Parcels of the kind (in the streets) with their own attributes (and stored summary), by code.

    The kind's properties are taken out of the JSON column in SQL: decoding the
    JSON of 100,000 rows in Python costs more than the rest of the row.
    """
    in_streets = query.street_codes is not None
    backend = dialect_of(session)
    own = "".join(f", {backend.json_member('p.properties', name, type_)} AS {column}"
                  for column, (name, type_) in _own_columns(kind).items())
    columns = f", p.code, p.name, st.name AS street_name, p.village{own}, ST_AsBinary(p.geom) AS {WKB}"
    joins = "LEFT JOIN streets st ON st.code = p.street_code"
    parcel_filter = "AND p.kind = :kind" + (" AND p.street_code IN :streets" if in_streets else "")
    if with_summary:
        sql = summary_status_sql(session.get_bind().dialect.name, present=True, parcel_filter=parcel_filter,
                                 columns=columns, joins=joins, order_by="p.code")
    else:
        sql = (f"SELECT p.id AS parcel_id, {', '.join(f'p.{c}' for c in _PARCEL_SQL_COLUMNS)}{columns} "
               f"FROM parcels p {joins} WHERE p.retired_at IS NULL {parcel_filter} ORDER BY p.code")
    statement = sa.text(sql).bindparams(kind=kind.code)
    if in_streets:
        streets = list(query.street_codes or ())
        statement = statement.bindparams(sa.bindparam("streets", streets, expanding=True, type_=sa.String))
    return statement


def _count(session: Session, query: _Resolved) -> int:
    """How many parcels the export will read (before any status filter), for the progress bar."""
    select = sa.select(sa.func.count()).select_from(Parcel).where(
        Parcel.retired_at.is_(None), Parcel.kind.in_(query.kinds))
    if query.street_codes is not None:
        select = select.where(Parcel.street_code.in_(query.street_codes))
    return int(session.execute(select).scalar_one())


def export_rows(raw: pd.DataFrame, with_status: Callable[[pd.DataFrame], pd.DataFrame],
                lang: str) -> pd.DataFrame:
    """Statement rows (with `parcel_id`) as export rows, with their status; shapes stay WKB.

    The export's chunks and the OGC API's pages (`maps.ogc.items`) both shape rows here,
    so a feature's properties are the export's columns.
    """
    frame = with_status(raw.set_index("parcel_id")).rename(columns={"note": "last_note"})
    frame["area_mu"] = frame["area_m2"] / M2_PER_MU
    frame["status_label"] = frame["status"].map({s.code: s.label(lang) for s in STATUS_BY_CODE.values()})
    frame["days_since"] = np.floor(frame["days_since"].astype(float))
    return frame


def _property_column(name: str, taken: Sequence[str] | set[str]) -> str:
    """A kind's property keeps its name unless a common column has it already."""
    return f"p_{name}" if name in taken else name


def _resolve(session: Session, query: StatusQuery) -> _Resolved:
    asked = {get_kind(k).code for k in query.kinds}
    kinds = tuple(k for k in KINDS if k in asked) or tuple(KINDS)  # layers in registry order
    codes = tuple(street_codes(session, query.streets)) if query.streets else None
    for status in query.statuses:
        if status not in STATUSES:
            raise InputError(f"--status: unknown status {status!r}; known: {', '.join(STATUSES)}")
    day = parse_date(query.as_of, field="--as-of") if query.as_of is not None else None
    if day is not None:
        check_as_of_day(day, field="--as-of")
    return _Resolved(kinds, codes, tuple(dict.fromkeys(query.statuses)), day)


def _metadata(store: Store, query: _Resolved, raw: StatusQuery, options: ExportOptions,
              lang: str) -> dict[str, str]:
    keys = ("title", "as_of", "exported_at", "source", "filters", "crs")
    instant: datetime = resolve_as_of(query.as_of_day)
    as_of = (query.as_of_day.isoformat() if query.as_of_day
             else instant.astimezone(LOCAL_TZ).isoformat(timespec="seconds"))
    filters = "; ".join(f"{name}={','.join(values)}" for name, values in (
        ("kind", raw.kinds), ("street", raw.streets), ("status", raw.statuses)) if values)
    source = make_url(store.url).render_as_string(hide_password=True)
    values = ("地块状态" if lang == "zh" else "Parcel status", as_of,
              local_iso(utc_now()), f"landpatrol {source}", filters or "-",
              "GCJ-02" if options.crs == "gcj02" else str(options.crs))
    return dict(zip(keys, values, strict=True))
