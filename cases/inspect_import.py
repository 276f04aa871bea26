"""Batch import of field records: a CSV, or a GeoPackage point layer such as QField writes.

All rows are checked before anything is written; by default one bad field
rejects the file, with `partial=True` the good rows go in and the rejected
ones are written, with their reasons, to a CSV beside. Rows are inserted in
one bulk statement (COPY on PostGIS) inside the caller's transaction; then the
services that check single records (`cases.conflicts`, `cases.photo_evidence`)
check the whole batch, in a few set-based queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.conflicts import detect_import_conflicts
from cases.models import Inspection, inspection_photos
from cases.photo_evidence import record_import_evidence
from cases.photos import check_photo, store_photo
from cases.rules import FINDING_NAMES
from cases.status.summaries import add_import
from cases.validation import RowError, check_records
from geo.audit import default_actor, record
from geo.crs import STORAGE_EPSG
from geo.dialects import LOOKUP_CHUNK, select_dialect
from geo.errors import InputError, NotFoundError
from geo.media import Media
from geo.orm import utc_now
from layers.models import ImportRun

INSERT_COLUMNS = (
    "parcel_id", "inspected_at", "recorded_at", "inspector", "client_id", "off_site",
    *FINDING_NAMES, "note", "import_id",
)
MAX_LISTED_ERRORS = 3


@dataclass
class ImportResult:
    """What an import did: rows read, written, skipped as already imported, and rejected;
    and how many written records have a conflict or a photo flag (for the review list)."""

    read: int
    written: int
    skipped: int
    errors: list[RowError] = field(default_factory=list)
    rejected_file: Path | None = None
    import_id: int | None = None
    conflicted: int = 0
    flagged: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Stable keys for `--format json` and the import run's report."""
        return {"read": self.read, "written": self.written, "skipped": self.skipped,
                "rejected": len({e.row for e in self.errors}),
                "rejected_file": str(self.rejected_file) if self.rejected_file else None,
                "conflicted": self.conflicted, "flagged": self.flagged}


def read_records(path: Path, *, layer: str | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The file's rows as text, and a label per row ("row 2" = second line of a CSV)."""
    if not path.is_file():
        raise NotFoundError(f"no file {str(path)!r}", field="file", code="missing")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError) as err:
            raise InputError(f"{path.name}: not a UTF-8 CSV ({str(err).splitlines()[0]})", field="file",
                             code="bad_file") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        labels = pd.Series([f"row {i + 2}" for i in range(len(frame))], dtype=object)
        return frame, labels
    if suffix == ".gpkg":
        return _read_gpkg(path, layer)
    raise InputError(f"{path.name}: unsupported file type {suffix!r} (use .csv or .gpkg)", field="file",
                     code="bad_file")


def _read_gpkg(path: Path, layer: str | None) -> tuple[pd.DataFrame, pd.Series]:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)
    except Exception as err:  # pyogrio raises several error types for unreadable files
        raise InputError(f"{path.name}: cannot read layer {layer or '(first)'} ({err})", field="layer",
                         code="bad_file") from None
    labels = pd.Series([f"feature {fid}" for fid in frame.index], dtype=object)
    frame = frame.reset_index(drop=True)
    if "geometry" in frame.columns:
        geometry = frame.pop("geometry")
        if geometry.crs is not None and geometry.crs.to_epsg() not in (STORAGE_EPSG, 4326):
            geometry = geometry.to_crs(f"EPSG:{STORAGE_EPSG}")
        points = geometry.to_numpy()
        has = ~shapely.is_missing(points) & ~shapely.is_empty(points)
        if "lon" not in frame.columns:
            frame["lon"] = pd.Series(shapely.get_x(points)).where(has)
            frame["lat"] = pd.Series(shapely.get_y(points)).where(has)
    return frame.astype(object).where(frame.notna(), ""), labels


def _photo_errors(rows: pd.DataFrame, photo_path: Callable[[str], Path]) -> list[tuple[Any, RowError]]:
    """Check each row's photos (names separated by ';', found by `photo_path`)."""
    found = []
    for index, value in rows["photos"].dropna().items():
        for name in str(value).split(";"):
            try:
                check_photo(photo_path(name.strip()), field="photos")
            except (InputError, NotFoundError) as err:  # its line names its field first, as RowError does
                reason = str(err).removeprefix(f"{err.field}: ")
                found.append((index, RowError(rows.at[index, "label"], "photos", reason, err.code,
                                              int(rows.at[index, "number"]))))
    return found


def _already_imported(session: Session, client_ids: pd.Series) -> pd.Series:
    """Rows whose client_id is stored already (a re-synced phone, a re-run import)."""
    wanted = client_ids.dropna().unique().tolist()
    if not wanted:
        return pd.Series(False, index=client_ids.index)
    stored: set[str] = set()
    backend = select_dialect(session.get_bind().dialect.name)
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start:start + LOOKUP_CHUNK]
        member = backend.member_of(Inspection.client_id, chunk)
        stored.update(session.scalars(sa.select(Inspection.client_id).where(member)))
    return client_ids.isin(stored)


def _rows_for_insert(
    good: pd.DataFrame, *, backend: Any, now: datetime, import_id: int,
) -> tuple[list[tuple[Any, ...]], Any]:
    """Plain Python rows in `INSERT_COLUMNS` order, and the GPS points (None where not given)."""
    times = [backend.timestamp(t) for t in good["inspected_at"].dt.to_pydatetime()]
    recorded = backend.timestamp(now)
    points = shapely.points(good["lon"].to_numpy(dtype=float), good["lat"].to_numpy(dtype=float))
    points[good["lon"].isna().to_numpy()] = None
    columns: list[list[Any]] = [
        good["parcel_id"].astype(int).tolist(), times, [recorded] * len(good),
        good["inspector"].tolist(), good["client_id"].tolist(), good["off_site"].astype(bool).tolist(),
        *(good[name].tolist() for name in FINDING_NAMES),
        good["note"].tolist(), [import_id] * len(good),
    ]
    return list(zip(*columns, strict=True)), points


def _write_rejected(raw: pd.DataFrame, labels: pd.Series, errors: list[RowError], target: Path) -> None:
    reasons = pd.DataFrame([(e.row, f"{e.field}: {e.message}") for e in errors], columns=["row", "error"])
    joined = reasons.groupby("row", sort=False)["error"].agg("; ".join)
    rejected = raw.assign(row=labels.to_numpy()).loc[lambda f: f["row"].isin(joined.index)]
    rejected = rejected.assign(errors=rejected["row"].map(joined))
    rejected.to_csv(target, index=False, encoding="utf-8-sig")


def import_inspections(
    session: Session,
    path: Path,
    *,
    layer: str | None = None,
    partial: bool = False,
    rejected_file: Path | None = None,
    media: Media | None = None,
    actor: str | None = None,
    now: datetime | None = None,
    photo_path: Callable[[str], Path] | None = None,
) -> ImportResult:
    """Check and insert a file of field records; returns what was done.

    Without `partial`, any bad field raises `InputError` naming the first
    errors and nothing is written. Rows whose `client_id` is already stored
    are skipped, so a re-run is harmless. `photo_path` finds a photo by the
    name in its row (default: relative to the file; the web confines it to the upload).
    """
    photo_path = photo_path or (lambda name: path.parent / name)
    now = now or utc_now()
    actor = actor or default_actor()
    raw, labels = read_records(path, layer=layer)
    good, errors = check_records(session, raw, labels=labels, now=now)
    extra = _photo_errors(good, photo_path) if "photos" in good else []
    if extra:
        errors = sorted([*errors, *(e for _, e in extra)], key=lambda e: labels.tolist().index(e.row))
        good = good.drop(index=list({i for i, _ in extra}))
    if errors and not partial:
        more = f" (and {len(errors) - MAX_LISTED_ERRORS} more)" if len(errors) > MAX_LISTED_ERRORS else ""
        listed = "; ".join(str(e) for e in errors[:MAX_LISTED_ERRORS])
        first = errors[0]
        raise InputError(f"{path.name}: {listed}{more}; nothing imported",
                         field=first.field, row=first.number, code="rows_rejected")
    skipped = _already_imported(session, good["client_id"])
    good = good.loc[~skipped]
    run = ImportRun(actor=actor, target="inspections", file_name=path.name, report={})
    session.add(run)
    session.flush()
    result = ImportResult(read=len(raw), written=len(good), skipped=int(skipped.sum()), errors=errors,
                          import_id=run.id)
    if errors:
        result.rejected_file = rejected_file or path.with_name(f"{path.stem}.rejected.csv")
        _write_rejected(raw, labels, errors, result.rejected_file)
    backend = select_dialect(session.get_bind().dialect.name)
    rows, points = _rows_for_insert(good, backend=backend, now=now, import_id=run.id)
    if rows:
        connection = session.connection()
        backend.bulk_insert(connection, "inspections", INSERT_COLUMNS, "gps", STORAGE_EPSG, rows, points)
        add_import(connection, run.id)
    if good["photos"].notna().any():
        _link_photos(session, good, run.id, photo_path, media)
        result.flagged = len({f.inspection_id for f in record_import_evidence(session, run.id, media)})
    if rows:
        result.conflicted = len({c.inspection_id for c in detect_import_conflicts(session, run.id)})
    run.report = result.as_dict()
    record(session, actor=actor, action="inspection.import", entity="import_run", key=str(run.id),
           detail={"file": path.name, **result.as_dict()})
    return result


def _link_photos(
    session: Session, good: pd.DataFrame, import_id: int, photo_path: Callable[[str], Path],
    media: Media | None,
) -> None:
    """Photos of imported rows; rows were inserted in order, so their ids are in order too."""
    if media is None:
        raise InputError("photos: no media configured", field="photos", code="no_media")
    ids = session.scalars(
        sa.select(Inspection.id).where(Inspection.import_id == import_id).order_by(Inspection.id)
    ).all()
    links = set()
    for inspection_id, value in zip(ids, good["photos"], strict=True):
        for name in str(value or "").split(";") if value else ():
            photo = store_photo(session, photo_path(name.strip()), media=media, field="photos")
            session.flush()
            links.add((inspection_id, photo.id))
    if links:
        session.execute(sa.insert(inspection_photos), [
            {"inspection_id": i, "photo_id": p} for i, p in sorted(links)])
