"""The district index: every street with its figures, an overview map, and a page per street.

`DIR/index.html` plus `DIR/streets/<code>.html`, all self-contained with relative
links, so the folder can sit on a shared drive and be opened with no internet.
The overview draws street outlines only (coloured by the share of parcels in
violation), never parcel polygons, so it stays small for 100,000 parcels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy.orm import Session

from cases.status.clock import local_date, resolve_as_of
from cases.status.derive import district_status_table, figures_of
from cases.status.rules import STATUSES
from geo.errors import InputError
from layers.query import streets_frame
from maps import labels, style
from maps.basemaps import add_basemap, for_display, get_basemap
from maps.elements import MapCall, MapSetup, PageHtml, Panel, StreetsLayer
from maps.geojson import bounds_latlon, feature_collection
from maps.offline import OfflineMap
from maps.output import check_folder, check_targets, folders_made, staged_pages
from maps.panels import figure_rows, number, swatch
from maps.popups import browser_config
from maps.street_map import read_street, render_html, street_map

# The index's share counts the parcels whose latest inspection found a violation, whether
# still open, being rectified or back again; `share_definition` says so on the page.
IN_VIOLATION = ("violation", "rectifying", "recurrence")
STREETS_DIR = "streets"
# The table shows every status already; of the report's other figures, these.
TABLE_FIGURES = ("sheds_found", "demolished", "rebuilt", "hardened_cleared")
# Outlines at ~10 m: an overview of 21 streets, not a survey.
OVERVIEW_SIMPLIFY_DEG = 1e-4


@dataclass(frozen=True)
class StreetRow:
    """One street of the index: its name, outline and figures."""

    code: str
    name: str
    outline: Any
    figures: dict[str, Any]

    @property
    def share(self) -> float | None:
        """Share of the street's parcels in violation; None without parcels."""
        return violation_share(self.figures)

    @property
    def href(self) -> str:
        """The street page, relative to the index."""
        return f"{STREETS_DIR}/{self.code}.html"


def violation_share(figures: dict[str, Any]) -> float | None:
    """Parcels in `IN_VIOLATION` statuses over all parcels; None without parcels."""
    total = figures["parcels"]
    if not total:
        return None
    return sum(figures["by_status"][s] for s in IN_VIOLATION) / total


def share_definition(lang: str) -> str:
    """What the share counts, in words built from `IN_VIOLATION` itself (unescaped)."""
    words = labels.text(lang)
    statuses = " + ".join(labels.status_label(s, lang) for s in IN_VIOLATION)
    return words["share_means"].format(share=words["share"], statuses=statuses)


def read_district(session: Session, *, table: pd.DataFrame) -> tuple[list[StreetRow], dict]:
    """Streets with their figures, and the district's, from a status table read once."""
    streets = streets_frame(session)
    rows = [
        StreetRow(street.code, street.name, street.geometry,
                  figures_of(table[table["street_code"] == street.code]))
        for street in streets.itertuples()
    ]
    return rows, figures_of(table)


def _share_text(share: float | None, lang: str) -> str:
    words = labels.text(lang)
    return words["no_parcels"] if share is None else f"{share:.1%}"


def _streets_json(rows: list[StreetRow], lang: str, shift: Callable[[Any], Any]) -> str:
    words = labels.text(lang)
    drawn = [r for r in rows if r.outline is not None]
    shapes = shift(np.array([r.outline for r in drawn], dtype=object))
    # Where each name is written: a point inside the street, whatever its shape.
    inside = np.round(shapely.get_coordinates(shapely.point_on_surface(shapes)), 5).tolist()
    props = [
        {"c": r.code, "n": r.name, "st": style.share_style(r.share), "h": r.href, "lp": point,
         "l": f"{words['share']} {_share_text(r.share, lang)} · "
              f"{words['parcels_total']} {r.figures['parcels']}"}
        for r, point in zip(drawn, inside, strict=True)
    ]
    return feature_collection(shapes, props, simplify=OVERVIEW_SIMPLIFY_DEG, decimals=5)


def _share_legend(lang: str) -> str:
    words = labels.text(lang)
    bins = "".join(
        f"<tr><td>{swatch(colour)}"
        f"{low:.0%} – {'' if upper == float('inf') else f'{upper:.0%}'}</td></tr>"
        for low, upper, colour in style.share_bins()
    )
    none = (f'<tr><td><span class="lp-swatch lp-swatch-none"></span>'
            f"{escape(words['no_parcels'])}</td></tr>")
    return (f"<h3>{escape(words['share'])}</h3><table>{bins}{none}</table>"
            f'<div class="lp-note">{escape(share_definition(lang))}</div>')


def _table_html(rows: list[StreetRow], district: dict, lang: str) -> str:
    words = labels.text(lang)
    figure_labels = [label for key, label, _ in figure_rows(district, lang) if key in TABLE_FIGURES]
    head = "".join(
        f"<th>{escape(h)}</th>" for h in (
            words["street_code"], words["street"], words["parcels_total"],
            *(labels.status_label(s, lang) for s in STATUSES), *figure_labels, words["share"], "",
        )
    )

    def line(code: str, name: str, figures: dict, share: float | None, link: str) -> str:
        cells = [
            escape(code), name, number(figures["parcels"]),
            *(number(figures["by_status"][s]) for s in STATUSES),
            *(escape(value) for key, _, value in figure_rows(figures, lang)
              if key in TABLE_FIGURES),
            _share_text(share, lang), link,
        ]
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

    body = "".join(
        line(r.code, f'<a href="{escape(r.href)}">{escape(r.name)}</a>', r.figures, r.share,
             f'<a href="{escape(r.href)}">{escape(words["open_map"])}</a>')
        for r in rows
    )
    foot = line("", f"<b>{escape(words['district_total'])}</b>", district,
                violation_share(district), "")
    return (f'<div class="lp-page"><table class="lp-streets"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody><tfoot>{foot}</tfoot></table>"
            f'<p class="lp-note">{escape(share_definition(lang))}</p></div>')


def district_index(
    rows: list[StreetRow], district: dict, *, as_of: date, basemap: str = "none", lang: str = "zh",
) -> OfflineMap:
    """The index page: heading, overview map of streets by violation share, street table."""
    chosen = get_basemap(basemap)
    words = labels.text(lang)
    drawn = [r.outline for r in rows if r.outline is not None]
    bounds = bounds_latlon(for_display(np.array(drawn, dtype=object), chosen)) if drawn else None
    fmap = OfflineMap(location=(23.15, 113.36), zoom_start=12, height=520)
    figure = fmap.get_root()
    figure.title = escape(words["index_title"])
    add_basemap(fmap, chosen, lang=lang)
    MapSetup(browser_config(lang), bounds).add_to(fmap)
    StreetsLayer(_streets_json(rows, lang, lambda g: for_display(g, chosen)),
                 name=words["index_map"]).add_to(fmap)
    Panel(_share_legend(lang), position="bottomright", css_class="lp-legend").add_to(fmap)
    MapCall("finish").add_to(fmap)
    heading = (f'<div class="lp-page"><h1>{escape(words["index_title"])}</h1>'
               f'<div class="lp-sub">{escape(words["as_of"].format(date=as_of.isoformat()))}'
               f" · {escape(words['index_map'])}</div></div>")
    PageHtml(heading).add_to(figure, name="lp_heading", index=0)
    PageHtml(_table_html(rows, district, lang)).add_to(figure, name="lp_table")
    return fmap


def write_district(
    session: Session,
    out_dir: Path,
    *,
    as_of: date | str | None = None,
    basemap: str = "none",
    lang: str = "zh",
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write `index.html` and one page per street into `out_dir`; returns the files written.

    Parcel status is read once for the whole district and shared by every page.
    `out_dir` may be new but its parent must exist; existing pages are kept unless
    `overwrite`; pages appear only once all are drawn. `progress(done, total)`
    is called after each page.
    """
    get_basemap(basemap)
    check_folder(out_dir.parent, what=out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: is a file; give a folder", field="out")
    instant = resolve_as_of(as_of)
    table = district_status_table(session, as_of=instant)
    rows, district = read_district(session, table=table)
    index = out_dir / "index.html"
    targets = [index, *(out_dir / row.href for row in rows)]
    check_targets(targets, overwrite=overwrite)
    with folders_made(out_dir, out_dir / STREETS_DIR), \
            staged_pages(out_dir, targets, overwrite=overwrite) as staging:
        (staging / STREETS_DIR).mkdir()
        for done, row in enumerate(rows, start=1):
            data = read_street(session, row.code, as_of=instant, table=table)
            fmap = street_map(data, basemap=basemap, lang=lang, index_href="../index.html")
            (staging / row.href).write_text(render_html(fmap), encoding="utf-8")
            if progress:
                progress(done, len(targets))
        page = district_index(rows, district, as_of=local_date(instant), basemap=basemap, lang=lang)
        (staging / index.name).write_text(render_html(page), encoding="utf-8")
    if progress:
        progress(len(targets), len(targets))
    return targets
