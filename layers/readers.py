"""Read a layer file of any format users bring, without reprojecting it.

GeoPackages come from QGIS, GBK shapefiles from older desktop GIS, GeoJSON
from Chinese web maps and CSV from Excel. Whatever is wrong with a file
becomes one ``InputError`` line naming the file (and the feature, row or
field), never a GDAL traceback. Per-row defects that can be read past (such
as unclosed rings) are returned, not fixed silently or fatal: the importer
decides whether to fail, repair or skip.

GeoJSON and CSV are parsed here (``layers.read_geojson``, ``layers.read_csv``);
GeoPackage, Shapefile and FlatGeobuf go through GDAL.
"""

from __future__ import annotations

import codecs
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import fiona
import geopandas
import numpy
import pyogrio
import pyproj
from pyogrio.errors import DataLayerError, DataSourceError

from geo.checks import Repair
from geo.crs import GCJ02, WGS84_CRS
from geo.errors import InputError
from layers.read_csv import read_csv
from layers.read_geojson import read_geojson

GDAL_FORMATS = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".fgb": "FlatGeobuf"}
JSON_SUFFIXES = (".geojson", ".json")
CSV_SUFFIX = ".csv"
NO_CRS = "no CRS in the file"
_READ_OPTIONS = ("layer", "encoding", "crs", "wkt_field", "lon_field", "lat_field")  # read_layer's, in order


@dataclass
class ReadResult:
    """One layer as read: attributes and geometry in the source CRS, plus defects.

    ``frame.crs`` is ``crs`` for EPSG codes; for GCJ-02 it is None, so that
    no geopandas reprojection can treat the ~600 m-offset coordinates as
    WGS84 by mistake: convert them with ``geo.gcj02`` first.
    """

    frame: geopandas.GeoDataFrame
    path: Path
    crs: str
    row_defects: dict[int, list[Repair]] = field(default_factory=dict)
    encoding: str | None = None
    first_row: int = 0  # of a chunk (`read_layer_chunks`): the file's row number of its row 0
    total: int | None = None  # rows in the whole file, where known before the last chunk


def parse_crs(text: str) -> str:
    """Normalise a CRS given by a user or a file to ``EPSG:NNNN`` or ``gcj02``.

    GCJ-02 has no EPSG code, so its spellings (gcj02, GCJ-02, GCJ_02) are
    recognised here; anything else must resolve, through pyproj, to an EPSG
    code, which is what the store and the exports are keyed on.

    Raises
    ------
    InputError
        Naming the value, when pyproj cannot resolve it to an EPSG code.
    """
    cleaned = text.strip()
    if cleaned.lower().replace("-", "").replace("_", "") == GCJ02:
        return GCJ02
    try:
        crs = pyproj.CRS.from_user_input(cleaned)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(f"unknown CRS {text!r}; give an EPSG code (e.g. EPSG:4490) or gcj02") from exc
    return _epsg_code(crs, text)


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    wkt_field: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> ReadResult:
    """Read one layer of a GeoPackage, Shapefile, GeoJSON, FlatGeobuf or CSV file.

    Parameters
    ----------
    path : str or Path
        The file; its suffix picks the format.
    layer : str, optional
        GeoPackage layer; needed only when the file has several.
    encoding : str, optional
        Attribute text encoding of a Shapefile, GeoJSON or CSV (GeoPackage
        and FlatGeobuf are always UTF-8). By default a shapefile's .cpg is
        used, else its DBF text is tried as UTF-8, then GB18030 (covers GBK);
        GeoJSON and CSV must then be UTF-8 (a BOM is fine).
    crs : str, optional
        Replaces whatever CRS the file says (see ``parse_crs``); required
        for CSV and for files without one.
    wkt_field, lon_field, lat_field : str, optional
        CSV geometry columns, when not named as usual (see ``layers.read_csv``).

    Returns
    -------
    ReadResult
        Never reprojected; rows numbered 0..n-1.

    Raises
    ------
    InputError
        One line naming the file, and the feature/row (1-based) or field.
    """
    return next(read_layer_chunks(path, rows=0, layer=layer, encoding=encoding, crs=crs, wkt_field=wkt_field,
                                  lon_field=lon_field, lat_field=lat_field))


def read_layer_chunks(path: str | Path, *, rows: int, **options: str | None) -> Iterator[ReadResult]:
    """``read_layer`` (the same options), `rows` features at a time: a million parcels need not all
    be in memory at once.

    GeoPackage, Shapefile and FlatGeobuf are read a chunk at a time (each
    chunk's ``first_row`` says where it starts, ``total`` how many rows the
    file holds); GeoJSON and CSV, parsed whole anyway, come as one chunk.
    Errors are those of ``read_layer``, raised by the chunk that meets them.
    """
    path = Path(path)
    layer, encoding, crs, wkt, lon, lat = (options.pop(name, None) for name in _READ_OPTIONS)
    if options:
        raise TypeError(f"unknown read options: {', '.join(options)}")
    yield from _named_errors(path, _read(path, layer, encoding, crs, (wkt, lon, lat), rows))


def _named_errors(path: Path, chunks: Iterator[ReadResult]) -> Iterator[ReadResult]:
    """The reader's chunks, with every error as one InputError line naming the file."""
    try:
        yield from chunks
    except InputError as exc:
        raise InputError(f"{path}: {' '.join(str(exc).split())}", field=exc.field, row=exc.row,
                         code=exc.code) from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from exc


def _read(
    path: Path,
    layer: str | None,
    encoding: str | None,
    crs: str | None,
    csv_fields: tuple[str | None, str | None, str | None],
    rows: int,
) -> Iterator[ReadResult]:
    """Dispatch on the suffix, after checking what applies to every format; `rows` per chunk (0: all)."""
    override = parse_crs(crs) if crs else None
    codec = _codec(encoding)
    if not path.exists():
        raise InputError("no such file")
    if path.is_dir():
        raise InputError("is a directory, not a layer file")
    suffix = path.suffix.lower()
    if suffix != CSV_SUFFIX and any(csv_fields):
        raise InputError("the WKT, lon and lat fields are named only for a CSV", field="wkt_field",
                         code="not_applicable")
    if suffix in GDAL_FORMATS:
        yield from _read_gdal(path, layer, codec, override, rows)
        return
    if layer is not None:
        raise InputError("a layer is chosen only in a GeoPackage file", field="layer", code="not_applicable")
    if suffix in JSON_SUFFIXES:
        yield _read_json(path, codec, override)
        return
    if suffix == CSV_SUFFIX:
        yield _read_csv(path, codec, override, csv_fields)
        return
    known = ", ".join([*GDAL_FORMATS, *JSON_SUFFIXES, CSV_SUFFIX])
    raise InputError(f"not a layer format landpatrol reads (suffixes: {known})")


def _read_json(path: Path, codec: str | None, override: str | None) -> ReadResult:
    """GeoJSON: the legacy ``crs`` member if any, else RFC 7946's WGS84."""
    text, used = _read_text(path, codec)
    frame, named_crs, defects = read_geojson(text)
    found = parse_crs(named_crs) if named_crs else WGS84_CRS
    return _result(frame, path, override or found, defects, used)


def _read_csv(
    path: Path,
    codec: str | None,
    override: str | None,
    csv_fields: tuple[str | None, str | None, str | None],
) -> ReadResult:
    """CSV: no CRS of its own, so the caller must give one."""
    if override is None:
        raise InputError("a CSV file has no CRS", field="crs", code="no_crs")
    text, used = _read_text(path, codec)
    wkt, lon, lat = csv_fields
    frame = read_csv(text, wkt_field=wkt, lon_field=lon, lat_field=lat)
    return _result(frame, path, override, {}, used)


def _codec(encoding: str | None) -> str | None:
    """Python's canonical name of an encoding (gbk, utf-8, gb18030), checked."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputError(f"unknown encoding {encoding!r}") from exc


def _read_text(path: Path, codec: str | None) -> tuple[str, str]:
    """Decode a text file strictly: mis-decoded Chinese must not pass unnoticed."""
    used = codec or "utf-8"
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig" if used == "utf-8" else used), used
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"text is not {used.upper()} (line {line})", field="encoding", row=line,
                         code="wrong_encoding" if codec else "unknown_encoding") from exc


def _result(
    frame: geopandas.GeoDataFrame,
    path: Path,
    crs: str,
    defects: dict[int, list[Repair]],
    encoding: str | None,
) -> ReadResult:
    """Label the frame with its CRS (None for GCJ-02, see ReadResult) and wrap it."""
    frame = frame.set_crs(None if crs == GCJ02 else crs, allow_override=True)
    return ReadResult(frame, path, crs, defects, encoding)


def _epsg_code(crs: pyproj.CRS, label: str) -> str:
    """``EPSG:NNNN`` for a pyproj CRS; OGC CRS84 counts as EPSG:4326 (both lon/lat here)."""
    if crs.to_authority() == ("OGC", "CRS84"):
        return WGS84_CRS
    code = crs.to_epsg()
    if code is None:
        raise InputError(f"CRS {label!r} has no EPSG code", field="crs", code="no_crs")
    return f"EPSG:{code}"


# --------------------------------------------------------------------------
# GeoPackage, Shapefile, FlatGeobuf: through GDAL


def _read_gdal(
    path: Path, layer: str | None, codec: str | None, override: str | None, rows: int
) -> Iterator[ReadResult]:
    """Read a GDAL-format layer, `rows` features at a time (0: all at once), and resolve its CRS."""
    encoding = used = None
    if path.suffix.lower() == ".shp":
        encoding, used = _prepare_shapefile(path, codec, has_crs=override is not None)
    name = _pick_layer(path, layer)
    total = _feature_count(path, name) if rows else None
    frame = _read_frame(path, layer=name, encoding=encoding, rows=(0, rows or None))
    if override is None and frame.crs is None:
        raise InputError(NO_CRS, field="crs", code="no_crs")
    crs = override or _epsg_code(frame.crs, frame.crs.name)
    first = replace(_result(frame, path, crs, {}, used), total=total)
    yield first
    for start in range(rows, total or 0, rows):
        frame = _read_frame(path, layer=name, encoding=encoding, rows=(start, rows))
        yield replace(first, frame=_result(frame, path, crs, {}, used).frame, first_row=start)


def _feature_count(path: Path, layer: str) -> int:
    """How many features the layer holds (counted by GDAL where the file does not say)."""
    try:
        return int(pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"])
    except (DataSourceError, DataLayerError) as exc:
        raise InputError(f"not readable (truncated or damaged?): {exc}") from exc


def _pick_layer(path: Path, layer: str | None) -> str:
    """The layer asked for, or the only one with geometry; else list them."""
    kind = GDAL_FORMATS[path.suffix.lower()]
    try:
        listed = pyogrio.list_layers(path)
    except DataSourceError as exc:
        raise InputError(f"not a readable {kind} (truncated or damaged?): {exc}") from exc
    names = [str(name) for name, geometry_type in listed if geometry_type is not None]
    if layer is not None and layer in names:
        return layer
    if layer is None and len(names) == 1:
        return names[0]
    if not names:
        raise InputError(f"no layer with geometry in this {kind}")
    if layer is None:
        raise InputError(f"{len(names)} layers: {', '.join(names)}", field="layer", code="many_layers")
    raise InputError(f"no layer {layer!r} with geometry; layers: {', '.join(names)}")


def _read_frame(
    path: Path, *, layer: str, encoding: str | None, rows: tuple[int, int | None] = (0, None)
) -> geopandas.GeoDataFrame:
    """The one place that picks the engine: pyogrio in bulk, fiona to find a bad feature.

    pyogrio reads all features (or the `rows` = (skip, count) chunk) in one
    call, about 10x faster than fiona, but a damaged feature fails the whole
    read without saying which one.
    """
    skip, count = rows
    try:
        return pyogrio.read_dataframe(path, layer=layer, encoding=encoding, skip_features=skip,
                                      max_features=count)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"attribute text is not {encoding or 'in the encoding the file declares'}",
            field="encoding", code="unknown_encoding") from exc
    except (DataSourceError, DataLayerError) as exc:
        bad = _first_unreadable_feature(path, layer=layer, encoding=encoding)
        where = f"feature {bad}: " if bad else ""
        raise InputError(f"{where}unreadable, the file is truncated or damaged ({exc})") from exc


def _first_unreadable_feature(path: Path, *, layer: str, encoding: str | None) -> int | None:
    """1-based number of the first feature fiona cannot read; None if all read.

    A truncated file may also just end early without an error (FlatGeobuf
    and DBF do), which the declared feature count betrays.
    """
    try:
        source = fiona.open(path, layer=layer, encoding=encoding)
    except fiona.errors.FionaError:
        return None
    with source:
        expected, count = len(source), 0
        try:
            for _ in source:
                count += 1
        except Exception:  # fiona also raises GDAL's private CPLE_* error classes
            return count + 1
    return count + 1 if count < expected else None


# --------------------------------------------------------------------------
# Shapefile sidecars and DBF text


def _prepare_shapefile(shp: Path, codec: str | None, *, has_crs: bool) -> tuple[str | None, str | None]:
    """Check the sidecars, and choose the DBF encoding: (to pass to GDAL, to report).

    GDAL reads a .cpg by itself; without one it assumes ISO-8859-1 and turns
    GBK names into mojibake without a warning, so the encoding is detected here.
    """
    shx, dbf = _sidecar(shp, ".shx"), _sidecar(shp, ".dbf")
    for suffix, found in ((".shx", shx), (".dbf", dbf)):
        if found is None:
            raise InputError(f"{suffix} is missing (a shapefile needs .shp, .shx and .dbf)")
    if not has_crs and _sidecar(shp, ".prj") is None:
        raise InputError(NO_CRS, field="crs", code="no_crs")
    bad = _first_truncated_shape(shp, shx)
    if bad is not None:
        raise InputError(f"feature {bad}: geometry lies past the end of the .shp (truncated)")
    if codec is not None:
        return codec, codec
    cpg = _sidecar(shp, ".cpg")
    if cpg is not None:
        return None, cpg.read_text(encoding="ascii", errors="replace").strip()
    detected = _detect_dbf_encoding(dbf)
    return detected, detected


def _sidecar(shp: Path, suffix: str) -> Path | None:
    """The file beside a .shp with this suffix, in lower or upper case, as GDAL looks."""
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _first_truncated_shape(shp: Path, shx: Path) -> int | None:
    """1-based number of the first record the .shx places beyond the end of the .shp.

    GDAL reads such records as null geometries without raising, so a cut-off
    download would otherwise import as "empty" parcels.
    """
    index = shx.read_bytes()[100:]
    records = numpy.frombuffer(index[: len(index) // 8 * 8], dtype=">i4").reshape(-1, 2)
    # Offsets and lengths are in 16-bit words; each record has an 8-byte header.
    ends = (records[:, 0].astype(numpy.int64) + 4 + records[:, 1]) * 2
    beyond = numpy.flatnonzero(ends > shp.stat().st_size)
    return int(beyond[0]) + 1 if beyond.size else None


def _detect_dbf_encoding(dbf: Path) -> str:
    """UTF-8 if the DBF's text decodes as such, else GB18030 (a superset of GBK)."""
    text = _dbf_text(dbf)
    for candidate in ("utf-8", "gb18030"):
        try:
            text.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    raise InputError(".dbf text is neither UTF-8 nor GBK/GB18030", field="encoding", code="unknown_encoding")


def _dbf_text(dbf: Path) -> bytes:
    """Field names and records of a DBF: every byte whose encoding matters.

    Numeric, date and logical fields are ASCII, so whole records can be
    decoded together with the text fields.
    """
    data = dbf.read_bytes()
    try:
        count, header_size, record_size = struct.unpack_from("<IHH", data, 4)
    except struct.error as exc:
        raise InputError(".dbf is damaged (shorter than its header)") from exc
    names, position = [], 32
    while position < header_size and data[position : position + 1] not in (b"\r", b""):
        names.append(data[position : position + 11].split(b"\0")[0])
        position += 32
    return b" ".join(names) + data[header_size : header_size + count * record_size]
