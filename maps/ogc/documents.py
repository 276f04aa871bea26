"""The API's JSON documents: landing page, conformance, collections, queryables, feature collections.

Links are absolute, built from the base URL the adapter passes (`…/ogc`);
each document links itself (`self`) and its other format (`alternate`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from maps.ogc.collections import GEOMETRY, Collection
from maps.ogc.crs import OFFERED, STORAGE_URI
from maps.ogc.items import Page
from maps.ogc.params import ItemsQuery

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
)
JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
TIANHE_BBOX = [113.26, 23.09, 113.47, 23.29]  # CRS84, the district with a margin


def link(href: str, rel: str, media: str, title: str | None = None) -> dict[str, str]:
    """One link object."""
    found = {"href": href, "rel": rel, "type": media}
    return found | {"title": title} if title else found


def _pair(href: str, fmt: str, title: str) -> list[dict[str, str]]:
    """`self` in the format served and `alternate` in the other one."""
    sep = "&" if "?" in href else "?"
    json_media = GEOJSON if "/items" in href else JSON
    other = HTML if fmt == "json" else json_media
    return [link(f"{href}{sep}f={fmt}", "self", json_media if fmt == "json" else HTML, title),
            link(f"{href}{sep}f={'html' if fmt == 'json' else 'json'}", "alternate", other, title)]


def landing(base: str, fmt: str) -> dict[str, Any]:
    """The landing page: links to the API definition, conformance and collections."""
    return {
        "title": "landpatrol OGC API – Features",
        "description": "Parcels with today's status (or as of a day), streets, inspections and issues.",
        "links": [
            *_pair(base, fmt, "this document"),
            link(f"{base}/api", "service-desc", OPENAPI, "the API definition"),
            link(f"{base}/api?f=html", "service-doc", HTML, "the API definition"),
            link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
            link(f"{base}/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON),
            link(f"{base}/collections", "data", JSON, "collections"),
            link(f"{base}/collections", "http://www.opengis.net/def/rel/ogc/1.0/data", JSON),
        ],
    }


def conformance(base: str, fmt: str) -> dict[str, Any]:
    """The conformance classes implemented."""
    return {"conformsTo": list(CONFORMANCE), "links": _pair(f"{base}/conformance", fmt, "conformance")}


def collection_doc(base: str, collection: Collection, lang: str, fmt: str) -> dict[str, Any]:
    """One collection's description."""
    href = f"{base}/collections/{collection.id}"
    doc: dict[str, Any] = {
        "id": collection.id, "title": collection.title_in(lang), "itemType": "feature",
        "links": [
            *_pair(href, fmt, collection.title_in(lang)),
            link(f"{href}/items?f=json", "items", GEOJSON, "features"),
            link(f"{href}/items?f=html", "items", HTML, "features"),
            link(f"{href}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                 "application/schema+json", "queryables"),
        ],
    }
    if collection.geometry is not None:
        doc["extent"] = {"spatial": {"bbox": [TIANHE_BBOX], "crs": OFFERED[0].uri}}
        doc["crs"] = [c.uri for c in OFFERED]
        doc["storageCrs"] = STORAGE_URI
    return doc


def collections_doc(base: str, collections: Iterable[Collection], lang: str, fmt: str) -> dict[str, Any]:
    """The collections this caller may read."""
    return {"links": _pair(f"{base}/collections", fmt, "collections"),
            "collections": [collection_doc(base, c, lang, fmt="json") for c in collections],
            "crs": [c.uri for c in OFFERED]}


_SCHEMA_TYPES = {"string": {"type": "string"}, "number": {"type": "number"},
                 "integer": {"type": "integer"}, "boolean": {"type": "boolean"},
                 "datetime": {"type": "string", "format": "date-time"}}


def queryables(base: str, collection: Collection) -> dict[str, Any]:
    """The properties a filter may name, as JSON Schema."""
    properties: dict[str, Any] = {}
    for name, found in collection.queryables.items():
        schema = dict(_SCHEMA_TYPES[found.type])
        properties[name] = schema | {"enum": list(found.values)} if found.values else schema
    if collection.geometry is not None:
        properties[GEOMETRY] = {"$ref": "https://geojson.org/schema/Geometry.json"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{base}/collections/{collection.id}/queryables", "type": "object",
            "title": collection.id, "properties": properties, "additionalProperties": False}


def _query_string(params: dict[str, str], **changes: str | None) -> str:
    merged = {k: v for k, v in ({**params, **changes}).items() if v is not None}
    return urlencode(merged)


def feature_collection(base: str, collection: Collection, page: Page, query: ItemsQuery,
                       params: dict[str, str], stamp: str) -> bytes:
    """The page as a GeoJSON FeatureCollection (UTF-8), with self/alternate/next/prev/collection links.

    The features stay bytes from the encoder to the socket: a page of 1,000 is megabytes, and a
    round trip through text cost milliseconds."""
    href = f"{base}/collections/{collection.id}/items"
    plain = {k: v for k, v in params.items() if k not in ("f", "after", "offset")}
    offset = str(query.offset) if query.offset else None

    def to(media: str, rel: str, **changes: str | None) -> dict[str, str]:
        fmt = "html" if media == HTML else "json"
        return link(f"{href}?{_query_string(plain, f=fmt, **changes)}", rel, media)

    links = [to(GEOJSON, "self", offset=offset, after=query.after),
             to(HTML, "alternate", offset=offset, after=query.after),
             link(f"{base}/collections/{collection.id}", "collection", JSON)]
    if page.returned == query.limit and query.offset + query.limit < page.matched:
        links.append(to(GEOJSON, "next", offset=str(query.offset + query.limit), after=str(page.last_key)))
    if query.offset > 0:
        back = max(query.offset - query.limit, 0)
        links.append(to(GEOJSON, "prev", offset=str(back) if back else None))
    head = {"type": "FeatureCollection", "timeStamp": stamp, "numberMatched": page.matched,
            "numberReturned": page.returned, "links": links}
    text = json.dumps(head, ensure_ascii=False)
    return b"".join((text[:-1].encode(), b',"features":', page.features, b"}"))
