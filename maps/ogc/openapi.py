"""The OpenAPI 3.0 definition of `/ogc` (FastAPI's own is 3.1 and lists the web app's routes)."""

from __future__ import annotations

from functools import cache
from typing import Any

from maps.ogc.collections import COLLECTIONS
from maps.ogc.crs import OFFERED
from maps.ogc.params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET


def _param(name: str, schema: dict[str, Any], where: str = "query", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, **extra}


_CRS = {"type": "string", "enum": [c.uri for c in OFFERED]}
_F = _param("f", {"type": "string", "enum": ["json", "html"]})
_COLLECTION = _param("collectionId", {"type": "string", "enum": list(COLLECTIONS)}, "path")
_ITEMS_PARAMS = [
    _F, _COLLECTION,
    _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    _param("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
    _param("bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
           style="form", explode=False),
    _param("bbox-crs", _CRS), _param("crs", _CRS), _param("filter-crs", _CRS),
    _param("properties", {"type": "array", "items": {"type": "string"}}, style="form", explode=False),
    _param("filter", {"type": "string"}),
    _param("filter-lang", {"type": "string", "enum": ["cql2-text"]}),
    _param("datetime", {"type": "string", "format": "date"},
           description="Parcel collections: status as of this day."),
]
_ERRORS = {str(code): {"description": text, "content": {"application/json": {"schema": {"type": "object"}}}}
           for code, text in ((400, "A bad parameter."), (401, "Sign in or send a token."),
                              (403, "Not for this role."), (404, "No such collection or feature."))}


def _get(summary: str, params: list[dict[str, Any]], media: str = "application/json") -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params, "responses": {
        "200": {"description": "OK", "content": {media: {"schema": {"type": "object"}},
                                                 "text/html": {"schema": {"type": "string"}}}},
        "304": {"description": "Not modified (If-None-Match)."}, **_ERRORS}}}


@cache
def openapi() -> dict[str, Any]:
    """The definition, built once."""
    feature = _param("featureId", {"type": "string"}, "path")
    return {
        "openapi": "3.0.3",
        "info": {"title": "landpatrol OGC API – Features", "version": "1.0"},
        "servers": [{"url": "/ogc"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                           "basic": {"type": "http", "scheme": "basic"}}},
        "security": [{"bearer": []}, {"basic": []}],
        "paths": {
            "/": _get("Landing page", [_F]),
            "/conformance": _get("Conformance classes", [_F]),
            "/collections": _get("Collections", [_F]),
            "/collections/{collectionId}": _get("A collection", [_F, _COLLECTION]),
            "/collections/{collectionId}/queryables": _get("Queryables", [_F, _COLLECTION],
                                                           "application/schema+json"),
            "/collections/{collectionId}/items": _get("Features", _ITEMS_PARAMS, "application/geo+json"),
            "/collections/{collectionId}/items/{featureId}": _get(
                "One feature", [_F, _COLLECTION, feature, _param("crs", _CRS),
                                _param("datetime", {"type": "string", "format": "date"})],
                "application/geo+json"),
        },
    }
