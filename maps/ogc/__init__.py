"""OGC API – Features over the store: collections, items, CQL2 filters, CRS, tokens.

This package knows no web framework (pygeoapi's habit): it builds documents,
queries and feature collections; `maps.web.routers.ogc` only adapts HTTP.
"""
