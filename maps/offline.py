"""Maps that work with no internet: Leaflet and our own scripts inlined into the HTML.

A plain folium map pulls about ten CDN files (Leaflet, jQuery, Bootstrap, Font
Awesome …) and shows nothing on an intranet. Here Leaflet's JS and CSS come from
the installed `xstatic-leaflet` package (the same Leaflet 1.9.3 folium targets),
its images become data URIs, and nothing else is loaded: our maps use no jQuery,
Bootstrap or icon fonts. Nothing is fetched at run time.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, Figure

from geo.errors import StoreError

_ASSETS = "maps.assets"
_CSS_URL = re.compile(r"url\((['\"]?)(images/[\w.-]+\.png)\1\)")
# What a browser would load: src attributes, stylesheet links, CSS url() and @import.
# Plain hyperlinks (Leaflet's attribution links to its site) load nothing and pass.
_URL = r"((?:https?:)?//[^\"')\s>]+)"
_EXTERNAL = re.compile(
    rf"""(?:\bsrc\s*=\s*["']?|<link\b[^>]*?\bhref\s*=\s*["']?|url\(\s*["']?|@import\s+["']){_URL}""",
    re.IGNORECASE,
)


def _leaflet_dir() -> Path:
    try:
        from xstatic.pkg import leaflet
    except ImportError as err:  # pragma: no cover - a broken install
        raise StoreError("the xstatic-leaflet package is missing; reinstall landpatrol") from err
    return Path(leaflet.BASE_DIR)


@cache
def leaflet_js() -> str:
    """Leaflet's minified JS, from the installed package."""
    return (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")


@cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images (layer-control icon, markers) as data URIs."""
    folder = _leaflet_dir()

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode((folder / match.group(2)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_URL.sub(inline, (folder / "leaflet.css").read_text(encoding="utf-8"))


@cache
def asset(name: str) -> str:
    """One of our own scripts or stylesheets in `maps/assets/`."""
    return resources.files(_ASSETS).joinpath(name).read_text(encoding="utf-8")


def inline_script(code: str) -> str:
    """A `<script>` block; `</` is broken up so no text inside can close the tag early."""
    return "<script>" + code.replace("</", "<\\/") + "</script>"


def inline_style(css: str) -> str:
    """A `<style>` block (ours and Leaflet's CSS hold no `</`)."""
    return "<style>" + css + "</style>"


class OfflineMap(folium.Map):
    """A folium map whose HTML references no URL outside itself (unless a basemap is added).

    folium's `default_js`/`default_css` (all CDN links) are emptied and replaced by
    Leaflet and our map script and stylesheet, inlined once in the page header.
    """

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 - folium's own class attribute
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("tiles", None)
        super().__init__(*args, **kwargs)

    def render(self, **kwargs: Any) -> None:
        """Put the inlined assets in the page header, then render as folium does."""
        add_offline_assets(self.get_root())
        super().render(**kwargs)


def add_offline_assets(figure: Figure) -> None:
    """Inline Leaflet and our map assets into a page's header (once per page)."""
    header = figure.header
    if "landpatrol_assets" in header._children:
        return
    html = "".join(
        (
            inline_style(leaflet_css()),
            inline_style(asset("landpatrol.css")),
            inline_script(leaflet_js()),
            inline_script(asset("landpatrol.js")),
        )
    )
    header.add_child(Element(html), name="landpatrol_assets", index=0)


def external_urls(html: str) -> list[str]:
    """URLs the page would load from outside itself (links in text content do not count)."""
    return sorted(set(_EXTERNAL.findall(html)))
