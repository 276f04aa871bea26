"""One street's map: parcels by kind, coloured by status, with legend, figures and search.

Reading (`read_street`) and drawing (`street_map`) are separate so that `map all`
reads the status of every parcel once for the whole district, and so that drawing
can be measured and tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.status.clock import local_date, resolve_as_of
from cases.status.derive import district_status_table, figures_of
from geo.errors import InputError
from layers.kinds import KINDS
from layers.models import Parcel
from layers.query import parcels_frame, streets_frame
from layers.streets import find_street
from maps import labels
from maps.basemaps import Basemap, add_basemap, for_display, get_basemap
from maps.elements import BoundaryLayer, MapCall, MapSetup, Panel, ParcelLayer
from maps.geojson import bounds_latlon, feature_collection
from maps.offline import OfflineMap
from maps.output import check_folder, check_targets, staged_pages
from maps.panels import figures_html, legend_html, title_html
from maps.popups import browser_config, parcel_properties

# Parcels an offline street map embeds at most; larger streets open in the web app, by tiles.
OFFLINE_MAX = 5_000
# Tianhe's centre, for a street with neither outline nor parcels.
TIANHE_CENTRE = (23.15, 113.36)
# Street outlines are context, not survey: 1 m is plenty and keeps them small.
OUTLINE_SIMPLIFY_DEG = 1e-5


@dataclass(frozen=True)
class StreetData:
    """Everything a street map shows, read from the store at one instant."""

    code: str
    name: str
    schematic: bool
    outline: Any  # shapely geometry in EPSG:4490, or None where not imported
    parcels: gpd.GeoDataFrame  # parcels joined with their status columns
    figures: dict[str, Any]
    as_of: date


def read_street(
    session: Session,
    street: str,
    *,
    as_of: date | str | None = None,
    table: pd.DataFrame | None = None,
) -> StreetData:
    """Read one street's outline, parcels and status as of a day.

    Parameters
    ----------
    street
        Code, full name or short name (`440106020`, `前进街道`, `前进`).
    as_of
        The end of this local day (default: now).
    table
        The district's status table from `cases.status.derive.district_status_table`, when the
        caller draws many streets and has read it once already.
    """
    found = find_street(session, street)
    instant = resolve_as_of(as_of)
    if table is None:
        table = district_status_table(session, as_of=instant)
    rows = table[table["street_code"] == found.code]
    parcels = parcels_frame(session, street_codes=[found.code])
    status_only = rows[[c for c in rows.columns if c not in parcels.columns]]
    joined = parcels.join(status_only, on="id", how="left")
    joined["status"] = joined["status"].fillna("uninspected")
    outlines = streets_frame(session)
    outline = outlines.loc[outlines["code"] == found.code, "geometry"]
    return StreetData(
        code=found.code,
        name=found.name,
        schematic=bool(found.schematic),
        outline=outline.iloc[0] if len(outline) else None,
        parcels=joined,
        figures=figures_of(rows),
        as_of=local_date(instant),
    )


def _kind_order(kinds: pd.Series) -> list[str]:
    """Kinds present, in registry order, then any unregistered ones by name."""
    present = set(kinds.unique())
    return [k for k in KINDS if k in present] + sorted(present - set(KINDS))


def _fit_bounds(data: StreetData, basemap: Basemap) -> list[list[float]] | None:
    """The parcels' extent (the outline's for a street without parcels): a street is
    often far larger than its parcels, which would open as specks."""
    shapes = list(data.parcels.geometry) or ([data.outline] if data.outline is not None else [])
    if not shapes:
        return None
    return bounds_latlon(for_display(np.array(shapes, dtype=object), basemap))


def street_map(
    data: StreetData, *, basemap: str = "none", lang: str = "zh", index_href: str | None = None,
) -> folium.Map:
    """Draw a street map from data already read.

    Parcels go in one layer per kind, styled in the browser from each feature's
    status; with the GCJ-02 `gaode` basemap every overlay is shifted to GCJ-02,
    while popups keep the true CGCS2000 centre. `index_href` links the title back
    to the district index.
    """
    chosen = get_basemap(basemap)
    words = labels.text(lang)
    fmap = OfflineMap(location=TIANHE_CENTRE, zoom_start=13)
    fmap.get_root().title = escape(words["title"].format(street=data.name))
    add_basemap(fmap, chosen, lang=lang)
    MapSetup(browser_config(lang), _fit_bounds(data, chosen)).add_to(fmap)

    if data.outline is not None:
        outline = for_display(np.array([data.outline], dtype=object), chosen)
        BoundaryLayer(
            feature_collection(outline, [{}], simplify=OUTLINE_SIMPLIFY_DEG),
            name=words["street_boundary"],
        ).add_to(fmap)

    parcels = data.parcels
    kinds = _kind_order(parcels["kind"])
    for kind in kinds:
        rows = parcels[parcels["kind"] == kind]
        label = labels.kind_label(kind, lang)
        shapes = for_display(rows.geometry.to_numpy(), chosen)
        ParcelLayer(
            feature_collection(shapes, parcel_properties(rows, lang)),
            kind=kind, label=label, name=f"{escape(label)} ({len(rows)})",
        ).add_to(fmap)

    Panel(title_html(data.name, data.as_of, schematic=data.schematic, lang=lang,
                     index_href=index_href),
          position="topcenter", css_class="lp-title").add_to(fmap)
    MapCall("search").add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    Panel(figures_html(data.figures, lang), position="topright",
          css_class="lp-figures").add_to(fmap)
    Panel(legend_html(data.figures.get("by_status", {}), kinds, lang), position="bottomright",
          css_class="lp-legend").add_to(fmap)
    MapCall("finish").add_to(fmap)
    return fmap


def render_html(fmap: folium.Map) -> str:
    """The whole page of a map, as one self-contained HTML text."""
    return fmap.get_root().render()


def write_street_map(
    session: Session,
    street: str,
    out: Path | None = None,
    *,
    basemap: str = "none",
    as_of: date | str | None = None,
    lang: str = "zh",
    overwrite: bool = False,
) -> Path:
    """Read, draw and write one street's map to `out` (default `map-<code>.html`).

    Like an export: `out`'s folder must exist, an existing `out` is kept unless
    `overwrite`, and the file appears only once complete.
    """
    get_basemap(basemap)  # fail on a bad name or path before reading anything
    if out is not None:
        _check_out(out, overwrite)
    _check_size(session, street)
    data = read_street(session, street, as_of=as_of)
    if out is None:
        out = Path(f"map-{data.code}.html")
        _check_out(out, overwrite)
    html = render_html(street_map(data, basemap=basemap, lang=lang))
    with staged_pages(out.parent, [out], overwrite=overwrite) as staging:
        (staging / out.name).write_text(html, encoding="utf-8")
    return out


def _check_size(session: Session, street: str) -> None:
    """Refuse a street whose parcels would make an offline page too large to open (see README)."""
    found = find_street(session, street)
    count = session.scalar(sa.select(sa.func.count()).select_from(Parcel).where(
        Parcel.street_code == found.code, Parcel.retired_at.is_(None)))
    if count > OFFLINE_MAX:
        raise InputError(
            f"street {found.code} ({found.name}) has {count} parcels, more than the {OFFLINE_MAX} an offline "
            f"map holds; open it in the web app instead (landpatrol serve, then /streets/{found.code})",
            field="street", code="too_many_parcels")


def _check_out(out: Path, overwrite: bool) -> None:
    check_folder(out.parent, what=out)
    check_targets([out], overwrite=overwrite)
