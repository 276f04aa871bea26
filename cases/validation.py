"""Checking inspection records, a whole table at a time.

One code path for a single `inspect log` and a 100,000-row import: the
record(s) come in as a DataFrame of raw values, every rule runs on whole
columns, and the result is the clean typed rows plus one error per bad field,
each naming its row and field. Nothing here writes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.models import Inspection
from cases.rules import FINDINGS
from cases.status.clock import EARLIEST, LOCAL_TZ
from geo.crs import MEASURE_CRS
from geo.dialects import LOOKUP_CHUNK, select_dialect
from geo.errors import InputError
from geo.frames import read_geo_frame, wkb_column
from geo.measure import from_storage
from geo.orm import utc_now
from geo.text import CONTROL_CLASS, control_message
from layers.models import Parcel

REQUIRED_COLUMNS = ("parcel_code", "inspected_at", "inspector")
OPTIONAL_COLUMNS = ("lon", "lat", "note", "client_id", "photos")
OFF_SITE_METRES = 200.0
AREA_TOLERANCE_M2 = 0.5
SQL_IN_LIMIT = 500
CLOCK_SKEW = pd.Timedelta(minutes=1)
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "是", "有", "x", "✓"})
FALSE_WORDS = frozenset({"", "0", "false", "f", "no", "n", "否", "无", "nan", "none"})
# China, loosely: catches swapped axes, projected metres and zeros, not borders.
LON_RANGE, LAT_RANGE = (73.0, 136.0), (3.0, 54.0)


@dataclass(frozen=True)
class RowError:
    """One rejected field: where it is, which field, and why."""

    row: str
    field: str
    message: str
    code: str | None = None  # a stable word (`out_of_range`) for interfaces to act on
    number: int | None = None  # 1-based data row of the file, where the error came from one

    def error(self, prefix: str = "") -> InputError:
        """This error as the `InputError` an interface translates, field, row and code kept."""
        return InputError(f"{prefix}{self}", field=self.field, row=self.number, code=self.code)

    def __str__(self) -> str:
        where = f"{self.row}, " if self.row else ""
        return f"{where}{self.field}: {self.message}"


class _Errors:
    """Collects errors from boolean masks over the frame's rows."""

    def __init__(self, labels: pd.Series) -> None:
        self.labels = labels
        self.items: list[tuple[int, RowError]] = []

    def add(self, mask: pd.Series | np.ndarray, field: str, message: str | Callable[[Any], str],
            *, code: str | None = None) -> None:
        """Record an error on each row of `mask`; `message` may be a function of the row index."""
        flags = np.asarray(mask, dtype=bool)
        for position in np.flatnonzero(flags):
            index = self.labels.index[position]
            text = message(index) if callable(message) else message
            error = RowError(self.labels[index], field, text, code, int(position) + 1)
            self.items.append((int(position), error))

    def rows(self) -> set[object]:
        return {self.labels.index[p] for p, _ in self.items}

    def sorted(self) -> list[RowError]:
        return [e for _, e in sorted(self.items, key=lambda item: item[0])]


def _text(column: pd.Series) -> pd.Series:
    """Every value as stripped text, "" where missing; one pass in Python, as pandas' per-call
    overhead is most of the cost of checking a single record."""
    values = column.to_numpy(dtype=object, na_value="")
    return pd.Series([str(v).strip() for v in values], index=column.index, dtype=object)


def _parse_times(raw: pd.Series) -> pd.Series:
    """ISO 8601 text to UTC; text without an offset is Beijing time. Unparsable → NaT."""
    text = _text(raw).str.replace("/", "-", regex=False)
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us, UTC]")
    if aware.any():
        parsed = pd.to_datetime(text[aware], utc=True, format="ISO8601", errors="coerce")
        out[aware] = parsed.astype("datetime64[us, UTC]")
    naive = ~aware & (text != "")
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        out[naive] = local.dt.tz_localize(LOCAL_TZ).dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return out


def _finding_texts(raw: pd.DataFrame, names: list[str]) -> np.ndarray:
    """The findings' raw values as stripped text, one column per name ("" where absent)."""
    blank = pd.Series("", index=raw.index, dtype=object)
    return np.column_stack([_text(raw[n] if n in raw.columns else blank).to_numpy() for n in names])


def _check_findings(raw: pd.DataFrame, area: np.ndarray, errors: _Errors,
                    columns: dict[str, pd.Series]) -> None:
    """Type every finding into `columns`, adding an error per bad value.

    All numbers are parsed in one call and all yes/no words in one pass: with
    twelve findings, per-column calls were most of the cost of a single record.
    """
    numeric = [f.name for f in FINDINGS if f.kind != "flag"]
    texts = _finding_texts(raw, numeric)
    filled = np.where(texts == "", "0", texts).ravel()
    parsed = pd.to_numeric(pd.Series(filled, dtype=object), errors="coerce").to_numpy(dtype=float)
    numbers = dict(zip(numeric, parsed.reshape(texts.shape).T, strict=True))
    number_texts = dict(zip(numeric, texts.T, strict=True))
    flags = [f.name for f in FINDINGS if f.kind == "flag"]
    words = _finding_texts(raw, flags)
    lowered = np.array([[w.lower() for w in row] for row in words], dtype=object).reshape(words.shape)
    yes = dict(zip(flags, np.isin(lowered, list(TRUE_WORDS)).T, strict=True))
    neither = dict(zip(flags, (~np.isin(lowered, list(TRUE_WORDS | FALSE_WORDS))).T, strict=True))
    flag_texts = dict(zip(flags, words.T, strict=True))
    for finding in FINDINGS:  # errors come out in the findings' order
        name = finding.name
        if finding.kind == "flag":
            errors.add(neither[name], name, lambda i, t=flag_texts[name]: f"{t[i]!r} is not yes/no",
                       code="not_yes_no")
            columns[name] = pd.Series(yes[name], index=raw.index)
            continue
        number, text = numbers[name], number_texts[name]
        missing = np.isnan(number)
        errors.add(missing, name, lambda i, t=text: f"{t[i]!r} is not a number", code="not_a_number")
        low, high = number < finding.minimum, number > (finding.maximum or np.inf)
        errors.add(low, name, lambda i, t=text: f"{t[i]} is negative", code="out_of_range")
        errors.add(high, name, lambda i, t=text, f=finding: f"{t[i]} is over the maximum {f.maximum:,g}",
                   code="out_of_range")
        # Out-of-range values are zeroed before any cast: a huge count must never wrap around.
        bad = missing | low | high
        known = np.where(bad, 0.0, number)
        if finding.kind == "count":
            errors.add(known % 1 != 0, name, lambda i, t=text: f"{t[i]} is not a whole number",
                       code="not_whole")
            columns[name] = pd.Series(np.round(known).astype(np.int64), index=raw.index)
        else:
            errors.add(~bad & (number > area + AREA_TOLERANCE_M2), name, lambda i, n=number: (
                f"{n[i]:g} m² is larger than the parcel ({area[i]:.1f} m²)"), code="out_of_range")
            columns[name] = pd.Series(known, index=raw.index)


def _check_controls(raw: pd.DataFrame, fields: tuple[str, ...], errors: _Errors) -> dict[str, pd.Series]:
    """Refuse control characters in each text column (`geo.text`); the mask of bad rows per column.

    The raw text is read, not the stripped: Python strips \\x1c–\\x1f and \\x0b–\\x0c as spaces.
    """
    masks = {}
    for field in fields:
        if field not in raw.columns:
            masks[field] = pd.Series(False, index=raw.index)
            continue
        values = raw[field].to_numpy(dtype=object, na_value="")
        column = pd.Series([str(v) for v in values], index=raw.index, dtype=object)
        masks[field] = column.str.contains(CONTROL_CLASS, regex=True)
        errors.add(masks[field], field, lambda i, c=column: str(control_message(c[i])),
                   code="control_character")
    return masks


def parcels_by_code(session: Session, codes: pd.Series) -> pd.DataFrame:
    """Stored parcels (id, area_m2, retired_at) for the codes, indexed by code."""
    wanted = codes.dropna().unique().tolist()
    query = sa.select(Parcel.code, Parcel.id, Parcel.area_m2, Parcel.retired_at)
    backend = select_dialect(session.get_bind().dialect.name)
    chunks = (wanted[start:start + LOOKUP_CHUNK] for start in range(0, len(wanted), LOOKUP_CHUNK))
    rows = [
        tuple(row)  # plain tuples: pandas probes Row objects attribute by attribute
        for chunk in chunks
        for row in session.execute(query.where(backend.member_of(Parcel.code, chunk)))
    ]
    frame = pd.DataFrame(rows, columns=["code", "parcel_id", "parcel_area_m2", "retired_at"])
    return frame.set_index("code")


def _unknown_code_messages(session: Session, codes: list[str]) -> dict[str, str]:
    """'no parcel X; did you mean A, B?' for each unknown code."""
    known = session.scalars(sa.select(Parcel.code)).all()
    messages = {}
    for code in codes:
        near = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        messages[code] = f"no parcel {code!r}{hint}"
    return messages


def _sheds_on_record(
    session: Session, rows: pd.DataFrame, exclude_ids: frozenset[int],
) -> pd.Series:
    """For each row: the sheds count of the latest earlier record on its parcel (0 if none).

    Earlier records are the stored ones still in effect and the file's own rows.
    """
    out = pd.Series(0.0, index=rows.index)
    demolishing = rows["demolished_count"] > 0
    if not demolishing.any():
        return out  # only rows reporting demolitions are checked against the record
    ids = rows.loc[demolishing, "parcel_id"].dropna().astype(int).unique().tolist()
    superseded = sa.select(Inspection.supersedes_id).where(Inspection.supersedes_id.is_not(None))
    query = sa.select(Inspection.parcel_id, Inspection.inspected_at, Inspection.sheds_count).where(
        Inspection.id.not_in(superseded), Inspection.id.not_in(list(exclude_ids) or [-1]),
    )
    if len(ids) <= SQL_IN_LIMIT:
        query = query.where(Inspection.parcel_id.in_(ids or [-1]))
    stored = pd.DataFrame(session.execute(query).all(), columns=["parcel_id", "at", "sheds"])
    stored["at"] = pd.to_datetime(stored["at"], utc=True).astype("datetime64[us, UTC]")
    usable = rows["parcel_id"].isin(ids) & rows["inspected_at"].notna()
    mine = pd.DataFrame({
        "parcel_id": rows.loc[usable, "parcel_id"].astype(int),
        "at": rows.loc[usable, "inspected_at"],
        "sheds": rows.loc[usable, "sheds_count"].fillna(0),
    })
    history = pd.concat([stored, mine], ignore_index=True).sort_values("at")
    history["parcel_id"] = history["parcel_id"].astype(int)
    probe = mine.reset_index(names="row").sort_values("at")
    merged = pd.merge_asof(
        probe, history.rename(columns={"sheds": "before"}), on="at", by="parcel_id",
        allow_exact_matches=False, direction="backward",
    )
    out[merged["row"].to_numpy()] = merged["before"].fillna(0).to_numpy(dtype=float)
    return out


def _distances(session: Session, rows: pd.DataFrame) -> pd.Series:
    """Metres from each row's GPS point to its parcel (NaN where no point)."""
    has_point = rows["lon"].notna() & rows["lat"].notna() & rows["parcel_id"].notna()
    out = pd.Series(np.nan, index=rows.index)
    if not has_point.any():
        return out
    ids = rows.loc[has_point, "parcel_id"].astype(int).unique().tolist()
    query = sa.select(Parcel.id, wkb_column(Parcel.geom))
    if len(ids) <= SQL_IN_LIMIT:
        query = query.where(Parcel.id.in_(ids))
    shapes = read_geo_frame(session, query).set_index("id").geometry
    polygons = shapes.reindex(rows.loc[has_point, "parcel_id"].astype(int)).to_numpy()
    points = shapely.points(rows.loc[has_point, "lon"], rows.loc[has_point, "lat"])
    metres = shapely.distance(from_storage(points, MEASURE_CRS), from_storage(polygons, MEASURE_CRS))
    out[has_point] = metres
    return out


def check_records(
    session: Session,
    raw: pd.DataFrame,
    *,
    labels: pd.Series | None = None,
    now: datetime | None = None,
    exclude_ids: frozenset[int] = frozenset(),
) -> tuple[pd.DataFrame, list[RowError]]:
    """Validate raw inspection records; return the good rows, typed, and the errors.

    `labels` names each row in messages ("row 7"); `exclude_ids` are stored
    records being corrected, left out of "sheds on record".
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(f"missing column {', '.join(missing)} (needs {', '.join(REQUIRED_COLUMNS)})",
                         field=missing[0], code="missing_column")
    raw = raw.reset_index(drop=True)
    labels = labels.reset_index(drop=True) if labels is not None else pd.Series("", index=raw.index)
    errors = _Errors(labels)
    columns: dict[str, pd.Series] = {}  # one frame built at the end: inserting column by column is slow
    now_ts = pd.Timestamp(now or utc_now())

    blank = pd.Series("", index=raw.index, dtype=object)
    optional = {name: _text(raw[name]) if name in raw.columns else blank for name in OPTIONAL_COLUMNS}
    codes = _text(raw["parcel_code"])
    inspector = _text(raw["inspector"])
    controlled = _check_controls(raw, ("parcel_code", "inspector", "note", "client_id", "photos"), errors)
    found = parcels_by_code(session, codes[~controlled["parcel_code"]])  # NUL never reaches the store
    columns["parcel_code"] = codes
    columns["parcel_id"] = codes.map(found["parcel_id"]).astype("Int64")
    area = codes.map(found["parcel_area_m2"]).astype(float)
    errors.add(codes == "", "parcel_code", "empty", code="empty")
    unknown = (codes != "") & columns["parcel_id"].isna() & ~controlled["parcel_code"]
    if unknown.any():
        messages = _unknown_code_messages(session, codes[unknown].unique().tolist())
        errors.add(unknown, "parcel_code", lambda i: messages[codes[i]], code="unknown_parcel")
    times = _parse_times(raw["inspected_at"])
    # A visit before the parcel was retired is still recorded (with a conflict, `cases.conflicts`).
    retired_at = pd.to_datetime(codes.map(found["retired_at"]), utc=True)
    retired = (retired_at <= times).fillna(False).astype(bool)
    errors.add(retired, "parcel_code", lambda i: f"parcel {codes[i]!r} was retired before this visit",
               code="retired")
    text_times = _text(raw["inspected_at"])
    errors.add(times.isna(), "inspected_at", lambda i: (
        f"{text_times[i]!r} is not a date/time (use 2022-10-25T09:30+08:00)" if text_times[i] else "empty"),
        code="not_a_date")
    errors.add(times > now_ts + CLOCK_SKEW, "inspected_at", lambda i: f"{text_times[i]} is in the future",
               code="out_of_range")
    errors.add(times < pd.Timestamp(EARLIEST), "inspected_at", lambda i: f"{text_times[i]} is before 2000",
               code="out_of_range")
    columns["inspected_at"] = times

    errors.add(inspector == "", "inspector", "empty", code="empty")
    columns["inspector"] = inspector

    _check_findings(raw, area.to_numpy(), errors, columns)

    out = pd.DataFrame(columns)
    on_record = _sheds_on_record(session, out, exclude_ids)
    over = out["demolished_count"] > on_record
    errors.add(over, "demolished_count", lambda i: (
        f"{out.at[i, 'demolished_count']} demolished but only {int(on_record[i])} sheds "
        "on record before this inspection"), code="over_record")

    lon = pd.to_numeric(optional["lon"].replace("", np.nan), errors="coerce")
    lat = pd.to_numeric(optional["lat"].replace("", np.nan), errors="coerce")
    given_lon, given_lat = optional["lon"] != "", optional["lat"] != ""
    errors.add(given_lon ^ given_lat, "lon/lat", "give both lon and lat, or neither", code="incomplete_point")
    errors.add(given_lon & ~lon.between(*LON_RANGE), "lon", "not a longitude in China (73–136)",
               code="out_of_range")
    errors.add(given_lat & ~lat.between(*LAT_RANGE), "lat", "not a latitude in China (3–54)",
               code="out_of_range")
    point_ok = lon.between(*LON_RANGE) & lat.between(*LAT_RANGE)
    placed = pd.DataFrame({"parcel_id": out["parcel_id"], "lon": lon.where(point_ok),
                           "lat": lat.where(point_ok)})
    distance = _distances(session, placed)
    texts = {name: pd.Series([v or None for v in optional[name]], index=out.index, dtype=object)
             for name in ("note", "client_id", "photos")}
    out = pd.concat([out, placed[["lon", "lat"]], pd.DataFrame(
        {"distance_m": distance, "off_site": distance > OFF_SITE_METRES, **texts})], axis=1)
    duplicate = out["client_id"].notna() & out["client_id"].duplicated(keep="first")
    errors.add(duplicate, "client_id", lambda i: f"{out.at[i, 'client_id']!r} appears twice in the file",
               code="duplicate")

    bad_rows = errors.rows()
    good = out.loc[~out.index.isin(list(bad_rows))]
    return good.assign(label=labels[good.index], number=good.index + 1), errors.sorted()
