"""What an export holds, independent of its format: fields, layers, style, options.

The caller (who knows what the rows mean) describes the table once with an
`ExportSpec`; every writer reads the same description, so a column is typed,
labelled and ordered the same way in a GeoPackage, a Shapefile and a workbook.
Frames come in in the storage CRS, either as GeoDataFrames or with the shapes
as WKB in a `wkb` column (what the database gave: parsed only where a writer
needs shapes, and written as they are otherwise), and are converted here to
typed Arrow batches, which keeps every chunk's schema identical even when a
chunk's column happens to be all empty.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Any, Literal, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geo.crs import GCJ02, MEASURE_CRS, STORAGE_CRS, WGS84_CRS
from geo.errors import InputError
from geo.local_time import local_iso
from geo.measure import from_storage

FieldType = Literal["str", "int", "float", "bool", "datetime"]
Progress = Callable[[int], None]
T = TypeVar("T")

GEOMETRY = "geometry"
WKB = "wkb"  # a chunk's shapes as WKB in the storage CRS, instead of a geometry column
WKB_EXTENSION = {b"ARROW:extension:name": b"geoarrow.wkb"}
CRS_CHOICES: dict[str, str] = {
    "epsg:4490": STORAGE_CRS, "epsg:4326": WGS84_CRS, "epsg:4547": MEASURE_CRS, GCJ02: GCJ02,
}
_ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
    "datetime": pa.timestamp("ms", tz="UTC"),
}


@dataclass(frozen=True)
class Field:
    """One attribute column: its name in files, its type, its header for people (and a short name)."""

    name: str
    type: FieldType
    label: str
    short: str | None = None  # its name in a Shapefile (at most 10 characters), where it is longer


@dataclass(frozen=True)
class LayerSpec:
    """One layer (GeoPackage) or sheet (Excel): rows whose layer column equals `name`."""

    name: str
    title: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    """One class of a categorised style: a value, its legend label and fill colour."""

    value: str
    label: str
    color: str


@dataclass(frozen=True)
class CategoryStyle:
    """Colour features by the value of one column (QGIS categorised renderer)."""

    column: str
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class ExportSpec:
    """The table to export, described once for every format.

    Frames must arrive grouped by `layer_column` in the order of `layers`.
    `measures` are numeric columns summed per layer and category in summaries;
    `metadata` (as-of date, time of export, source…) is recorded in the file
    where the format allows; `words` are the summary's own headers.
    """

    title: str
    fields: tuple[Field, ...]
    layers: tuple[LayerSpec, ...]
    layer_column: str
    style: CategoryStyle | None = None
    measures: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    geometry_type: str = "MultiPolygon"
    words: dict[str, str] = field(
        default_factory=lambda: {"summary": "Summary", "rows": "Rows", "total": "Total"}
    )

    def field(self, name: str) -> Field:
        """The field called `name`."""
        return next(f for f in self.fields if f.name == name)

    def all_field_names(self) -> tuple[str, ...]:
        """Every field of every layer, in spec order (the single-table layout)."""
        used = {name for layer in self.layers for name in layer.fields}
        return tuple(f.name for f in self.fields if f.name in used)


@dataclass(frozen=True)
class ExportOptions:
    """How to write: format, CRS and the switches of `landpatrol export`."""

    fmt: str | None = None
    crs: str | None = None
    overwrite: bool = False
    xy: bool = False
    layer: str | None = None


@dataclass
class ExportResult:
    """What was written: the file, its format, and rows per layer and category."""

    path: Path
    fmt: str
    crs: str
    rows_by_layer: dict[str, int] = field(default_factory=dict)
    tally: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """All rows written."""
        return sum(self.rows_by_layer.values())


def normalise_crs(text: str) -> str:
    """`EPSG:4490`, `epsg:4547`, `4326` or `gcj02` → the canonical name; anything else refused."""
    key = text.strip().lower()
    key = f"epsg:{key}" if key.isdigit() else key
    if key not in CRS_CHOICES:
        raise InputError(f"--crs: {text!r} is not offered; use EPSG:4490, EPSG:4326, EPSG:4547 or gcj02")
    return CRS_CHOICES[key]


def file_crs(crs: str) -> str:
    """The CRS a file declares: GCJ-02 has no EPSG code, its files say WGS84 lon/lat."""
    return WGS84_CRS if crs == GCJ02 else crs


def geometries(frame: pd.DataFrame) -> np.ndarray:
    """The chunk's shapes: its `wkb` column parsed, or its geometry column."""
    if WKB in frame.columns:
        return shapely.from_wkb(frame[WKB].to_numpy())
    return np.asarray(frame[GEOMETRY].values, dtype=object)


def reproject(frame: pd.DataFrame, crs: str) -> pd.DataFrame:
    """The frame in the export CRS; GCJ-02 is the shift of WGS84 used by Gaode/AMap."""
    if crs == STORAGE_CRS:
        return frame
    moved = gpd.GeoSeries(from_storage(geometries(frame), crs), index=frame.index, crs=file_crs(crs))
    return gpd.GeoDataFrame(pd.DataFrame(frame).drop(columns=[WKB, GEOMETRY], errors="ignore"),
                            geometry=moved)


def point_columns(crs: str) -> tuple[str, str]:
    """Names for a point's coordinates: x/y in metres for EPSG:4547, lon/lat otherwise."""
    return ("x", "y") if crs == MEASURE_CRS else ("lon", "lat")


def surface_points(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A point inside each shape (not the centroid, which can fall outside an L-shape)."""
    points = shapely.point_on_surface(geometries(frame))
    return shapely.get_x(points), shapely.get_y(points)


def arrow_schema(
    fields: Sequence[Field], *, text_types: Iterable[str] = (), bool_as_int: bool = False,
    geometry: bool = True,
) -> pa.Schema:
    """The Arrow schema of a layer; `text_types` are written as text (Shapefile, CSV)."""
    as_text = set(text_types)
    columns = []
    for f in fields:
        arrow = pa.string() if f.type in as_text else _ARROW_TYPES[f.type]
        if bool_as_int and f.type == "bool":
            arrow = pa.int64()
        columns.append(pa.field(f.name, arrow))
    if geometry:
        columns.append(pa.field(GEOMETRY, pa.binary(), metadata=WKB_EXTENSION))
    return pa.schema(columns)


def to_batch(frame: pd.DataFrame, schema: pa.Schema) -> pa.RecordBatch:
    """One chunk as a batch of exactly `schema`; missing columns are all null."""
    arrays = []
    for target in schema:
        if target.name == GEOMETRY:
            wkb = frame[WKB].to_numpy() if WKB in frame.columns else shapely.to_wkb(geometries(frame))
            arrays.append(pa.array(wkb, type=pa.binary()))
            continue
        values = frame[target.name] if target.name in frame else pd.Series(None, index=frame.index)
        arrays.append(_column(values, target.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _column(values: pd.Series, arrow: pa.DataType) -> pa.Array:
    """Convert one column, turning NaN/NaT/None into null whatever pandas made of it."""
    if pa.types.is_string(arrow) and pd.api.types.is_datetime64_any_dtype(values):
        # Times as text (CSV, GeoJSON, Shapefile…): ISO 8601 in Beijing time with its +08:00.
        text = values.map(local_iso, na_action="ignore").astype(object)
        return pa.array(text.where(values.notna(), None), type=arrow, from_pandas=True)
    try:  # the fast path: pandas already holds the right kind of values
        converted = pa.array(values, type=arrow, from_pandas=True)
        # Arrow-backed pandas columns (pandas' default strings) come back chunked.
        return converted.combine_chunks() if isinstance(converted, pa.ChunkedArray) else converted
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        pass
    cleaned = values.astype(object).where(values.notna(), None)
    if pa.types.is_string(arrow):
        return pa.array([None if v is None else str(v) for v in cleaned], type=arrow)
    if pa.types.is_timestamp(arrow):
        return pa.array(pd.to_datetime(values, utc=True), type=arrow, from_pandas=True)
    if pa.types.is_integer(arrow):
        return pa.array(pd.array(cleaned, dtype="Int64"), type=arrow)
    if pa.types.is_boolean(arrow):
        return pa.array(pd.array(cleaned, dtype="boolean"), type=arrow)
    return pa.array(pd.to_numeric(values, errors="coerce"), type=arrow, from_pandas=True)


def layer_runs(
    frames: Iterable[pd.DataFrame], spec: ExportSpec
) -> Iterator[tuple[LayerSpec, Iterator[pd.DataFrame]]]:
    """Each layer of the spec with the frames that belong to it (possibly none), in order.

    Frames must each hold one layer and arrive in the order of `spec.layers`,
    so one pass over them streams every layer in turn. Empty frames (a filter
    that matched nothing in a chunk) belong to no layer and are passed over.
    """
    by_name = {layer.name: layer for layer in spec.layers}
    order = [layer.name for layer in spec.layers]
    done: set[str] = set()
    rows = (frame for frame in frames if not frame.empty)
    for name, run in groupby(rows, key=lambda f: _frame_layer(f, spec.layer_column)):
        if name not in by_name or name in done:
            raise ValueError(f"frames out of layer order at {name!r}")
        for skipped in order[: order.index(name)]:
            if skipped not in done:
                done.add(skipped)
                yield by_name[skipped], iter(())
        done.add(name)
        yield by_name[name], run
    for name in order:
        if name not in done:
            yield by_name[name], iter(())


def _frame_layer(frame: pd.DataFrame, column: str) -> str:
    values = frame[column].unique()
    if len(values) != 1:
        raise ValueError(f"an export chunk must hold one {column}, not {list(values)}")
    return str(values[0])


def prefetched(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """`items`, produced by a worker thread up to `depth` ahead of the consumer.

    Reading the next chunk from the database (which releases the GIL while
    the query runs) overlaps with GDAL writing the current one. Errors in the
    worker are raised here; when the consumer stops early (an error, Ctrl-C),
    the worker is told to stop and is waited for before this returns, so the
    session it reads from is never closed under it.
    """
    queue: Queue[tuple[str, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put(("item", item), timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(("end", None))
        except BaseException as err:  # handed to the consumer, which re-raises it
            queue.put(("error", err))

    worker = threading.Thread(target=work, name="export-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            tag, value = queue.get()
            if tag == "end":
                return
            if tag == "error":
                raise value
            yield value
    finally:
        stop.set()
        while worker.is_alive():
            with suppress(Empty):
                queue.get(timeout=0.1)
        worker.join()


class Tally:
    """Rows and summed measures per (layer, style category), counted as chunks pass."""

    def __init__(self, spec: ExportSpec, progress: Progress | None = None) -> None:
        self.spec = spec
        self.progress = progress
        self.cells: dict[tuple[str, str], dict[str, float]] = {}
        self.rows_by_layer: dict[str, int] = {layer.name: 0 for layer in spec.layers}

    def count(self, frame: pd.DataFrame) -> None:
        """Add one chunk (before any format-specific conversion)."""
        if frame.empty:
            return
        layer = str(frame[self.spec.layer_column].iat[0])
        self.rows_by_layer[layer] = self.rows_by_layer.get(layer, 0) + len(frame)
        column = self.spec.style.column if self.spec.style else self.spec.layer_column
        sums = frame.groupby(column, dropna=False)[list(self.spec.measures)].sum()
        sizes = frame.groupby(column, dropna=False).size()
        for category, size in sizes.items():
            cell = self.cells.setdefault((layer, str(category)), {"rows": 0.0})
            cell["rows"] += float(size)
            for measure in self.spec.measures:
                cell[measure] = cell.get(measure, 0.0) + float(sums.at[category, measure])
        if self.progress:
            self.progress(len(frame))

    def result(self, path: Path, fmt: str, crs: str) -> ExportResult:
        """The tally as the export's result."""
        return ExportResult(path, fmt, crs, dict(self.rows_by_layer), dict(self.cells))
