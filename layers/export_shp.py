"""Shapefile export: a zipped set with a `.cpg` saying UTF-8 and a field-name sidecar.

The format's limits are met here, openly: field names of at most 10
characters (shortened word by word, listed in `<layer>.fields.csv` beside the
data), text of at most 254 bytes (cut on a character boundary, counted in the
notes), no timestamps (ISO 8601 text) and no booleans (0/1).
"""

from __future__ import annotations

import csv
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


def write_shapefile(path: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec,
                    options: ExportOptions) -> list[str]:
    """Write `path` (a .zip) holding the Shapefile set and its `.fields.csv` sidecar."""
    layer = path.name.removesuffix(".zip").removesuffix(".shp") or "parcels"
    fields = [spec.field(name) for name in spec.all_field_names()]
    short = shorten_names([f.name for f in fields])
    renamed = [replace(f, name=short[f.name]) for f in fields]
    text_fields = [f.name for f in fields if f.type in ("str", "datetime")]
    cut = {"values": 0}

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame(frame)
        for name in text_fields:
            if name in frame and frame[name].dtype == object:
                frame[name], count = _clip_text(frame[name])
                cut["values"] += count
        return frame.rename(columns=short)

    folder = path.parent / f"{layer}.shp.d"
    folder.mkdir()
    shp = folder / f"{layer}.shp"
    stream_layer(shp, "ESRI Shapefile", layer, frames, renamed, crs=options.crs,
                 geometry_type=spec.geometry_type, layer_options={"ENCODING": "UTF-8"},
                 text_types=("datetime",), bool_as_int=True, prepare=prepare)
    sidecar = folder / f"{layer}.fields.csv"
    _write_sidecar(sidecar, fields, short)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for suffix in MEMBERS:
            member = shp.with_suffix(suffix)
            if member.exists():
                archive.write(member, member.name)
        archive.write(sidecar, sidecar.name)
    notes = [f"{sum(short[n] != n for n in short)} field names shortened; see {sidecar.name}"]
    if cut["values"]:
        notes.append(f"{cut['values']} text values cut to {MAX_TEXT_BYTES} bytes (dBASE limit)")
    return notes


def shorten_names(names: Sequence[str], limit: int = MAX_NAME) -> dict[str, str]:
    """Unique dBASE field names: words trimmed from the longest until the name fits.

    `demolished_count` → `demo_count`, `last_inspected_at` → `las_ins_at`; a
    clash takes a numeric suffix. Names that fit are kept as they are.
    """
    taken: set[str] = {n.lower() for n in names if len(n) <= limit}
    result: dict[str, str] = {}
    for name in names:
        if len(name) <= limit:
            result[name] = name
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
    """Cut text longer than the dBASE limit on a UTF-8 character boundary."""
    count = 0

    def clip(value: object) -> object:
        nonlocal count
        if not isinstance(value, str):
            return value
        encoded = value.encode("utf-8")
        if len(encoded) <= MAX_TEXT_BYTES:
            return value
        count += 1
        return encoded[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore")

    return values.map(clip), count


def _write_sidecar(path: Path, fields: Sequence[Field], short: dict[str, str]) -> None:
    """short_name, field_name, label, type — UTF-8 with BOM so Excel shows the labels."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["short_name", "field_name", "label", "type"])
        for f in fields:
            writer.writerow([short[f.name], f.name, f.label, f.type])
