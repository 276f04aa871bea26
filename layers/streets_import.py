"""Import streets: a list of NBS codes and names, or polygons from a GIS file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from geo.audit import record
from geo.crs import STORAGE_EPSG
from geo.store import Store
from layers.fields import map_fields
from layers.import_report import ImportReport, OnInvalid
from layers.models import ImportRun, Street
from layers.parcels_import import FieldOptions, ReadOptions
from layers.prepare import Triage, clean_text, prepare_polygons
from layers.streets import short_name

NBS_STREET_CODE = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class _StreetRow:
    row: int
    code: str | None
    name: str | None
    geom: Any = None
    area_m2: float | None = None


def read_street_codes(path: Path) -> list[tuple[str, str]] | None:
    """`{"440106001": {"name": "五山街道"}, …}` as (code, name) pairs; None for other files."""
    if path.suffix.lower() != ".json":
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not data or not all(
        NBS_STREET_CODE.match(k) and isinstance(v, dict) and v.get("name") for k, v in data.items()
    ):
        return None
    return [(code, str(value["name"])) for code, value in sorted(data.items())]


def import_streets(
    store: Store, path: str | Path, *, actor: str, read_options: ReadOptions = ReadOptions(),
    fields: FieldOptions = FieldOptions(), on_invalid: OnInvalid = "fail",
    schematic: bool = False, dry_run: bool = False,
) -> ImportReport:
    """Create or update streets, all or nothing.

    A geospatial file's rows are matched to stored streets by code, or by
    name where the file has no code (web sources often have only names).
    """
    path = Path(path)
    report = ImportReport(file=path.name, target="streets", dry_run=dry_run)
    pairs = read_street_codes(path)
    if pairs is not None:
        rows = [_StreetRow(i, code, name) for i, (code, name) in enumerate(pairs)]
        report.read = len(rows)
        return _store(store, rows, report, actor, schematic=False)
    read = read_options.read(path)
    report.crs, report.encoding, report.read = read.crs, read.encoding, len(read.frame)
    field_map = map_fields(list(read.frame.columns), path, code=fields.code, name=fields.name,
                           code_required=False)
    codes = [clean_text(v) for v in read.frame[field_map.code]] if field_map.code else (
        [None] * len(read.frame))
    names = [clean_text(v) for v in read.frame[field_map.name]] if field_map.name else (
        [None] * len(read.frame))
    triage = Triage(path, [c or n for c, n in zip(codes, names, strict=True)], on_invalid, report)
    prepared = prepare_polygons(read, triage)
    with store.session() as session:
        known = _known(session)
        rows = []
        for row in triage.kept(len(read.frame)).nonzero()[0].tolist():
            code = codes[row] or known.get(names[row] or "") or known.get(short_name(names[row] or ""))
            if code is None:
                triage.problem(row, f"street {names[row]!r} is not a known street; "
                                    "import the street codes first, or name the file's code field")
                continue
            rows.append(_StreetRow(row, code, names[row], prepared.geoms[row],
                                   float(prepared.areas[row])))
    return _store(store, rows, report, actor, schematic=schematic)


def _known(session: Session) -> dict[str, str]:
    """Street codes by full and short name."""
    pairs = session.execute(sa.select(Street.code, Street.name, Street.short_name)).all()
    return {name: code for code, *names in pairs for name in names}


def _store(store: Store, rows: list[_StreetRow], report: ImportReport, actor: str, *,
           schematic: bool) -> ImportReport:
    """Write the streets in one transaction (rolled back on a dry run)."""
    with store.session(dry_run=report.dry_run) as session:
        run = ImportRun(actor=actor, target="streets", file_name=report.file, report={})
        session.add(run)
        session.flush()
        report.import_id = run.id
        existing = {s.code: s for s in session.scalars(sa.select(Street))}
        for row in rows:
            _upsert(session, existing, row, run.id, report, schematic=schematic)
        run.report = report.to_dict()
        record(session, actor=actor, action="streets.import", entity="import_run",
               key=str(run.id), detail={"file": report.file, "created": report.created,
                                        "updated": report.updated})
    if report.dry_run:
        report.import_id = None
    return report


def _upsert(session: Session, existing: dict[str, Street], row: _StreetRow, import_id: int,
            report: ImportReport, *, schematic: bool) -> None:
    street = existing.get(row.code or "")
    if street is None:
        name = row.name or row.code or ""
        street = Street(code=row.code, name=name, short_name=short_name(name))
        session.add(street)
        existing[street.code] = street
        report.created += 1
    else:
        report.updated += 1
    if row.geom is not None:
        street.geom = from_shape(row.geom, srid=STORAGE_EPSG)
        street.area_m2 = row.area_m2
        street.schematic = schematic
    street.import_id = import_id
