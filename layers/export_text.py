"""User text in a spreadsheet stays text: never a formula, in Excel or in CSV.

An inspector's note `=HYPERLINK(…)` must reach an analyst as the words typed,
not as a live formula. Excel cells are written as text cells; CSV cells that a
spreadsheet would evaluate get a leading single quote (OWASP, "CSV Injection").
Numbers are never touched: a negative number column stays numeric.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = "^[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"


def csv_text(values: pd.Series) -> pd.Series:
    """Text values that a spreadsheet would read as a formula, prefixed with `'`; others as they are."""
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return values
    risky = values.str.contains(_FORMULA_START, regex=True, na=False).astype(bool)
    if not risky.any():
        return values
    return values.where(~risky, "'" + values.astype(str))


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column of `frame` made safe with `csv_text`."""
    return frame.apply(csv_text)
