"""CSV tables whose geometry is a WKT column or a pair of lon/lat columns.

Field-survey sheets and Excel exports carry codes such as ``0012`` and
``440106020``; a number parser would turn the first into 12, so every
attribute stays text (empty cells become None) and only the coordinate
columns are parsed. Errors carry no file name; ``layers.readers`` adds it.
"""

from __future__ import annotations

import csv
import io
import math

import geopandas
import numpy
import pandas
import shapely
from shapely.errors import GEOSException

from geo.errors import InputError

# Looked up case-insensitively, in this order; a WKT column wins over lon/lat.
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")

_LISTED_COLUMNS = 8


def read_csv(
    text: str,
    *,
    wkt_field: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> geopandas.GeoDataFrame:
    """Read CSV text into a frame with attributes as text and a geometry column.

    Parameters
    ----------
    text : str
        Decoded CSV; the first row is the header.
    wkt_field, lon_field, lat_field : str, optional
        Where the geometry is; when none is given, looked for among
        ``WKT_NAMES``, then ``LON_NAMES`` with ``LAT_NAMES``.

    Returns
    -------
    geopandas.GeoDataFrame
        Every column as read, except a WKT column, which becomes the
        geometry (lon/lat columns stay as text too). Rows with an empty
        WKT cell, or with both lon and lat empty, get a None geometry.
    """
    header, rows = _parse_rows(text)
    wkt, lon, lat = _geometry_fields(header, wkt_field, lon_field, lat_field)
    columns = {name: [row[i] or None for row in rows] for i, name in enumerate(header)}
    if wkt is not None:
        geometry = _parse_wkt(columns.pop(wkt), wkt)
    else:
        geometry = _parse_points(columns[lon], columns[lat], lon, lat)
    attributes = pandas.DataFrame(columns, index=pandas.RangeIndex(len(rows)))
    return geopandas.GeoDataFrame(attributes, geometry=geopandas.GeoSeries(geometry))


def _parse_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows; blank lines are skipped, ragged rows refused."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("empty file: no header row")
        _check_header(header)
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise InputError(f"row {len(rows) + 1}: {len(row)} fields, but the header has {len(header)}")
            rows.append(row)
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: not readable as CSV ({exc})") from exc
    return header, rows


def _check_header(header: list[str]) -> None:
    """Refuse repeated column names, which would make attributes ambiguous."""
    seen = set()
    for name in header:
        if name in seen:
            raise InputError(f"column {name!r} appears twice in the header{_data_hint(header)}")
        seen.add(name)


def _geometry_fields(
    header: list[str], wkt_field: str | None, lon_field: str | None, lat_field: str | None
) -> tuple[str | None, str | None, str | None]:
    """Pick the WKT column or the lon/lat pair, as given or by their usual names."""
    if wkt_field and (lon_field or lat_field):
        raise InputError("give either a WKT field or lon/lat fields, not both")
    if bool(lon_field) != bool(lat_field):
        raise InputError("give both the lon field and the lat field")
    if wkt_field:
        return _require(header, wkt_field), None, None
    if lon_field:
        return None, _require(header, lon_field), _require(header, lat_field)
    wkt = _find(header, WKT_NAMES)
    if wkt is not None:
        return wkt, None, None
    lon, lat = _find(header, LON_NAMES), _find(header, LAT_NAMES)
    if lon is not None and lat is not None:
        return None, lon, lat
    raise InputError(f"no geometry column ({_describe_columns(header)})", field="wkt_field",
                     code="no_geometry_column")


def _require(header: list[str], field: str) -> str:
    """The named column, or an error listing the ones there are."""
    if field not in header:
        raise InputError(f"field {field!r} not found ({_describe_columns(header)})")
    return field


def _find(header: list[str], names: tuple[str, ...]) -> str | None:
    """First header column whose trimmed, lower-cased name is one of ``names``."""
    folded: dict[str, str] = {}
    for column in header:
        folded.setdefault(column.strip().lower(), column)
    return next((folded[name] for name in names if name in folded), None)


def _describe_columns(header: list[str]) -> str:
    """Short column listing, for errors about fields."""
    shown = ", ".join(repr(name) for name in header[:_LISTED_COLUMNS])
    more = f" and {len(header) - _LISTED_COLUMNS} more" if len(header) > _LISTED_COLUMNS else ""
    return f"columns: {shown}{more}{_data_hint(header)}"


def _data_hint(header: list[str]) -> str:
    """A hint for header-less files, whose first row holds numbers."""
    for name in header:
        try:
            float(name)
        except ValueError:
            continue
        return "; the first row looks like data: the file may have no header row"
    return ""


def _parse_wkt(texts: list[str | None], field: str) -> numpy.ndarray:
    """Parse a WKT column in one vectorised call, naming the first bad row."""
    values = numpy.array(texts, dtype=object)
    geometries = shapely.from_wkt(values, on_invalid="ignore")
    bad = numpy.flatnonzero(shapely.is_missing(geometries) & pandas.notna(values))
    if bad.size:
        row = int(bad[0])
        raise InputError(f"row {row + 1}, field {field!r}: not valid WKT ({_wkt_reason(values[row])})")
    return geometries


def _wkt_reason(text: str) -> str:
    """GEOS's own words for a WKT text it refused, else the text itself."""
    try:
        shapely.from_wkt(text)
    except GEOSException as exc:
        return str(exc)
    return repr(text[:40])


def _parse_points(
    lons: list[str | None], lats: list[str | None], lon_field: str, lat_field: str
) -> numpy.ndarray:
    """Points from lon/lat text; both cells empty means no geometry."""
    coords = numpy.full((len(lons), 2), numpy.nan)
    present = numpy.zeros(len(lons), dtype=bool)
    for index, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
        if lon is None and lat is None:
            continue
        coords[index] = (
            _coordinate(lon, index + 1, lon_field),
            _coordinate(lat, index + 1, lat_field),
        )
        present[index] = True
    points = numpy.full(len(lons), None, dtype=object)
    points[present] = shapely.points(coords[present])
    return points


def _coordinate(text: str | None, row: int, field: str) -> float:
    """One finite coordinate, or an error naming the row and field."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        got = "an empty cell" if text is None else repr(text)
        raise InputError(f"row {row}, field {field!r}: expected a finite number, got {got}")
    return value
