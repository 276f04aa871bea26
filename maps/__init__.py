"""What people see: street maps and the district index, as offline HTML files.

Public API
----------
read_street, street_map, write_street_map
    One street's map: parcels by kind, coloured by status, legend, figures, search.
read_district, district_index, write_district
    The district index page and a page per street, in one folder.
BASEMAPS, get_basemap
    `none` (offline, default), `osm`, `tianditu`, `gaode` (overlays shifted to GCJ-02).
render_html, external_urls
    A map's HTML, and the URLs outside the file it would load (none, offline).
"""

from maps.basemaps import BASEMAPS, get_basemap
from maps.district_index import district_index, read_district, write_district
from maps.offline import external_urls
from maps.street_map import StreetData, read_street, render_html, street_map, write_street_map

__all__ = [
    "BASEMAPS",
    "StreetData",
    "district_index",
    "external_urls",
    "get_basemap",
    "read_district",
    "read_street",
    "render_html",
    "street_map",
    "write_district",
    "write_street_map",
]
