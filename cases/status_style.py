"""The colours of parcel status, defined once for maps, exports and reports.

Okabe–Ito (2008) "Color Universal Design" colours, so the seven statuses stay
distinguishable for the common forms of colour blindness and in greyscale
print; `uninspected` is a neutral grey because it is the absence of news.
Status is a `cases` concept, so the palette lives here: `maps` and the
exporters' callers import it, and nothing else defines status colours.
"""

from __future__ import annotations

STATUS_COLORS: dict[str, str] = {
    "uninspected": "#BBBBBB",
    "compliant": "#009E73",
    "violation": "#D55E00",
    "rectifying": "#E69F00",
    "rectified": "#56B4E9",
    "recurrence": "#CC79A7",
    "overdue": "#0072B2",
}
