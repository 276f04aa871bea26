"""The street index, each street's page and map, and a street's parcels as paged GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cases.models import User
from cases.status.derive import district_status_table
from cases.status.rules import STATUSES
from cases.status.street_page import status_page
from geo.errors import InputError, NotFoundError
from layers.query import parcels_frame
from layers.streets import find_street
from maps import read_district, read_street, render_html, street_map
from maps.geojson import feature_collection, to_json
from maps.web.deps import SessionDep
from maps.web.messages import web_error
from maps.web.pages import page_lang, render
from maps.web.policy import check_street, limited_to_streets, street_reader
from maps.web.schemas import FeatureCollection, StreetOut
from maps.web.tile_map import TILED_ABOVE, tile_map_config

router = APIRouter(tags=["streets"])
Reader = Annotated[User, Depends(street_reader)]
MAP_LINKS = '<script src="/static/maplinks.js"></script>'
PAGE_MAX = 5000
OFFSET_MAX = 10_000_000  # far beyond any street; an integer the databases can hold
GEOJSON = "application/geo+json"


def _streets(session: SessionDep, user: User) -> list[Any]:
    rows, _district = read_district(session, table=district_status_table(session))
    allowed = limited_to_streets(user)
    return [row for row in rows if allowed is None or row.code in allowed]


@router.get("/", include_in_schema=False)
def index(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """Every street the user may see, with its figures."""
    return render(request, "index.html", {"streets": _streets(session, user), "statuses": STATUSES})


@router.get("/api/streets", response_model=list[StreetOut])
def list_streets(session: SessionDep, user: Reader) -> list[dict[str, Any]]:
    """Streets (an inspector's own only) with the report's figures."""
    return [{"code": r.code, "name": r.name, "figures": r.figures} for r in _streets(session, user)]


def _street(session: SessionDep, user: User, code: str) -> Any:
    """The street, if this user may see it; an unknown one lists only the streets they may see."""
    allowed = limited_to_streets(user)
    try:
        street = find_street(session, code)
    except NotFoundError:
        if allowed is None:
            raise
        raise web_error(NotFoundError, "no_street", field="code", street=code, near=allowed) from None
    check_street(user, street.code)
    return street


@router.get("/streets/{code}", include_in_schema=False)
def street_page(request: Request, code: str, session: SessionDep, user: Reader) -> HTMLResponse:
    """A street's figures and its map."""
    street = _street(session, user, code)
    parcels = parcels_frame(session, street_codes=[street.code])
    tiled = tile_map_config(street, parcels, page_lang(request)) if len(parcels) > TILED_ABOVE else None
    codes = parcels["code"].tolist()
    return render(request, "street.html", {"street": street, "codes": codes, "tiled": tiled})


@router.get("/streets/{code}/map", include_in_schema=False)
def street_map_page(request: Request, code: str, session: SessionDep, user: Reader) -> HTMLResponse:
    """The street's folium map (Leaflet inlined, nothing loaded from outside the app)."""
    street = _street(session, user, code)
    lang = page_lang(request)

    def build() -> str:
        html = render_html(street_map(read_street(session, street.code), lang=lang))
        return html.replace("</body>", MAP_LINKS + "</body>", 1)

    cache = request.app.state.response_cache
    return HTMLResponse(cache.get_or_build(session, ("map", street.code, lang), build))


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError("bbox: four numbers, west,south,east,north") from None
    if not (west <= east and south <= north):
        raise InputError("bbox: west must not exceed east, nor south north")
    return west, south, east, north


@router.get("/api/streets/{code}/parcels", response_model=FeatureCollection)
def street_parcels(
    request: Request, code: str, session: SessionDep, user: Reader,
    bbox: Annotated[str | None, Query(description="west,south,east,north in lon/lat")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1000,
    after: Annotated[str | None, Query(max_length=60, description="the page after this parcel code")] = None,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX,
                                 description="kept for old links; `after` is the way")] = 0,
) -> Response:
    """The street's parcels with their status as GeoJSON, ordered by code, a page at a time.

    The `next` link carries `after=` the page's last code (keyset paging: every page costs
    the same); `offset` still works, and skips within the street's index."""
    street = _street(session, user, code)
    box = _bbox(bbox)
    cache = request.app.state.response_cache
    body = cache.get_or_build(session, ("geojson", str(request.url)),
                              lambda: _parcels_geojson(request, session, street.code, box, limit,
                                                       (after, offset)))
    return Response(body, media_type=GEOJSON)


def _parcels_geojson(request: Request, session: SessionDep, street_code: str,
                     box: tuple[float, float, float, float] | None, limit: int,
                     start: tuple[str | None, int]) -> str:
    """One page of a street's parcels with their status, as a GeoJSON FeatureCollection."""
    after, offset = start
    page, matched = status_page(session, street_codes=[street_code], bbox=box, limit=limit + 1,
                                offset=offset, after=after)  # one more: is there a next page?
    more, page = len(page) > limit, page.iloc[:limit]
    at = page["last_inspected_at"].map(lambda v: None if pd.isna(v) else v.isoformat())
    props = [
        {"code": code, "kind": kind, "name": name, "village": village, "area_m2": round(float(area), 2),
         "status": status, "last_inspected_at": when, "open_issue_refs": refs}
        for code, kind, name, village, area, status, when, refs in zip(
            page["code"], page["kind"], page["name"], page["village"], page["area_m2"], page["status"],
            at, page["open_issue_refs"], strict=True)
    ]
    body = feature_collection(page.geometry.to_numpy(), props, decimals=7, simplify=None)
    links = []
    if more:
        params = {k: v for k, v in request.query_params.items() if k != "offset"}
        query = urlencode(params | {"after": page["code"].iloc[-1], "limit": limit})
        links.append({"rel": "next", "type": GEOJSON, "href": f"{request.url.path}?{query}"})
    tail = {"numberMatched": matched, "numberReturned": len(page), "links": links}
    return body[:-1] + "," + to_json(tail)[1:]

