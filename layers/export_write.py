"""Write an export: pick the format and writer (here and nowhere else), never a partial file.

Every writer works in a private folder beside the output and the finished
file is synced to disk once and moved into place with one `os.replace`; an error, Ctrl-C or SIGTERM
(turned into KeyboardInterrupt by the CLI) removes the folder, so the output
path only ever holds a complete export, or nothing, or what was there before.
A process killed outright (SIGKILL, power cut) cannot clean up: its folder is
named with its process id, and the next export into the same folder removes it
once that process is gone (or, for any staging folder, after `STALE_AFTER`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pandas as pd

from geo.crs import GCJ02, STORAGE_CRS, WGS84_CRS
from geo.disk import flush_to_disk
from geo.errors import ConflictError, InputError, NotFoundError
from layers.export_excel import write_excel
from layers.export_ogr import write_ogr
from layers.export_parquet import write_parquet
from layers.export_shp import shapefile_set, write_shapefile
from layers.export_spec import (
    ExportOptions,
    ExportResult,
    ExportSpec,
    Progress,
    Tally,
    normalise_crs,
    reproject,
)

STALE_AFTER = timedelta(days=7)  # generous: no export runs this long
# `.NAME.PID-RANDOM.partial` as `_staging_folder` makes them (`.NAME.RANDOM.partial` before pids).
_STAGING = re.compile(r"^\..+\.(?:(?P<pid>\d+)-)?[a-z0-9_]{8}\.partial$")

Writer = Callable[[Path, Iterable[pd.DataFrame], ExportSpec, ExportOptions], list[str]]


@dataclass(frozen=True)
class Format:
    """An export format: its extensions, its writer and the CRSs it can hold."""

    extensions: tuple[str, ...]
    writer: Writer
    crs_choices: tuple[str, ...] | None = None  # None: any offered CRS
    default_crs: str = STORAGE_CRS


def _ogr(fmt: str) -> Writer:
    def write(path: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec,
              options: ExportOptions) -> list[str]:
        return write_ogr(path, frames, spec, options, fmt=fmt)

    return write


FORMATS: dict[str, Format] = {
    "gpkg": Format((".gpkg",), _ogr("gpkg")),
    "geojson": Format((".geojson", ".json"), _ogr("geojson"), (WGS84_CRS, GCJ02), WGS84_CRS),
    "shp": Format((".zip", ".shp"), write_shapefile),
    "csv": Format((".csv",), _ogr("csv")),
    "parquet": Format((".parquet", ".geoparquet"), write_parquet),
    "fgb": Format((".fgb",), _ogr("fgb")),
    "xlsx": Format((".xlsx",), write_excel),
}


def resolve_options(out: Path, options: ExportOptions) -> ExportOptions:
    """The options with format and CRS settled and checked against each other."""
    fmt = options.fmt.lower().lstrip(".") if options.fmt else _format_from_name(out)
    if fmt not in FORMATS:
        raise InputError(f"--format: unknown format {options.fmt!r}; use {'|'.join(FORMATS)}")
    chosen = FORMATS[fmt]
    crs = normalise_crs(options.crs) if options.crs else chosen.default_crs
    if chosen.crs_choices is not None and crs not in chosen.crs_choices:
        raise InputError(f"--crs: {fmt} (RFC 7946) is WGS84 lon/lat; use EPSG:4326 or gcj02, not {crs}")
    if options.xy and fmt != "csv":
        raise InputError("--xy applies to CSV output only")
    if options.layer is not None and fmt != "gpkg":
        raise InputError("--layer applies to GeoPackage output only")
    if options.layer is not None and (not options.layer.strip() or
                                      options.layer.lower().startswith(("gpkg_", "rtree_", "layer_styles"))):
        raise InputError(f"--layer: {options.layer!r} is not a usable layer name")
    return replace(options, fmt=fmt, crs=crs)


def _format_from_name(out: Path) -> str:
    suffix = out.suffix.lower()
    for name, fmt in FORMATS.items():
        if suffix in fmt.extensions:
            return name
    known = ", ".join(ext for fmt in FORMATS.values() for ext in fmt.extensions)
    raise InputError(f"{out.name}: cannot tell the format from {suffix or 'no extension'!r}; "
                     f"use --format or one of {known}")


def check_export(out: Path, options: ExportOptions) -> ExportOptions:
    """Fail fast, before any query, on a bad format, CRS or output path; nothing is left behind."""
    resolved = resolve_options(out, options)
    with _staging_folder(out, resolved.overwrite):
        pass
    return resolved


def write_export(
    out: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec, options: ExportOptions,
    *, progress: Progress | None = None,
) -> ExportResult:
    """Write `frames` (EPSG:4490, grouped by layer) to `out` in the chosen format.

    Returns what was written, counted per layer and style category.
    """
    resolved = resolve_options(out, options)
    tally = Tally(spec, progress)
    with _staging_folder(out, resolved.overwrite) as folder:
        prepared = _counted(frames, tally, resolved.crs or STORAGE_CRS)
        notes = FORMATS[resolved.fmt or ""].writer(folder / out.name, prepared, spec, resolved)
        targets = _targets(out)
        _check_free(targets, resolved.overwrite)  # one may have appeared while we were writing
        for target in targets:  # on disk before they take their names: writers need not sync
            flush_to_disk(folder / target.name)
        for target in targets:
            os.replace(folder / target.name, target)
        flush_to_disk(out.parent)  # and the new names too
    result = tally.result(out, resolved.fmt or "", resolved.crs or STORAGE_CRS)
    result.notes.extend(notes)
    return result


def _counted(frames: Iterable[pd.DataFrame], tally: Tally, crs: str) -> Iterator[pd.DataFrame]:
    for frame in frames:
        tally.count(frame)
        yield reproject(frame, crs)


def _targets(out: Path) -> list[Path]:
    """The files an export to `out` writes, `out` last: one, or a Shapefile's set."""
    return shapefile_set(out) if out.suffix.lower() == ".shp" else [out]


def _check_free(targets: list[Path], overwrite: bool) -> None:
    for target in targets:
        if target.is_dir():
            raise InputError(f"{target}: is a folder; give a file name")
        if target.exists() and not overwrite:
            raise ConflictError(f"{target}: exists; use --overwrite to replace it")


@contextmanager
def _staging_folder(out: Path, overwrite: bool) -> Iterator[Path]:
    """A private folder beside `out`, removed on the way out whatever happens."""
    parent = out.parent
    if not parent.exists():
        raise NotFoundError(f"{out}: folder {parent} does not exist")
    if not parent.is_dir():
        raise InputError(f"{out}: {parent} is not a folder")
    _check_free(_targets(out), overwrite)
    _remove_stale_staging(parent)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}-", suffix=".partial", dir=parent))
    except OSError as err:
        raise InputError(f"{out}: cannot write in {parent} ({err.strerror})") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_staging(parent: Path) -> None:
    """Remove the staging folders of exports killed outright; never a live one's."""
    now = time.time()
    for folder in parent.glob(".*.partial"):
        match = _STAGING.match(folder.name)
        if match is None or not folder.is_dir():
            continue
        try:
            old = now - folder.stat().st_mtime > STALE_AFTER.total_seconds()
        except OSError:  # removed meanwhile by its owner
            continue
        pid = match.group("pid")
        if old or (pid is not None and not _running(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
