"""GeoParquet 1.1 export, streamed chunk by chunk with pyarrow's ParquetWriter.

geopandas' `to_parquet` needs the whole table in memory; writing row groups
as they come keeps memory flat. The `geo` metadata (CRS as PROJJSON, bbox,
geometry types) goes into the file footer once the last chunk is written,
when the bounding box is known.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from layers.export_spec import (
    GEOMETRY,
    ExportOptions,
    ExportSpec,
    arrow_schema,
    file_crs,
    geometries,
    to_batch,
)

GEOPARQUET_VERSION = "1.1.0"


def write_parquet(path: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec,
                  options: ExportOptions) -> list[str]:
    """Write a GeoParquet file with one row group per chunk."""
    fields = [spec.field(name) for name in spec.all_field_names()]
    typed = arrow_schema(fields)
    # Plain binary: GeoParquet readers find the geometry through the `geo` metadata.
    schema = typed.set(typed.get_field_index(GEOMETRY), pa.field(GEOMETRY, pa.binary()))
    bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])
    # Without the serialised Arrow schema, readers build the schema from the Parquet
    # footer, where `add_key_value_metadata` puts `geo`; the types map back the same.
    with pq.ParquetWriter(path, schema, compression="zstd", store_schema=False) as writer:
        for frame in frames:
            if frame.empty:
                continue
            minx, miny, maxx, maxy = shapely.total_bounds(geometries(frame))
            bounds = np.array([min(bounds[0], minx), min(bounds[1], miny),
                               max(bounds[2], maxx), max(bounds[3], maxy)])
            writer.write_batch(to_batch(frame, schema))
        writer.add_key_value_metadata({"geo": json.dumps(_geo_metadata(options, spec, bounds))})
    return []


def _geo_metadata(options: ExportOptions, spec: ExportSpec, bounds: np.ndarray) -> dict:
    column = {
        "encoding": "WKB",
        "geometry_types": [spec.geometry_type],
        "crs": CRS.from_user_input(file_crs(options.crs or "")).to_json_dict(),
        "edges": "planar",
    }
    if np.isfinite(bounds).all():
        column["bbox"] = [float(b) for b in bounds]
    return {"version": GEOPARQUET_VERSION, "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}
