"""The Word report's two charts as PNG: parcel status by street, and measures carried out over time.

Drawn with matplotlib in a CJK font found by its fontconfig name (Debian's
fonts-noto-cjk), so street names never come out as empty boxes.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from matplotlib import font_manager
from matplotlib.figure import Figure  # drawn without pyplot: no display, no global state

from cases.report_sections import TEXT
from cases.status.rules import STATUS_COLORS, STATUS_LABELS, STATUSES
from geo.errors import LandpatrolError

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Noto Sans CJK TC", "Noto Sans CJK JP")
DPI = 150


def cjk_font() -> str:
    """The first CJK font family installed, by fontconfig name; a clear error when there is none."""
    for family in CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        return family
    raise LandpatrolError(
        f"charts: no Chinese font found (looked for {', '.join(CJK_FONTS)}); "
        "install fonts-noto-cjk (scripts/install-system-packages.sh)", code="missing_font")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def status_by_street(report: dict[str, Any], lang: str) -> bytes:
    """Stacked bars: how many parcels of each street are in each status."""
    figure = Figure(figsize=(7, 0.45 * len(report["streets"]) + 1.6))
    axes = figure.subplots()
    font = cjk_font()
    names = [s["name"] for s in report["streets"]][::-1]
    left = [0] * len(names)
    for status in STATUSES:
        counts = [s["by_status"][status] for s in report["streets"]][::-1]
        if any(counts):
            axes.barh(names, counts, left=left, color=STATUS_COLORS[status],
                      label=STATUS_LABELS[status][0 if lang == "zh" else 1])
            left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_title(TEXT[lang]["chart_streets"], fontfamily=font)
    axes.set_xlabel(TEXT[lang]["chart_parcels"], fontfamily=font)
    for label in axes.get_yticklabels():
        label.set_fontfamily(font)
    if any(left):  # an empty store has no bars to name
        axes.legend(prop={"family": font}, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return _png(figure)


def progress(report: dict[str, Any], lang: str) -> bytes:
    """Steps: measures carried out by each day, against all measures of the ledger."""
    figure = Figure(figsize=(7, 3.6))
    axes = figure.subplots()
    font = cjk_font()
    steps = report.get("progress", [])
    days = [date.fromisoformat(s["date"]) for s in steps] + [date.fromisoformat(report["as_of_date"])]
    done = [s["measures_done"] for s in steps]
    done.append(done[-1] if done else 0)
    axes.step(days, done, where="post", color="#2b7bba", label=TEXT[lang]["chart_done"])
    axes.axhline(report["issues"]["measures"], color="#999999", linestyle="--",
                 label=TEXT[lang]["chart_total"])
    axes.set_ylim(bottom=0)
    axes.set_title(TEXT[lang]["chart_progress"], fontfamily=font)
    axes.legend(prop={"family": font}, loc="lower right", fontsize="small")
    figure.autofmt_xdate()
    return _png(figure)
