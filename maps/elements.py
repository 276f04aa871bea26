"""folium elements for our maps: thin calls into `assets/landpatrol.js`.

Each element renders one line of script; the work (styles, popups, search) lives
in the one inlined script, written once, instead of per-feature JavaScript.
"""

from __future__ import annotations

from typing import Any, Literal

from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

from maps.geojson import to_json


class MapSetup(MacroElement):
    """Hands labels and palettes to the script, fits the view, makes the panes; add it first."""

    _template = Template(
        """{% macro script(this, kwargs) %}
landpatrol.setup({{ this._parent.get_name() }}, {{ this.config }}, {{ this.bounds }});
{% endmacro %}"""
    )

    def __init__(self, config: dict[str, Any], bounds: list[list[float]] | None = None) -> None:
        super().__init__()
        self._name = "MapSetup"
        self.config = to_json(config)
        self.bounds = to_json(bounds)


class ParcelLayer(Layer):
    """All parcels of one kind: one GeoJSON layer, styled by each feature's status."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = landpatrol.parcels({{ this.data }}, {{ this.kind }}, {{ this.label }});
{% endmacro %}"""
    )

    def __init__(self, data: str, *, kind: str, label: str, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "ParcelLayer"
        self.data = data
        self.kind = to_json(kind)
        self.label = to_json(label)


class BoundaryLayer(Layer):
    """A street's outline: drawn above the parcels, letting clicks through to them."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = landpatrol.boundary({{ this.data }});
{% endmacro %}"""
    )

    def __init__(self, data: str, *, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "BoundaryLayer"
        self.data = data


class StreetsLayer(Layer):
    """The district index's streets, coloured by violation share, linking to their maps."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = landpatrol.districtStreets({{ this.data }});
{% endmacro %}"""
    )

    def __init__(self, data: str, *, name: str) -> None:
        super().__init__(name=name, overlay=True, control=False, show=True)
        self._name = "StreetsLayer"
        self.data = data


class Panel(MacroElement):
    """A box of ready HTML on the map (title, legend, figures); the HTML must be escaped."""

    _template = Template(
        """{% macro script(this, kwargs) %}
landpatrol.panel({{ this._parent.get_name() }}, {{ this.html }}, {{ this.position }}, {{ this.css_class }});
{% endmacro %}"""
    )

    def __init__(self, html: str, *, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "Panel"
        self.html = to_json(html)
        self.position = to_json(position)
        self.css_class = to_json(css_class)


class MapCall(MacroElement):
    """`landpatrol.<function>(map)`: `search` (find a parcel by code, zoom to it, open its
    popup) or `finish` (fit the controls to the screen, start parcel labels; add it last)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
landpatrol.{{ this.function }}({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, function: Literal["search", "finish"]) -> None:
        super().__init__()
        self._name = "MapCall"
        self.function = function


class PageHtml(MacroElement):
    """Ready (escaped) HTML in the page body, placed in the order it is added to the figure."""

    _template = Template(
        """{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}"""
    )

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "PageHtml"
        self.content = content
