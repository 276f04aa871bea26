"""Shapefile export: the set (`.shp .shx .dbf .prj .cpg`) and a field-name sidecar, or all zipped.

`NAME.shp` writes the set beside it, `NAME.zip` (or any other name) zips it. All chosen kinds go
in one table with a `kind` column, as in CSV and GeoJSON (a Shapefile holds one
layer). The format's limits are met here, openly: field names of at most 10
characters (each export column's own short name, listed in `<name>.fields.csv`
beside the data), text of at most 254 bytes (cut on a character boundary, and
the command says which fields), no timestamps (ISO 8601 text) and no booleans (0/1).
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from layers.export_ogr import stream_layer
from layers.export_spec import ExportOptions, ExportSpec, Field

MAX_NAME = 10
MAX_TEXT_BYTES = 254
MEMBERS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
SIDECAR = ".fields.csv"


def shapefile_set(path: Path) -> list[Path]:
    """The files a `.shp` export writes, the `.shp` itself last (it makes the set visible)."""
    return [*(path.with_suffix(s) for s in (*MEMBERS[1:], SIDECAR)), path.with_suffix(".shp")]


def write_shapefile(path: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec,
                    options: ExportOptions) -> list[str]:
    """Write the Shapefile set named by `path` (`.shp`), or a zip holding it (any other name)."""
    zipped = path.suffix.lower() != ".shp"
    layer = path.name.removesuffix(".zip").removesuffix(".shp") if zipped else path.stem
    layer = layer or "parcels"
    folder = path.parent / f"{layer}.shp.d" if zipped else path.parent
    folder.mkdir(exist_ok=True)
    shp = folder / f"{layer}.shp"
    fields = [spec.field(name) for name in spec.all_field_names()]
    short = shorten_names(fields)
    cut = _write_set(shp, frames, spec, options, fields, short)
    sidecar = shp.with_suffix(SIDECAR)
    _write_sidecar(sidecar, fields, short)
    if zipped:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in shapefile_set(shp):
                if member.exists():
                    archive.write(member, member.name)
        shutil.rmtree(folder)
    notes = [f"{sum(short[n] != n for n in short)} field names shortened; see {sidecar.name}"]
    if cut:
        counts = ", ".join(f"{name} ({n})" for name, n in cut.items())
        notes.append(f"Shapefile text is at most {MAX_TEXT_BYTES} bytes: values cut in {counts}; "
                     f"export to GeoPackage (.gpkg) to keep the full text")
    return notes


def _write_set(shp: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec, options: ExportOptions,
               fields: Sequence[Field], short: dict[str, str]) -> dict[str, int]:
    """Write the set; returns how many values were cut, by field."""
    renamed = [replace(f, name=short[f.name]) for f in fields]
    text_fields = [f.name for f in fields if f.type == "str"]
    cut: dict[str, int] = {}

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame(frame)
        for name in text_fields:
            if name in frame:
                frame[name], count = _clip_text(frame[name])
                if count:
                    cut[name] = cut.get(name, 0) + count
        return frame.rename(columns=short)

    stream_layer(shp, "ESRI Shapefile", shp.stem, frames, renamed, crs=options.crs,
                 geometry_type=spec.geometry_type, layer_options={"ENCODING": "UTF-8"},
                 text_types=("datetime",), bool_as_int=True, prepare=prepare)
    return cut


def shorten_names(fields: Sequence[Field], limit: int = MAX_NAME) -> dict[str, str]:
    """Unique dBASE field names: the field's own short name, else words trimmed to fit.

    Names that fit are kept; `demolished_count` → `demo_count` where no short
    name is given; a clash takes a numeric suffix.
    """
    chosen = {f.name: f.short or f.name for f in fields}
    taken: set[str] = {n.lower() for n in chosen.values() if len(n) <= limit}
    result: dict[str, str] = {}
    for name, wanted in chosen.items():
        if len(wanted) <= limit:
            result[name] = wanted
            continue
        candidate = _trim_words(name, limit)
        counter = 1
        while candidate.lower() in taken:
            suffix = str(counter)
            candidate = _trim_words(name, limit - len(suffix)) + suffix
            counter += 1
        taken.add(candidate.lower())
        result[name] = candidate
    return result


def _trim_words(name: str, limit: int) -> str:
    words = [w for w in name.split("_") if w]
    while len("_".join(words)) > limit and max(len(w) for w in words) > 1:
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        words[longest] = words[longest][:-1]
    joined = "_".join(words)
    return joined if len(joined) <= limit else "".join(words)[:limit]


def _clip_text(values: pd.Series) -> tuple[pd.Series, int]:
    """Cut text longer than the dBASE limit on a UTF-8 character boundary; how many were cut."""
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return values, 0
    # A character is at most 4 bytes: only values this long can be too long.
    suspect = values.str.len().fillna(0).astype(float) * 4 > MAX_TEXT_BYTES
    if not suspect.any():
        return values, 0
    clipped = values[suspect].map(_clip)
    count = int((clipped != values[suspect]).sum())
    return values.astype(object).where(~suspect, clipped), count


def _clip(value: object) -> object:
    if not isinstance(value, str):
        return value
    return value.encode("utf-8")[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore")


def _write_sidecar(path: Path, fields: Sequence[Field], short: dict[str, str]) -> None:
    """short_name, field_name, label, type — UTF-8 with BOM so Excel shows the labels."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["short_name", "field_name", "label", "type"])
        for f in fields:
            writer.writerow([short[f.name], f.name, f.label, f.type])
