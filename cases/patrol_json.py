"""A table as a JSON array of records, encoded a column at a time in Arrow.

Why: the patrol list is 100,000 entries; making a dict per entry and then JSON
of the dicts cost as much again as reading the rows (issue 15), and so did a
Python string per value. Here each column becomes the JSON text of its values
as one Arrow string array (missing values and NaN become null), and the records
are Arrow's joins of those arrays: no Python object per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from json.encoder import encode_basestring

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NEEDS_ESCAPE = r'["\\\x00-\x1f]'  # what JSON must escape in a string; anything else is written as is
ESCAPED_BYTES = np.zeros(256, dtype=bool)  # the same, as UTF-8 bytes (no byte of a longer character)
ESCAPED_BYTES[[*range(0x20), ord('"'), ord("\\")]] = True


def json_values(values: pd.Series) -> pa.Array:
    """Each value's JSON text, by the column's type: numbers (integral floats without `.0`),
    times as ISO 8601 in UTC (`Z`, with microseconds only when there are some, as pydantic
    writes them), anything else as a string; null where missing or not finite."""
    missing = values.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        texts = _utc_iso(values)
    elif pd.api.types.is_integer_dtype(values.dtype):
        texts = pc.cast(pa.array(values.to_numpy(dtype=np.int64, na_value=0)), pa.string())
    elif pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        missing = missing | ~np.isfinite(numbers)
        texts = pc.cast(pa.array(numbers), pa.string())
    elif values.dtype == object:  # Python strings: each distinct one converted once
        codes, distinct = pd.factorize(values)  # missing: -1, which takes the "" put last
        strings = _json_strings(pa.array([*distinct, ""], type=pa.string()))
        texts = strings.take(pa.array(codes % len(strings)))
    else:  # Arrow strings, perhaps in several chunks (pandas keeps what the reader gave it)
        strings = pa.array(values, from_pandas=True, type=pa.string())
        texts = _json_strings(strings.combine_chunks() if isinstance(strings, pa.ChunkedArray) else strings)
    return pc.if_else(pa.array(missing), "null", texts) if missing.any() else texts


def _json_strings(strings: pa.Array) -> pa.Array:
    """Strings quoted; the few with a quote, a backslash or a control character escaped as the
    `json` module escapes them."""
    quoted = pc.binary_join_element_wise('"', strings, '"', "")
    data = strings.buffers()[2]
    if data is None or not ESCAPED_BYTES[np.frombuffer(data, dtype=np.uint8)].any():
        return quoted  # the usual case, told by one look at all the bytes
    escape = pc.fill_null(pc.match_substring_regex(strings, NEEDS_ESCAPE), False)
    rows = np.flatnonzero(escape.to_numpy(zero_copy_only=False))
    if len(rows) == 0:
        return quoted
    escaped = pa.array([encode_basestring(s) for s in strings.take(rows).to_pylist()], type=pa.string())
    return pc.replace_with_mask(quoted, escape, escaped)


def _utc_iso(values: pd.Series) -> pa.Array:
    """`2022-07-01T02:00:00Z`, or `...02:00:00.120000Z` for a time with microseconds; each
    distinct time written once (a patrol's visits share their days and minutes)."""
    instants = pd.to_datetime(values, utc=True).dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    codes, distinct = pd.factorize(instants.view(np.int64))
    utc = distinct.astype("datetime64[us]")
    texts = np.datetime_as_string(utc, unit="s", timezone="UTC").astype(object)
    fraction = utc != utc.astype("datetime64[s]")
    texts[fraction] = np.datetime_as_string(utc[fraction], unit="us", timezone="UTC")
    return _json_strings(pa.array(texts, type=pa.string())).take(pa.array(codes))


def records_json(columns: Mapping[str, pa.Array], *, indent: int | None = None) -> bytes:
    """A JSON array (UTF-8) of objects from each key's column of JSON texts (`json_values`),
    keys in this order: compact, or laid out as `json.dumps(..., indent=indent)` lays it out."""
    keys = list(columns)
    rows = len(columns[keys[0]]) if keys else 0
    if rows == 0:
        return b"[]"
    inner = "" if indent is None else "\n" + " " * (2 * indent)
    outer = "" if indent is None else "\n" + " " * indent
    colon = ":" if indent is None else ": "
    pieces: list[pa.Array | str] = ["," + outer + "{"]
    for index, key in enumerate(keys):
        pieces += [("," if index else "") + inner + encode_basestring(key) + colon, columns[key]]
    records = pc.binary_join_element_wise(*pieces, outer + "}", "")
    # The records' bytes lie end to end in one buffer, each after its comma: the array is
    # that buffer without the first comma.
    offsets = np.frombuffer(records.buffers()[1], dtype=np.int32)[records.offset:][[0, rows]]
    text = memoryview(records.buffers()[2])[offsets[0] + 1: offsets[1]]
    return b"".join((b"[", text, b"\n]" if indent is not None else b"]"))
