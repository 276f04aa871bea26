"""GDAL formats (GeoPackage, GeoJSON, FlatGeobuf, CSV), streamed through pyogrio's Arrow writer.

Each layer is one lazy Arrow stream handed to GDAL in a single call, so a
chunk is converted only when GDAL asks for it and memory stays flat however
many rows there are. Driver options are chosen for the readers people use:
GeoPackage 1.2 (older GDAL, QGIS and ArcGIS open it without a version
warning), RFC 7946 GeoJSON, CSV with a byte-order mark so Excel reads UTF-8.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyogrio

from layers.export_gpkg_style import write_layer_styles
from layers.export_spec import (
    GEOMETRY,
    ExportOptions,
    ExportSpec,
    Field,
    LayerSpec,
    arrow_schema,
    file_crs,
    layer_runs,
    point_columns,
    surface_points,
    to_batch,
)
from layers.export_text import csv_text

Prepare = Callable[[pd.DataFrame], pd.DataFrame]

_DRIVERS = {"gpkg": "GPKG", "geojson": "GeoJSON", "fgb": "FlatGeobuf", "csv": "CSV"}
# RFC 7946 mode makes GDAL write WGS84, counter-clockwise outer rings and no `crs`
# member; nine decimals (0.1 mm) keep the stored precision instead of the default 7.
_GEOJSON_OPTIONS = {"RFC7946": "YES", "COORDINATE_PRECISION": "9", "WRITE_NAME": "NO"}
_CSV_OPTIONS = {"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES", "STRING_QUOTING": "IF_NEEDED"}
# GDAL writes into a private staging file that is synced once and renamed when complete
# (`layers.export_write`), so SQLite's journal and its sync at every commit buy nothing here.
_STAGING_SQLITE = {"OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_JOURNAL": "OFF"}


def write_ogr(path: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec,
              options: ExportOptions, *, fmt: str) -> list[str]:
    """Write one of the GDAL formats; GeoPackage gets a layer per kind and QGIS styles."""
    if fmt == "gpkg":
        return _write_gpkg(path, frames, spec, options)
    fields = [spec.field(name) for name in spec.all_field_names()]
    layer = path.stem
    if fmt == "csv":
        return _write_csv(path, frames, fields, layer, options)
    layer_options = _GEOJSON_OPTIONS if fmt == "geojson" else {"TITLE": spec.title}
    stream_layer(path, _DRIVERS[fmt], layer, frames, fields, crs=options.crs or "",
                 geometry_type=spec.geometry_type, layer_options=layer_options,
                 text_types=("datetime",) if fmt in ("fgb", "geojson") else ())
    return []


def _write_gpkg(path: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec,
                options: ExportOptions) -> list[str]:
    if options.layer:
        runs: Iterable[tuple[LayerSpec, Iterable[pd.DataFrame]]] = [
            (LayerSpec(options.layer, spec.title, spec.all_field_names()), frames)
        ]
    else:
        runs = layer_runs(frames, spec)
    written: list[LayerSpec] = []
    for layer, run in runs:
        first = not written
        description = "; ".join(f"{k}={v}" for k, v in spec.metadata.items())
        stream_layer(
            path, "GPKG", layer.name, run, [spec.field(name) for name in layer.fields],
            crs=options.crs or "", geometry_type=spec.geometry_type, append=not first,
            dataset_options={"VERSION": "1.2"} if first else None,
            dataset_metadata=spec.metadata if first else None,
            layer_options={"IDENTIFIER": layer.title, "DESCRIPTION": description},
        )
        written.append(layer)
    if spec.style is not None:
        write_layer_styles(path, written, spec)
    return []


def _write_csv(path: Path, frames: Iterable[pd.DataFrame], fields: Sequence[Field],
               layer: str, options: ExportOptions) -> list[str]:
    texts = [f.name for f in fields if f.type == "str"]
    x_name, y_name = point_columns(options.crs or "")

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame(frame)
        frame[texts] = frame.reindex(columns=texts).apply(csv_text)
        if options.xy:
            x, y = surface_points(frame)
            frame = frame.assign(**{x_name: x, y_name: y})
        return frame

    if not options.xy:
        stream_layer(path, "CSV", layer, frames, fields, crs=options.crs or "",
                     geometry_type="MultiPolygon", layer_options=_CSV_OPTIONS,
                     text_types=("datetime",), prepare=prepare)
        return []
    xy = [Field(x_name, "float", x_name), Field(y_name, "float", y_name)]
    stream_layer(path, "CSV", layer, frames, [*xy, *fields], crs=None, geometry_type=None,
                 layer_options={k: v for k, v in _CSV_OPTIONS.items() if k != "GEOMETRY"},
                 text_types=("datetime",), prepare=prepare)
    return []


def stream_layer(
    path: Path, driver: str, layer: str, frames: Iterable[pd.DataFrame], fields: Sequence[Field],
    *, crs: str | None, geometry_type: str | None, append: bool = False,
    layer_options: Mapping[str, str] | None = None, dataset_options: Mapping[str, str] | None = None,
    dataset_metadata: Mapping[str, str] | None = None, text_types: Sequence[str] = (),
    bool_as_int: bool = False, prepare: Prepare | None = None,
) -> None:
    """Write one layer from a lazy stream of chunks with a fixed Arrow schema.

    `text_types` are written as ISO text (formats without a timestamp type),
    `prepare` adapts each chunk to the format before conversion.
    """
    geometry = geometry_type is not None
    schema = arrow_schema(fields, text_types=text_types, bool_as_int=bool_as_int, geometry=geometry)
    failures: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for frame in frames:
                yield to_batch(prepare(frame) if prepare else frame, schema)
        except BaseException as err:
            failures.append(err)
            raise

    reader = pa.RecordBatchReader.from_batches(schema, batches())
    previous = {name: pyogrio.get_gdal_config_option(name) for name in _STAGING_SQLITE}
    pyogrio.set_gdal_config_options(_STAGING_SQLITE)
    try:
        pyogrio.write_arrow(
            reader, str(path), layer=layer, driver=driver,
            geometry_name=GEOMETRY if geometry else None,
            geometry_type=geometry_type, crs=file_crs(crs) if crs else None, append=append,
            layer_options=dict(layer_options or {}), dataset_options=dict(dataset_options or {}),
            dataset_metadata=dict(dataset_metadata) if dataset_metadata else None,
        )
    except Exception:
        # The Arrow stream turns whatever stopped the chunks (a domain error, Ctrl-C)
        # into "Error while accessing batch from stream"; raise the real cause.
        if failures:
            raise failures[0] from None
        raise
    finally:
        pyogrio.set_gdal_config_options(previous)
