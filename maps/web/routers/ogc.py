"""OGC API – Features at `/ogc`: a thin adapter over `maps.ogc` (auth, formats, caching, compression).

Desktop GIS cannot sign in with a form, so a request may carry an API token
(`Authorization: Bearer …`, or the password of HTTP Basic with any user name);
without one, the web session counts; without either, only public collections
answer. ETags come from the store's data version (`response_cache.data_stamp`)
and the minute, as the response cache's do: status moves with the clock.

Reads go to the replica when one is given (`--db-read`, `Store.reader()`), so
analysts' layers never load the primary; tokens and users are still checked on
the primary, so a revoked token fails at once however far the replica lags.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from cases.models import User
from geo.errors import NotFoundError, PermissionDeniedError
from geo.orm import utc_now
from geo.store import Store
from maps.ogc import documents
from maps.ogc.collections import COLLECTIONS, Collection, check_reader, get_collection
from maps.ogc.crs import BadRequest, header
from maps.ogc.encoding import compress
from maps.ogc.items import (
    Cached,
    Links,
    StatusSets,
    exists,
    fetch_page,
    links_as_json,
    links_from_json,
    parcels_by_status,
)
from maps.ogc.openapi import openapi
from maps.ogc.params import items_query
from maps.ogc.tokens import public_collections, token_user
from maps.web.deps import SignInRequired, get_current_user
from maps.web.i18n import pick_lang
from maps.web.pages import render
from maps.web.policy import check_street, limited_to_streets
from maps.web.response_cache import data_stamp

router = APIRouter(prefix="/ogc", include_in_schema=False)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="landpatrol", Basic realm="landpatrol", charset="UTF-8"'}
READ_METHODS = ("GET", "HEAD")


@dataclass(frozen=True)
class Caller:
    """Who asks: a user (by token or session) or nobody; and which streets they are limited to."""

    user: User | None

    @property
    def role(self) -> str | None:
        """The user's role (None for an anonymous caller)."""
        return self.user.role if self.user else None

    @property
    def streets(self) -> list[str] | None:
        """The streets the caller is limited to, None for all."""
        return limited_to_streets(self.user) if self.user else None


def _token(request: Request) -> str | None:
    """The token of an Authorization header: Bearer, or the password of Basic."""
    value = request.headers.get("authorization")
    if not value:
        return None
    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def caller(request: Request, session: Session | None = None) -> Caller:
    """The caller of this request: a token first, else the web session, else anonymous.

    A token is looked up in `session` when given (the request's own), else in a session of its own.
    """
    store: Store = request.app.state.store
    token = _token(request)
    if token is not None:
        if not token:
            found = None
        elif session is not None:
            found = token_user(session, token)
        else:
            with store.session() as own:
                found = token_user(own, token)
        if found is None:
            raise HTTPException(401, "the token is invalid, expired or revoked", headers=CHALLENGE)
        user, can_write = found
        if request.method not in READ_METHODS and not can_write:
            raise PermissionDeniedError("this token is read-only")
        return Caller(user)
    try:
        return Caller(get_current_user(request))
    except SignInRequired:
        return Caller(None)


def _readable(session: Session, who: Caller, collection: Collection) -> None:
    if who.user is None:
        if collection.id not in public_collections(session):
            raise HTTPException(401, "sign in, or send an API token", headers=CHALLENGE)
        return
    check_reader(collection, who.role)


def _format(request: Request) -> str:
    asked = request.query_params.get("f")
    if asked is not None:
        if asked not in ("json", "html"):
            raise BadRequest(f"f: {asked[:20]!r} is neither json nor html", field="f")
        return asked
    accept = request.headers.get("accept", "")
    return "html" if "text/html" in accept and "json" not in accept else "json"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


@dataclass(frozen=True)
class Tag:
    """A response's ETag, when the data last changed (Last-Modified) and the data version it read."""

    etag: str
    modified: datetime | None
    version: str  # `cache_version`, read once a request and handed to the response cache


def _etag(request: Request, session: Session, who: Caller, fmt: str) -> Tag:
    version, modified = data_stamp(session)
    minute = utc_now().strftime("%Y-%m-%dT%H:%M")
    scope = f"{who.role}:{','.join(who.streets or ['*'])}"
    raw = f"{version}|{minute}|{scope}|{fmt}|{request.url.path}?{request.url.query}"
    return Tag('"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"', modified, version)


def _reply(request: Request, body: str | bytes, media: str, etag: str, modified: datetime | None,
           extra: dict[str, str] | None = None) -> Response:
    raw = body.encode() if isinstance(body, str) else body
    payload, coding = compress(raw, request.headers.get("accept-encoding", ""))
    headers = {"ETag": etag, "Vary": "Accept, Accept-Encoding, Authorization, Cookie",
               "Cache-Control": "private, no-cache", **(extra or {})}
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified, usegmt=True)
    if coding:
        headers["Content-Encoding"] = coding
    return Response(payload, media_type=media, headers=headers)


def _not_modified(request: Request, etag: str) -> Response | None:
    asked = request.headers.get("if-none-match", "")
    if etag in {t.strip().removeprefix("W/") for t in asked.split(",")} or asked.strip() == "*":
        return Response(status_code=304, headers={"ETag": etag})
    return None


def _document(request: Request, who: Caller, build: Any, *, title: str,
              media: str = documents.JSON, headers: dict[str, str] | None = None) -> Response:
    """A JSON document (or its HTML page), with ETag and compression."""
    fmt = _format(request)
    store: Store = request.app.state.store
    with store.reader().session() as session:
        tag = _etag(request, session, who, fmt)
        etag, modified = tag.etag, tag.modified
        unchanged = _not_modified(request, etag)
        if unchanged is not None:
            return unchanged
        doc = build(session, fmt)
    if fmt == "html":
        page = render(request, "ogc_document.html", {"title": title, "doc": doc})
        return _reply(request, page.body, documents.HTML, etag, modified, headers)
    return _reply(request, json.dumps(doc, ensure_ascii=False), media, etag, modified, headers)


def _lang(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get("lp_lang"),
                     request.app.state.settings.default_lang)


@router.get("")
@router.get("/")
def landing(request: Request) -> Response:
    """The landing page (public: it names no data)."""
    return _document(request, Caller(None), lambda s, f: documents.landing(_base(request), f),
                     title="OGC API – Features")


@router.get("/conformance")
def conformance(request: Request) -> Response:
    """The conformance classes (public)."""
    return _document(request, Caller(None), lambda s, f: documents.conformance(_base(request), f),
                     title="Conformance")


@router.get("/api")
def api_definition(request: Request) -> Response:
    """The OpenAPI 3.0 definition (public)."""
    if request.query_params.get("f") == "html":
        return _document(request, Caller(None), lambda s, f: openapi(), title="OpenAPI")
    return Response(json.dumps(openapi()), media_type=documents.OPENAPI)


@router.get("/collections")
def collections(request: Request) -> Response:
    """The collections the caller may read (an anonymous caller: the public ones)."""
    who = caller(request)

    def build(session: Session, fmt: str) -> dict[str, Any]:
        public = public_collections(session)
        shown = [c for c in COLLECTIONS.values()
                 if (c.id in public if who.user is None else who.role in c.readers)]
        return documents.collections_doc(_base(request), shown, _lang(request), fmt)

    return _document(request, who, build, title="Collections")


@router.get("/collections/{collection_id}")
def collection(request: Request, collection_id: str) -> Response:
    """One collection."""
    found, who = get_collection(collection_id), caller(request)

    def build(session: Session, fmt: str) -> dict[str, Any]:
        _readable(session, who, found)
        return documents.collection_doc(_base(request), found, _lang(request), fmt)

    return _document(request, who, build, title=found.title_in(_lang(request)))


@router.get("/collections/{collection_id}/queryables")
def queryables(request: Request, collection_id: str) -> Response:
    """The properties a filter may name."""
    found, who = get_collection(collection_id), caller(request)

    def build(session: Session, fmt: str) -> dict[str, Any]:
        _readable(session, who, found)
        return documents.queryables(_base(request), found)

    return _document(request, who, build, title=f"{found.id}: queryables", media="application/schema+json")


def _cache(request: Request, session: Session, tag: Tag) -> Cached:
    """Text kept in the response cache while the data (as read for the ETag) and the minute stay the same."""

    def cached(key: tuple[str, ...], build: Callable[[], str]) -> str:
        return request.app.state.response_cache.get_or_build(session, key, build, version=tag.version)

    return cached


def _day(day: Any) -> str:
    return day.isoformat() if day else "now"


def _status_sets(session: Session, cached: Cached) -> StatusSets:
    """Parcel ids by status (for filters on a past day's status), cached."""

    def sets(day: Any) -> dict[str, list[int]]:
        text = cached(("ogc-status", _day(day)), lambda: json.dumps(parcels_by_status(session, day)))
        return json.loads(text)

    return sets


def _links(session: Session, cached: Cached) -> Links:
    """The issue links of a past day, which every page of that day needs, cached."""

    def links(day: Any) -> pd.DataFrame:
        return links_from_json(cached(("ogc-links", _day(day)), lambda: links_as_json(session, day)))

    return links


def _features(request: Request, collection_id: str, feature_id: str | None) -> Response:
    found = get_collection(collection_id)
    params = dict(request.query_params)
    query = items_query(params, found)
    fmt = _format(request)
    lang = _lang(request)
    store: Store = request.app.state.store
    reads = store.reader()
    with reads.session() as session:
        who = caller(request, session if reads is store else None)  # checked on the primary
        _readable(session, who, found)
        tag = _etag(request, session, who, fmt)
        etag, modified = tag.etag, tag.modified
        unchanged = _not_modified(request, etag)
        if unchanged is not None:
            return unchanged
        cached = _cache(request, session, tag)
        page = fetch_page(session, found, query, lang=lang, streets=who.streets,
                          status_sets=_status_sets(session, cached) if found.kind else None,
                          feature_id=feature_id, links=_links(session, cached), cached=cached)
        if feature_id is not None and not page.returned and who.streets is not None \
                and exists(session, found, feature_id):
            check_street(who.user, None)  # as the web app answers: not one of your streets
    headers = {"Content-Crs": header(query.crs)} if found.geometry is not None else {}
    stamp = utc_now().isoformat(timespec="seconds").replace("+00:00", "Z")
    if feature_id is not None:
        features = json.loads(page.features)
        if not features:
            raise NotFoundError(f"no feature {feature_id[:60]!r} in {found.id}", field="featureId")
        feature = features[0]
        feature["links"] = [
            documents.link(f"{_base(request)}/collections/{found.id}/items/{feature_id}?f=json", "self",
                           documents.GEOJSON),
            documents.link(f"{_base(request)}/collections/{found.id}", "collection", documents.JSON)]
        if fmt == "html":
            html = render(request, "ogc_items.html", {"title": f"{found.id} {feature_id}",
                                                      "features": features, "links": feature["links"]})
            return _reply(request, html.body, documents.HTML, etag, modified, headers)
        return _reply(request, json.dumps(feature, ensure_ascii=False), documents.GEOJSON, etag, modified,
                      headers)
    body = documents.feature_collection(_base(request), found, page, query, params, stamp)
    if fmt == "html":
        doc = json.loads(body)
        html = render(request, "ogc_items.html", {
            "title": found.title_in(lang), "features": doc["features"], "links": doc["links"],
            "matched": page.matched, "returned": page.returned})
        return _reply(request, html.body, documents.HTML, etag, modified, headers)
    return _reply(request, body, documents.GEOJSON, etag, modified, headers)


@router.get("/collections/{collection_id}/items")
def items(request: Request, collection_id: str) -> Response:
    """A page of features: limit, offset, bbox, crs, properties, filter (CQL2 text), datetime."""
    return _features(request, collection_id, None)


@router.get("/collections/{collection_id}/items/{feature_id}")
def item(request: Request, collection_id: str, feature_id: str) -> Response:
    """One feature, by its code (or id)."""
    return _features(request, collection_id, feature_id)
