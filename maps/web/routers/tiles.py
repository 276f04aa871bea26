"""Parcels as Mapbox Vector Tiles for the web map of a large street, role-scoped and cached."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from cases.models import User
from cases.tiles import parcel_tile
from geo.tiles import MAX_ZOOM
from maps.web.deps import SessionDep
from maps.web.policy import check_street, limited_to_streets, street_reader

router = APIRouter(tags=["tiles"])
Reader = Annotated[User, Depends(street_reader)]
MVT = "application/vnd.mapbox-vector-tile"


@router.get("/tiles/parcels/{z}/{x}/{y}.pbf", response_class=Response,
            responses={200: {"content": {MVT: {}}, "description": "one Mapbox Vector Tile, layer `parcels`"}})
def parcels_tile(
    request: Request, session: SessionDep, user: Reader,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)], x: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1)],
    y: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1)],
    street: Annotated[str | None, Query(max_length=60, description="only this street's parcels")] = None,
) -> Response:
    """Tile z/x/y of the parcels the user may see (an inspector's own streets), with today's status."""
    streets = limited_to_streets(user)
    if street is not None:
        check_street(user, street)
        streets = [street]
    scope = "*" if streets is None else ",".join(sorted(streets))
    cache = request.app.state.response_cache
    body = cache.get_or_build(session, ("tile", scope, str(z), str(x), str(y)),
                              lambda: parcel_tile(session, z, x, y, street_codes=streets))
    return Response(body, media_type=MVT, headers={"Cache-Control": "private, max-age=60"})
