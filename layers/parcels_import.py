"""Import parcels from a GIS file: one transaction, a report, old geometry kept as history."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype
from sqlalchemy.orm import Session

from geo.audit import record
from geo.collections_pause import fewer_collections
from geo.crs import STORAGE_EPSG
from geo.dialects import LOOKUP_CHUNK, select_dialect
from geo.errors import InputError
from geo.frames import wkb_column
from geo.orm import utc_now
from geo.prefetch import prefetched
from geo.store import Store
from geo.text import CONTROL_CLASS, control_message
from layers.fields import FieldMap, map_fields
from layers.import_report import ImportReport, OnInvalid
from layers.kinds import ParcelKind, get_kind
from layers.models import PARCEL_CODE_MAX_LENGTH, ImportRun, Parcel, Street
from layers.prepare import PreparedGeometry, Triage, clean_texts, prepare_polygons
from layers.readers import ReadResult, read_layer, read_layer_chunks
from layers.spatial_join import dominant_overlap
from layers.streets import short_name

Progress = Callable[[str, int, int], None]
CHUNK = 100_000  # rows read, checked and written at a time: memory stays flat however long the file
INSERT_COLUMNS = (
    "code", "kind", "name", "street_code", "village", "area_m2", "properties", "import_id",
    "created_at", "updated_at",
)


@dataclass(frozen=True)
class ReadOptions:
    """How to read the source file (`--layer`, `--encoding`, `--crs`, CSV columns)."""

    layer: str | None = None
    encoding: str | None = None
    crs: str | None = None
    wkt_field: str | None = None
    lon_field: str | None = None
    lat_field: str | None = None

    def read(self, path: Path) -> ReadResult:
        """Read the file with these options."""
        return read_layer(
            path, layer=self.layer, encoding=self.encoding, crs=self.crs,
            wkt_field=self.wkt_field, lon_field=self.lon_field, lat_field=self.lat_field,
        )

    def chunks(self, path: Path, rows: int) -> Iterator[ReadResult]:
        """Read the file with these options, `rows` features at a time."""
        return read_layer_chunks(
            path, rows=rows, layer=self.layer, encoding=self.encoding, crs=self.crs,
            wkt_field=self.wkt_field, lon_field=self.lon_field, lat_field=self.lat_field,
        )


@dataclass(frozen=True)
class FieldOptions:
    """Which source fields hold the code, name, street and village (None: recognise them)."""

    code: str | None = None
    name: str | None = None
    street: str | None = None
    village: str | None = None


def import_parcels(
    store: Store, path: str | Path, *, kind: str, actor: str,
    read_options: ReadOptions = ReadOptions(), fields: FieldOptions = FieldOptions(),
    on_invalid: OnInvalid = "fail", dry_run: bool = False, progress: Progress | None = None,
) -> ImportReport:
    """Import every parcel of a file as `kind`, all or nothing.

    A code already stored is updated; when its geometry changes, the old one
    is kept in `parcel_versions`. Parcels without a street field get the
    street they overlap most. The file is read, checked and written a chunk
    at a time in the import's one transaction: a defect found in a later
    chunk rolls back what the earlier ones wrote.
    """
    path = Path(path)
    parcel_kind = get_kind(kind)
    tick = progress or (lambda stage, done, total: None)
    chunks = read_options.chunks(path, CHUNK)
    first = next(chunks)
    if first.frame.empty:
        raise InputError(f"{path.name}: no rows, nothing to import", code="no_rows")
    total = first.total or len(first.frame)
    report = ImportReport(file=path.name, target="parcels", kind=kind, crs=first.crs,
                          encoding=first.encoding, dry_run=dry_run)
    tick("read", len(first.frame), total)
    field_map = map_fields(list(first.frame.columns), path, code=fields.code, name=fields.name,
                           street=fields.street, village=fields.village)
    triage = Triage(path, [], on_invalid, report)
    with fewer_collections(), store.session(dry_run=dry_run) as session:
        source = _Source(itertools.chain([first], chunks), field_map, parcel_kind, triage,
                         _Streets.load(session))
        _write(store, session, source, report, actor, lambda done: tick("import", done, total))
    if dry_run:
        report.import_id = None
    return report


@dataclass
class _Streets:
    """The stored streets, read before the load (a COPY in progress admits no other query)."""

    lookup: dict[str, str]
    codes: list[str]
    zones: list[Any]

    @classmethod
    def load(cls, session: Session) -> _Streets:
        """Street code by code, full name and short name, and each street's area."""
        lookup: dict[str, str] = {}
        for code, name, short in session.execute(sa.select(Street.code, Street.name, Street.short_name)):
            lookup[code] = lookup[name] = lookup[short] = code
        zones = session.execute(sa.select(Street.code, wkb_column(Street.geom))).all()
        shapes = [shapely.from_wkb(wkb) if wkb else None for _, wkb in zones]
        return cls(lookup, [code for code, _ in zones], shapes)


@dataclass
class _Source:
    """The file's chunks, and what checking each one needs."""

    chunks: Iterator[ReadResult]
    field_map: FieldMap
    kind: ParcelKind
    triage: Triage
    streets: _Streets
    first_rows: dict[str, int] = field(default_factory=dict)  # by code: codes repeat across chunks too

    def tables(self) -> Iterator[_Table]:
        """Each chunk's rows to store, checked (a row's problem raised or skipped as the triage says)."""
        for read in self.chunks:
            self.triage.report.read += len(read.frame)
            yield self._table(read)

    def _table(self, read: ReadResult) -> _Table:
        first, triage = read.first_row, self.triage
        codes = clean_texts(read.frame[self.field_map.code].tolist())
        triage.codes.extend(codes)  # the file's codes so far, a chunk at a time
        _check_text(read.frame, triage, first)
        _check_codes(codes, triage, self.first_rows, first)
        prepared = prepare_polygons(read, triage)
        frame = pd.DataFrame(read.frame.drop(columns=read.frame.geometry.name))
        return _table(frame, first, self.field_map, self.kind, prepared, triage, self.streets)


def _check_text(frame: Any, triage: Triage, first: int) -> None:
    """No control character in any attribute, nor in a field's name (`geo.text`): the store refuses NUL
    (`frame`'s rows numbered from `first`)."""
    for column in frame.columns:
        if column == "geometry":
            continue
        reason = control_message(str(column))
        if reason:
            raise InputError(f"{triage.path.name}: field name {str(column)!r} {reason}",
                             field=str(column), code="control_character")
        if is_numeric_dtype(frame[column].dtype) or is_datetime64_any_dtype(frame[column].dtype):
            continue  # numbers, booleans and dates carry no text
        values = frame[column]
        try:
            found = values.str.contains(CONTROL_CLASS, regex=True, na=False)
        except AttributeError:  # no text at all in this column
            continue
        for row in np.flatnonzero(found.to_numpy(dtype=bool)).tolist():
            triage.problem(first + row, f"field {column}: {control_message(values.iat[row])}")


def _check_codes(codes: Sequence[str | None], triage: Triage, first_row: dict[str, int], first: int) -> None:
    """Every row needs a code no longer than the store holds, and no code may appear twice in one file
    (`first_row`: where each code was seen, in this and earlier chunks; these rows numbered from `first`)."""
    for row, code in enumerate(codes, start=first):
        if code is None:
            triage.problem(row, "code is empty")
        elif len(code) > PARCEL_CODE_MAX_LENGTH:
            triage.problem(row, f"code is {len(code)} characters long, over {PARCEL_CODE_MAX_LENGTH}")
        elif code in first_row:
            triage.problem(row, f"code {code!r} already used by feature {first_row[code] + 1}")
        else:
            first_row[code] = row


@dataclass
class _Row:
    code: str
    name: str | None
    street_code: str | None
    village: str | None
    properties: dict[str, Any]
    geom: Any
    area_m2: float


@dataclass
class _Table:
    """The rows to store, column by column: a million row objects would cost seconds and memory."""

    codes: list[str]
    names: list[str | None]
    street_codes: list[str | None]
    villages: list[str | None]
    properties: list[dict[str, Any]]
    geoms: NDArray[np.object_]
    areas: NDArray[np.float64]
    span: int = 0  # rows of the file these come from, skipped rows included

    def row(self, i: int) -> _Row:
        """Row `i` as one object (for the few rows an import updates)."""
        return _Row(self.codes[i], self.names[i], self.street_codes[i], self.villages[i],
                    self.properties[i], self.geoms[i], float(self.areas[i]))

    def insert_rows(
        self, positions: Sequence[int], kind: str, import_id: int, stamp: Any
    ) -> list[tuple[Any, ...]]:
        """INSERT_COLUMNS of these rows."""
        return [(self.codes[i], kind, self.names[i], self.street_codes[i], self.villages[i],
                 float(self.areas[i]), _json(self.properties[i]), import_id, stamp, stamp)
                for i in positions]


def _json(properties: dict[str, Any]) -> str:
    return json.dumps(properties, ensure_ascii=False) if properties else "{}"


def _table(
    frame: pd.DataFrame, first: int, field_map: FieldMap, kind: ParcelKind, prepared: PreparedGeometry,
    triage: Triage, streets: _Streets,
) -> _Table:
    """The rows to store, with streets resolved and properties typed (rows numbered from `first`)."""
    street_codes = _streets(frame, first, field_map, prepared, triage, streets)
    extra_columns = field_map.properties(frame.columns)
    properties: list[dict[str, Any]] = [{}] * len(frame)  # shared, never changed: no extra fields
    if extra_columns:
        records = frame[extra_columns].to_dict("records")
        for row in np.flatnonzero(triage.kept(len(frame), first)).tolist():
            properties[row] = _properties(records[row], kind, first + row, triage)
    rows = np.flatnonzero(triage.kept(len(frame), first))  # a property may have failed its type
    names = _text_column(frame, field_map.name)
    villages = _text_column(frame, field_map.village)
    return _Table(
        codes=[triage.codes[first + row] or "" for row in rows.tolist()],
        names=[names[row] for row in rows.tolist()],
        street_codes=[street_codes[row] for row in rows.tolist()],
        villages=[villages[row] for row in rows.tolist()],
        properties=[properties[row] for row in rows.tolist()],
        geoms=prepared.geoms[rows], areas=prepared.areas[rows], span=len(frame),
    )


def _text_column(frame: Any, column: str | None) -> list[str | None]:
    """A column as stripped text with None for blanks, or all None where there is no column."""
    if column is None:
        return [None] * len(frame)
    return clean_texts(frame[column].tolist())


def _streets(
    frame: Any, first: int, field_map: FieldMap, prepared: PreparedGeometry, triage: Triage, streets: _Streets
) -> list[str | None]:
    """Each row's street: from the street field, else the street it overlaps most."""
    lookup = streets.lookup
    codes: list[str | None] = [None] * len(frame)
    for row, text in enumerate(_text_column(frame, field_map.street)):
        if text is not None:
            codes[row] = lookup.get(text) or lookup.get(short_name(text))
            if codes[row] is None:
                triage.problem(first + row, f"street {text!r} is not a known street")
    missing = [i for i in np.flatnonzero(triage.kept(len(frame), first)).tolist() if codes[i] is None]
    if missing:
        found = dominant_overlap(prepared.geoms[missing], streets.zones, streets.codes)
        for row, code in zip(missing, found, strict=True):
            codes[row] = code
    return codes


def _properties(record_: dict[str, Any], kind: ParcelKind, row: int, triage: Triage) -> dict[str, Any]:
    """The kind's own properties, typed, and every other attribute as it was read."""
    out: dict[str, Any] = {}
    by_label = {p.label_zh: p for p in kind.properties}
    by_name = {p.name: p for p in kind.properties}
    for column, raw in record_.items():
        value = _json_safe(raw)
        spec = by_name.get(column) or by_label.get(column)
        if spec is None:
            out[column] = value
            continue
        if value is None:
            continue
        try:
            out[spec.name] = spec.type(value)
        except (TypeError, ValueError):
            triage.problem(row, f"field {column}: {value!r} is not a {spec.type.__name__}")
    return out


def _json_safe(value: Any) -> Any:
    """Attribute values as JSON can hold them (NaN → None, numpy scalars → Python)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str | int | float | bool) else str(value)


def _write(
    store: Store, session: Session, source: _Source, report: ImportReport, actor: str,
    tick: Callable[[int], None],
) -> None:
    """Create new parcels in bulk, update existing ones, keep replaced geometry as history."""
    run = ImportRun(actor=actor, target="parcels", file_name=report.file, report={})
    session.add(run)
    session.flush()
    report.import_id = run.id
    stored = set(session.scalars(sa.select(Parcel.code)))
    stamp = store.backend.timestamp(utc_now())
    changed: list[_Row] = []
    done = 0

    def batches() -> Iterator[tuple[list[tuple[Any, ...]], NDArray[np.object_]]]:
        nonlocal done
        for table in prefetched(source.tables()):  # the next chunk is checked while this one is stored
            new = [i for i, code in enumerate(table.codes) if code not in stored]
            changed.extend(table.row(i) for i, code in enumerate(table.codes) if code in stored)
            if new:
                yield table.insert_rows(new, report.kind or "", run.id, stamp), table.geoms[new]
            report.created += len(new)
            done += table.span
            tick(done)

    store.backend.bulk_load(session.connection(), "parcels", INSERT_COLUMNS, "geom", STORAGE_EPSG, batches())
    _update(store, session, changed, _existing(session, [row.code for row in changed]), run.id, report)
    run.report = report.to_dict()
    record(session, actor=actor, action="parcels.import", entity="import_run", key=str(run.id),
           detail={"file": report.file, "created": report.created, "updated": report.updated})


@dataclass(frozen=True)
class _Stored:
    id: int
    kind: str
    geom: Any
    attributes: tuple[Any, ...]


def _attributes(row: _Row) -> tuple[Any, ...]:
    """What an update may change besides geometry, to tell changed from unchanged rows."""
    return (row.name, row.street_code, row.village, row.properties)


def _existing(session: Session, codes: list[str]) -> dict[str, _Stored]:
    """The stored parcels of these codes (all stored), by code: a first import of many new parcels
    sends no lookups at all."""
    backend = select_dialect(session.get_bind().dialect.name)
    found: dict[str, _Stored] = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        query = sa.select(
            Parcel.code, Parcel.id, Parcel.kind, Parcel.name, Parcel.street_code, Parcel.village,
            Parcel.properties, wkb_column(Parcel.geom),
        ).where(backend.member_of(Parcel.code, codes[start:start + LOOKUP_CHUNK]))
        for code, parcel_id, kind, name, street, village, properties, wkb in session.execute(query):
            found[code] = _Stored(
                parcel_id, kind, shapely.from_wkb(wkb), (name, street, village, properties)
            )
    return found


def _update(
    store: Store, session: Session, rows: list[_Row], existing: dict[str, _Stored],
    import_id: int, report: ImportReport,
) -> None:
    """Update stored parcels that changed; where geometry changed, version the old one first."""
    for row in rows:
        if existing[row.code].kind != report.kind:
            raise InputError(
                f"{report.file}: code {row.code} is already stored as a "
                f"{existing[row.code].kind} parcel, not {report.kind}"
            )
    moved = [r for r in rows if not shapely.equals_exact(existing[r.code].geom, r.geom, 1e-9)]
    moved_codes = {r.code for r in moved}
    edited = [r for r in rows
              if r.code in moved_codes or _attributes(r) != existing[r.code].attributes]
    now = utc_now()
    if moved:
        session.execute(
            sa.text(
                "INSERT INTO parcel_versions (parcel_id, geom, area_m2, valid_from, valid_to, "
                "import_id, note) SELECT id, geom, area_m2, updated_at, :now, :import_id, :note "
                "FROM parcels WHERE id = :id"
            ).bindparams(sa.bindparam("now", type_=Parcel.updated_at.type)),
            [{"now": now, "import_id": import_id, "note": "replaced by re-import",
              "id": existing[r.code].id} for r in moved],
        )
    geom_sql = store.backend.geometry_from_wkb(":wkb", STORAGE_EPSG)
    if edited:
        session.execute(
            sa.text(
                f"UPDATE parcels SET name = :name, street_code = :street_code, village = :village, "
                f"properties = :properties, area_m2 = :area_m2, geom = {geom_sql}, "
                f"import_id = :import_id, updated_at = :now WHERE id = :id"
            ).bindparams(sa.bindparam("now", type_=Parcel.updated_at.type)),
            [{"name": r.name, "street_code": r.street_code, "village": r.village,
              "properties": json.dumps(r.properties, ensure_ascii=False), "area_m2": r.area_m2,
              "wkb": shapely.to_wkb(r.geom), "import_id": import_id, "now": now,
              "id": existing[r.code].id} for r in edited],
        )
    report.updated = len(edited)
    report.unchanged = len(rows) - len(edited)
