"""What a parcel's tooltip and popup show, as compact per-feature properties.

Popups are assembled in the browser (`assets/landpatrol.js`) from short keys and
one shared dictionary of labels, not pre-rendered here: 5,000 pre-rendered popups
would triple a street map's size. The browser puts every value in with
`textContent`, so user text (names, notes) is shown as text, never run as markup.

Keys: c code, n name, v village, a area m², s status index, d last inspection (Beijing time),
k inspections count, f findings text, t note, i issue states, p true centre lon/lat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from cases.rules import FINDINGS
from cases.status.rules import STATUSES
from geo.local_time import local_text
from maps import labels, style
from maps.geojson import DECIMALS

STATUS_INDEX = {status: i for i, status in enumerate(STATUSES)}
_ZERO_DEFAULT = frozenset({"s", "k"})  # left out when 0; the script reads them as 0


def findings_text(row: dict[str, Any], lang: str) -> str | None:
    """The latest inspection's findings in one line: what is there, not the zeros."""
    parts = []
    for finding in FINDINGS:
        value = row.get(finding.name)
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            continue
        if finding.kind == "flag":
            if bool(value):
                parts.append(finding.label(lang))
        elif value > 0:
            parts.append(f"{finding.label(lang)} {value:g}")
    return labels.text(lang)["listSep"].join(parts) or None


def _local_times(values: pd.Series) -> list[str | None]:
    """Stored UTC timestamps as the Beijing time people read (`geo.local_time`)."""
    moments = pd.to_datetime(values, utc=True)
    return [None if pd.isna(v) else local_text(v.to_pydatetime()) for v in moments]


def _text(value: Any) -> str | None:
    """A user-typed value, or None when empty (so its popup row is left out)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    value = str(value).strip()
    return value or None


def parcel_properties(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Per parcel (rows of parcels joined with their status), the keys its popup reads.

    Empty values are left out; the centre is taken from the stored geometry, so it
    stays true even when the drawn shape is shifted to GCJ-02.
    """
    centres = shapely.get_coordinates(shapely.centroid(frame.geometry.to_numpy()))
    centres = np.round(centres, DECIMALS).tolist()
    times = _local_times(frame["last_inspected_at"])
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    out = []
    for row, centre, when in zip(records, centres, times, strict=True):
        props: dict[str, Any] = {
            "c": row["code"],
            "n": _text(row.get("name")),
            "v": _text(row.get("village")),
            "a": round(float(row["area_m2"]), 1),
            "s": STATUS_INDEX.get(row["status"], 0),
            "d": when,
            "k": int(row.get("inspections_count") or 0),
            "f": findings_text(row, lang) if when else None,
            "t": _text(row.get("note")),
            "i": _text(row.get("issue_states")),
            "p": centre,
        }
        if props["n"] == props["c"]:
            props["n"] = None
        out.append({key: value for key, value in props.items()
                    if value is not None and not (key in _ZERO_DEFAULT and value == 0)})
    return out


def browser_config(lang: str) -> dict[str, Any]:
    """Labels and palettes the map script needs, sent once per page."""
    words = labels.text(lang)
    fills = [style.status_colour(s) for s in STATUSES]
    return {
        "locale": "zh-CN" if lang == "zh" else "en",
        "statuses": [labels.status_label(s, lang) for s in STATUSES],
        "fill": fills,
        "stroke": [style.darker(colour) for colour in fills],
        "fillOpacity": style.FILL_OPACITY,
        "labelZoom": style.LABEL_ZOOM,
        "outlines": {
            kind: {"dash": outline.dash, "weight": outline.weight}
            for kind, outline in style.KIND_OUTLINES.items()
        },
        "streetStyle": style.STREET_OUTLINE,
        "text": {
            **{key: words[key] for key in (
                "code", "name", "kind", "village", "area", "mu", "status", "lastInspection",
                "never", "findings", "inspections", "issues", "note", "coordinates", "search",
                "notFound", "listSep",
            )},
            "states": labels.issue_state_labels(lang),
        },
    }
