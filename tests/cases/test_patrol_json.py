"""`cases.patrol_json`: columns written as JSON read back as the values they hold, whatever the values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from cases.patrol_json import json_values, records_json

TIMES = TypeAdapter(datetime | None)  # how the API's models write a time
texts = st.one_of(st.none(), st.text())
numbers = st.one_of(st.none(), st.floats(), st.integers(-(2**53), 2**53).map(float))
times = st.one_of(st.none(), st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                                          timezones=st.just(UTC)))
rows = st.lists(st.tuples(texts, numbers, st.integers(-(2**63), 2**63 - 1), times), max_size=12)


def frame_of(values: list[tuple], text_dtype: object) -> pd.DataFrame:
    text, number, count, at = zip(*values, strict=True) if values else ([], [], [], [])
    if text_dtype == "chunked":  # as Arrow reads give them: one chunk per batch
        chunks = pa.chunked_array([text[: len(text) // 2], text[len(text) // 2:]], pa.string())
        strings = pd.Series(pd.arrays.ArrowStringArray(chunks))
    else:
        strings = pd.Series(text, dtype=text_dtype)
    return pd.DataFrame({
        "text": strings,
        "number": pd.Series(number, dtype=float),
        "count": pd.Series(count, dtype=np.int64),
        "at": pd.Series(pd.to_datetime(list(at), utc=True), dtype="datetime64[us, UTC]"),
    })


def expected_of(values: list[tuple]) -> list[dict]:
    return [{"text": text, "number": number if number is not None and np.isfinite(number) else None,
             "count": count, "at": TIMES.dump_python(at, mode="json")}
            for text, number, count, at in values]


@given(rows, st.sampled_from(["str", "chunked", object]))
def test_records_read_back_as_their_values(values, text_dtype):
    frame = frame_of(values, text_dtype)
    columns = {key: json_values(frame[key]) for key in frame}
    assert json.loads(records_json(columns)) == expected_of(values)


@given(rows, st.sampled_from(["str", "chunked", object]))
def test_indented_records_are_what_json_dumps_writes(values, text_dtype):
    # Numbers aside (Arrow writes 12.0 as 12), the text is json.dumps's, byte for byte.
    frame = frame_of(values, text_dtype).drop(columns="number")
    columns = {key: json_values(frame[key]) for key in frame}
    expected = [{k: v for k, v in row.items() if k != "number"} for row in expected_of(values)]
    assert records_json(columns, indent=2).decode() == json.dumps(expected, ensure_ascii=False, indent=2)
    assert records_json(columns).decode() == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
