"""The HTML of a map's title, legend and figures panel, escaped here.

The figures are those the report gives for a street (parcels by status, sheds found,
demolished, rebuilt, hardened ground cleared, overdue patrols), so what a manager
reads on the wall matches the bi-weekly report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from html import escape
from typing import Any

from cases.status.rules import STATUSES
from geo.units import m2_to_mu
from maps import labels, style


def number(value: float, digits: int = 0) -> str:
    """A figure with thousands separators (zh and en both group by thousands)."""
    return f"{value:,.{digits}f}"


def swatch(colour: str) -> str:
    """A small colour square for legends and tables."""
    return f'<span class="lp-swatch" style="background:{escape(colour)}"></span>'


def title_html(
    street_name: str, as_of: date, *, schematic: bool, lang: str, index_href: str | None = None,
) -> str:
    """The title: street, date of the status shown, a warning on schematic data."""
    words = labels.text(lang)
    back = (f' · <a href="{escape(index_href)}">{escape(words["back_to_index"])}</a>'
            if index_href else "")
    parts = [
        f"<h1>{escape(words['title'].format(street=street_name))}</h1>",
        f'<div class="lp-sub">{escape(words["as_of"].format(date=as_of.isoformat()))}{back}</div>',
    ]
    if schematic:
        parts.append(f'<div class="lp-schematic">{escape(words["schematic"])}</div>')
    return "".join(parts)


def _line(outline: style.KindOutline) -> str:
    dash = "dashed" if outline.dash else "solid"
    return (f'<span class="lp-line" style="border-top:{outline.weight + 0.8:.1f}px {dash} '
            f'#333"></span>')


def legend_html(status_counts: Mapping[str, int], kinds: Iterable[str], lang: str) -> str:
    """Status colours with their parcel counts, and the outline of each kind shown."""
    words = labels.text(lang)
    rows = "".join(
        f"<tr><td>{swatch(style.status_colour(s))}{escape(labels.status_label(s, lang))}</td>"
        f'<td class="lp-num">{number(status_counts.get(s, 0))}</td></tr>'
        for s in STATUSES
    )
    kind_rows = "".join(
        f"<tr><td>{_line(style.kind_outline(k))}{escape(labels.kind_label(k, lang))}</td></tr>"
        for k in kinds
    )
    street = (f'<tr><td><span class="lp-line" style="border-top:3px solid '
              f'{style.STREET_OUTLINE["color"]}"></span>{escape(words["street_boundary"])}</td></tr>')
    return (
        f"<h3>{escape(words['legend'])}</h3><table>{rows}</table>"
        f"<h3>{escape(words['kinds'])}</h3><table>{kind_rows}{street}</table>"
    )


def figure_rows(figures: Mapping[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """(key, label, value) of the report's rectification figures, in report order."""
    words = labels.text(lang)

    def counted(key: str, unit: str) -> tuple[str, str, str]:
        return key, words[key], words[unit].format(n=number(figures.get(key, 0)))

    cleared = float(figures.get("hardened_cleared_m2", 0.0))
    return [
        counted("sheds_found", "n_places"),
        counted("demolished", "n_places"),
        counted("rebuilt", "n_places"),
        ("hardened_cleared", words["hardened_cleared"],
         f"{number(cleared)} m² ({number(m2_to_mu(cleared), 2)} {words['mu']})"),
        counted("overdue", "n_parcels"),
        counted("recurrences", "n_parcels"),
    ]


def figures_html(figures: Mapping[str, Any], lang: str) -> str:
    """The figures panel: parcels by status, then the rectification figures."""
    words = labels.text(lang)
    by_status = figures.get("by_status", {})
    status_rows = "".join(
        f"<tr><th>{swatch(style.status_colour(s))}{escape(labels.status_label(s, lang))}</th>"
        f'<td class="lp-num">{number(by_status.get(s, 0))}</td></tr>'
        for s in STATUSES if by_status.get(s, 0)
    )
    other_rows = "".join(
        f'<tr><th>{escape(label)}</th><td class="lp-num">{escape(value)}</td></tr>'
        for _, label, value in figure_rows(figures, lang)
    )
    return (
        f"<h3>{escape(words['figures'])}</h3><table>"
        f'<tr class="lp-section"><th>{escape(words["parcels_total"])}</th>'
        f'<td class="lp-num">{number(figures.get("parcels", 0))}</td></tr>'
        f"{status_rows}"
        f'<tr class="lp-section"><th colspan="2">{escape(words["rectification"])}</th></tr>'
        f"{other_rows}</table>"
    )
