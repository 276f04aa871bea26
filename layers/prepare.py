"""From rows read off a file to geometry ready to store: checked, repaired, in EPSG:4490, measured.

Shared by the street and parcel imports. Every defect goes through one
`Triage`, which applies `--on-invalid` the same way everywhere: fail with a
one-line error naming the feature, repair and list what changed, or skip
and list why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from geo.checks import SCREEN_CHUNK, CheckResult, screen_polygons
from geo.errors import InputError
from geo.measure import areas_m2, is_geographic, to_storage
from layers.import_report import ImportReport, OnInvalid, RowNote
from layers.readers import ReadResult


@dataclass
class Triage:
    """Applies `--on-invalid` to row problems, and keeps the report of repairs and skips."""

    path: Path
    codes: list[str | None]
    on_invalid: OnInvalid
    report: ImportReport
    skipped: set[int] = field(default_factory=set)

    def problem(self, row: int, reason: str, *, repairable: bool = False) -> None:
        """A row that cannot be stored as it is: fail, or skip it."""
        if row in self.skipped:
            return
        if self.on_invalid != "skip":
            code = self.codes[row]
            fixable = repairable and self.on_invalid == "fail"
            where = f"feature {row + 1}" + (f" (code {code})" if code else "")
            raise InputError(f"{self.path.name}: {where}: {reason}", row=row + 1,
                             code="repairable_row" if fixable else "invalid_row")
        self.skipped.add(row)
        self.report.skipped.append(RowNote(row + 1, self.codes[row], reason))

    def repaired(self, row: int, reasons: Sequence[str]) -> None:
        """A row stored after repairs, listed with what changed."""
        self.report.repaired.append(RowNote(row + 1, self.codes[row], "; ".join(reasons)))

    def kept(self, count: int, first: int = 0) -> NDArray[np.bool_]:
        """Mask of the `count` rows from row `first` on that are not skipped."""
        mask = np.ones(count, dtype=bool)
        mask[[row - first for row in self.skipped if first <= row < first + count]] = False
        return mask


@dataclass
class PreparedGeometry:
    """Stored-ready MultiPolygons in EPSG:4490 and their areas in m² (None where skipped)."""

    geoms: NDArray[np.object_]
    areas: NDArray[np.float64]


def prepare_polygons(read: ReadResult, triage: Triage) -> PreparedGeometry:
    """Check, repair and reproject every row's geometry, as `--on-invalid` says (a chunk's
    rows are numbered from its `first_row` in the triage).

    Geographic input (GCJ-02 included) is checked in its own degrees, where
    swapped axes and out-of-China coordinates can be recognised; projected
    input is reprojected first and checked in EPSG:4490.
    """
    raw = np.asarray(read.frame.geometry.values, dtype=object)
    geographic = is_geographic(read.crs)
    if not geographic:
        raw = _reproject_rows(raw, read.crs)
    repair = triage.on_invalid == "repair"
    geoms, others = screen_polygons(raw, repair=repair)
    first = read.first_row
    for row in sorted(others.keys() | read.row_defects.keys()):
        result = others.get(row, CheckResult(geoms[row]))
        earlier = read.row_defects.get(row, [])
        geoms[row] = None
        if result.problems:
            triage.problem(first + row, "; ".join(p.message for p in result.problems), repairable=True)
            continue
        if earlier and not repair:
            triage.problem(first + row, "; ".join(d.message for d in earlier), repairable=True)
            continue
        reasons = [d.message for d in earlier] + [r.message for r in result.repairs]
        if reasons:
            triage.repaired(first + row, reasons)
        geoms[row] = result.geometry
    usable = np.flatnonzero(np.not_equal(geoms, None))
    areas = np.full(len(geoms), np.nan)
    for start in range(0, len(usable), SCREEN_CHUNK):  # a chunk at a time: each step copies
        part = usable[start:start + SCREEN_CHUNK]
        if geographic:
            geoms[part] = to_storage(geoms[part], read.crs)
        areas[part] = areas_m2(geoms[part])
    return PreparedGeometry(geoms, areas)


def _reproject_rows(raw: NDArray[np.object_], crs: str) -> NDArray[np.object_]:
    """Reproject the rows that have a geometry; the others stay None for the checks to report."""
    out = raw.copy()
    present = np.flatnonzero(np.not_equal(raw, None))
    if len(present):
        try:
            out[present] = to_storage(raw[present], crs)
        except Exception as err:  # pyproj raises several types for impossible coordinates
            raise InputError(f"cannot reproject from {crs}: {err}") from err
    return out


def clean_text(value: object) -> str | None:
    """An attribute as stripped text, None for empty, NaN or missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def clean_texts(values: Sequence[object]) -> list[str | None]:
    """`clean_text` of each value, with text (the usual case) handled inline: a million calls cost seconds."""
    return [(value.strip() or None) if type(value) is str else clean_text(value) for value in values]
