"""Coordinate reference systems used by landpatrol.

Geometry is stored in CGCS2000 geographic (EPSG:4490); areas and distances
are measured in the 3-degree Gauss-Kruger zone of central meridian 114E
(EPSG:4547), which covers Guangzhou; never in Web Mercator, which overstates
area there by about 19 %.
"""

from __future__ import annotations

STORAGE_EPSG = 4490
MEASURE_EPSG = 4547
WGS84_EPSG = 4326
GCJ02 = "gcj02"

STORAGE_CRS = f"EPSG:{STORAGE_EPSG}"
MEASURE_CRS = f"EPSG:{MEASURE_EPSG}"
WGS84_CRS = f"EPSG:{WGS84_EPSG}"
