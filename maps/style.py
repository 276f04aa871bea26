"""How maps draw things: status fills, kind outlines, street outlines, violation share.

The status colours themselves are `cases.status.rules.STATUS_COLORS` (Okabe–Ito,
colour-blind safe), defined once for maps, exports and reports alike; this module
only adds what a map needs on top: outlines, opacity, the index's share ramp.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.status.rules import STATUS_COLORS

UNINSPECTED_GREY = STATUS_COLORS["uninspected"]

FILL_OPACITY = 0.65
STROKE_WEIGHT = 1.2
# Parcel codes are written on the map from this zoom on (about 1 m a pixel, where a
# 100 m parcel is wide enough to carry its code); below it they would only pile up.
LABEL_ZOOM = 17


@dataclass(frozen=True)
class KindOutline:
    """How a kind's outline is drawn, so kinds stay apart where colours say status."""

    dash: str | None
    weight: float


KIND_OUTLINES: dict[str, KindOutline] = {
    "basic_farmland": KindOutline(None, STROKE_WEIGHT),
    "forest_patch": KindOutline("5 3", STROKE_WEIGHT),
    "storage_plot": KindOutline("2 3", STROKE_WEIGHT + 0.6),
    "illegal_land": KindOutline(None, STROKE_WEIGHT + 1.2),
    "temporary_land": KindOutline("8 3 2 3", STROKE_WEIGHT),
}
DEFAULT_OUTLINE = KindOutline(None, STROKE_WEIGHT)

# Solid: long dashed outlines drop segments in some software renderers (seen in Chromium).
STREET_OUTLINE = {"color": "#333333", "weight": 3, "opacity": 0.85, "fill": False}

# ColorBrewer "Oranges" (single hue, so colour-blind safe), lightest first, with the
# upper bounds (exclusive) of the share of parcels in violation each colour stands for.
SHARE_BINS: tuple[tuple[float, str], ...] = (
    (0.05, "#FEEDDE"),
    (0.10, "#FDBE85"),
    (0.20, "#FD8D3C"),
    (0.40, "#E6550D"),
    (float("inf"), "#A63603"),
)
# A street without parcels is drawn empty with a dashed grey outline, so it cannot be
# read as the palest fill (0 %): unfilled means "nothing to count", not "nothing wrong".
NO_PARCELS_STYLE = {"fillOpacity": 0.0, "color": "#777777", "dashArray": "5 4"}
SHARE_STREET_STYLE = {"color": "#444444", "fillOpacity": 0.85}


def status_colour(status: str) -> str:
    """Fill colour of a parcel status; unknown statuses draw grey rather than fail."""
    return STATUS_COLORS.get(status, UNINSPECTED_GREY)


def darker(colour: str, factor: float = 0.6) -> str:
    """The same hue, darker: outlines that read against both the fill and white paper."""
    rgb = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * factor):02X}" for c in rgb)


def status_style(status: str) -> dict[str, object]:
    """Leaflet path options for a parcel of this status."""
    fill = status_colour(status)
    return {"fillColor": fill, "color": darker(fill), "fillOpacity": FILL_OPACITY}


def kind_outline(kind: str) -> KindOutline:
    """Outline of a kind; kinds registered later draw plain until given their own."""
    return KIND_OUTLINES.get(kind, DEFAULT_OUTLINE)


def share_colour(share: float) -> str:
    """Colour of a street on the district index by its share of parcels in violation."""
    return next(colour for upper, colour in SHARE_BINS if share < upper)


def share_style(share: float | None) -> dict[str, object]:
    """Leaflet path options of a street on the index; `None` is a street without parcels."""
    if share is None:
        return dict(NO_PARCELS_STYLE)
    return {**SHARE_STREET_STYLE, "fillColor": share_colour(share)}


def share_bins() -> list[tuple[float, float, str]]:
    """(lower, upper, colour) for each bin, for the index legend."""
    lowers = [0.0, *(upper for upper, _ in SHARE_BINS[:-1])]
    return [(low, upper, colour) for low, (upper, colour) in zip(lowers, SHARE_BINS, strict=True)]
