#!/usr/bin/env bash
# Installs the Debian packages landpatrol needs, where they are missing and we
# run as root. Elsewhere it says what to install and leaves the machine alone.
set -euo pipefail

needed=()
[ -e /usr/lib/x86_64-linux-gnu/mod_spatialite.so ] || [ -e /usr/lib/aarch64-linux-gnu/mod_spatialite.so ] \
  || needed+=(libsqlite3-mod-spatialite)
if [ "${LANDPATROL_WITH_TEST_TOOLS:-0}" = 1 ]; then
  command -v ogr2ogr >/dev/null || needed+=(gdal-bin)
  [ -x /usr/bin/chromium ] || needed+=(chromium)
  # Without a CJK font Chromium draws every Chinese character of the maps as a box.
  [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || needed+=(fonts-noto-cjk)
  # QGIS reads the OGC API layers in tests/maps/web/test_ogc_clients.py (headless)
  /usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1 || needed+=(python3-qgis)
  [ -d /usr/share/postgresql/15/extension ] && ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1 \
    || needed+=(postgresql-15-postgis-3)
fi
[ ${#needed[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${needed[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${needed[@]}" >/dev/null
else
  echo "landpatrol needs: ${needed[*]} (Debian/Ubuntu: sudo apt-get install ${needed[*]};" \
       "macOS: brew install libspatialite; conda: conda install -c conda-forge libspatialite)" >&2
fi
