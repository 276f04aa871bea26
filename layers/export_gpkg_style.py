"""QGIS styles stored inside a GeoPackage, so QGIS opens the layers already coloured.

QGIS looks for a default style in the GeoPackage's `layer_styles` table (the
table its own "Save style → in database" creates through OGR); we create it
the same way and write one categorised QML per layer, plus the same classes
as SLD for tools that read SLD instead. Field aliases in the QML give QGIS
the headers in the export's language while the fields keep ASCII names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyogrio

from layers.export_spec import Category, ExportSpec, LayerSpec

STYLE_TABLE = "layer_styles"
GEOMETRY_COLUMN = "geom"  # GDAL's GeoPackage default
OUTLINE = "35,35,35,255"
QGIS_VERSION = "3.28.0-Firenze"


def write_layer_styles(path: Path, layers: Sequence[LayerSpec], spec: ExportSpec) -> None:
    """Add `layer_styles` with a default categorised style for each layer."""
    if spec.style is None or not layers:
        return
    now = datetime.now(UTC)
    rows = [
        {
            "f_table_catalog": "", "f_table_schema": "", "f_table_name": layer.name,
            "f_geometry_column": GEOMETRY_COLUMN, "styleName": f"{layer.name} {spec.style.column}",
            "styleQML": _qml(layer, spec), "styleSLD": _sld(layer, spec), "useAsDefault": True,
            "description": f"{spec.title}: {layer.title}, coloured by {spec.style.column}",
            "owner": "landpatrol", "ui": None, "update_time": now,
        }
        for layer in layers
    ]
    pyogrio.write_dataframe(pd.DataFrame(rows), str(path), layer=STYLE_TABLE, driver="GPKG",
                            append=True)


def _rgba(color: str) -> str:
    """`#D55E00` → `213,94,0,255`, the colour notation of QGIS symbols."""
    value = color.lstrip("#")
    return ",".join(str(int(value[i : i + 2], 16)) for i in (0, 2, 4)) + ",255"


def _fill_symbol(parent: ET.Element, name: str, color: str) -> None:
    """A solid fill with a thin dark outline, written as QGIS 3.26+ and earlier both read it."""
    symbol = ET.SubElement(parent, "symbol", type="fill", name=name, alpha="1",
                           clip_to_extent="1", force_rhr="0")
    layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0",
                                            "pass": "0"})
    props = {"color": _rgba(color), "outline_color": OUTLINE, "outline_style": "solid",
             "outline_width": "0.26", "outline_width_unit": "MM", "style": "solid",
             "joinstyle": "bevel"}
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", type="QString", name=key, value=value)
    for key, value in props.items():  # QGIS before 3.26 reads only these
        ET.SubElement(layer, "prop", k=key, v=value)


def _qml(layer: LayerSpec, spec: ExportSpec) -> str:
    assert spec.style is not None
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Fields")
    renderer = ET.SubElement(root, "renderer-v2", type="categorizedSymbol",
                             attr=spec.style.column, symbollevels="0", enableorderby="0",
                             forceraster="0")
    categories = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for index, category in enumerate(spec.style.categories):
        ET.SubElement(categories, "category", value=category.value, label=category.label,
                      symbol=str(index), render="true")
        _fill_symbol(symbols, str(index), category.color)
    source = ET.SubElement(renderer, "source-symbol")
    _fill_symbol(source, "0", "#BBBBBB")
    aliases = ET.SubElement(root, "aliases")
    for index, name in enumerate(layer.fields, start=1):  # 0 is GeoPackage's fid
        ET.SubElement(aliases, "alias", field=name, index=str(index), name=spec.field(name).label)
    ET.SubElement(root, "layerGeometryType").text = "2"
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode")


_SLD = "http://www.opengis.net/sld"
_OGC = "http://www.opengis.net/ogc"
_SE = "http://www.opengis.net/se"


def _sld(layer: LayerSpec, spec: ExportSpec) -> str:
    assert spec.style is not None
    ET.register_namespace("", _SLD)
    ET.register_namespace("ogc", _OGC)
    ET.register_namespace("se", _SE)
    root = ET.Element(f"{{{_SLD}}}StyledLayerDescriptor", version="1.1.0")
    named = ET.SubElement(root, f"{{{_SLD}}}NamedLayer")
    ET.SubElement(named, f"{{{_SE}}}Name").text = layer.name
    style = ET.SubElement(named, f"{{{_SLD}}}UserStyle")
    feature_style = ET.SubElement(style, f"{{{_SE}}}FeatureTypeStyle")
    for category in spec.style.categories:
        _sld_rule(feature_style, spec.style.column, category)
    return ET.tostring(root, encoding="unicode")


def _sld_rule(parent: ET.Element, column: str, category: Category) -> None:
    rule = ET.SubElement(parent, f"{{{_SE}}}Rule")
    ET.SubElement(rule, f"{{{_SE}}}Name").text = category.value
    description = ET.SubElement(rule, f"{{{_SE}}}Description")
    ET.SubElement(description, f"{{{_SE}}}Title").text = category.label
    filt = ET.SubElement(rule, f"{{{_OGC}}}Filter")
    equal = ET.SubElement(filt, f"{{{_OGC}}}PropertyIsEqualTo")
    ET.SubElement(equal, f"{{{_OGC}}}PropertyName").text = column
    ET.SubElement(equal, f"{{{_OGC}}}Literal").text = category.value
    symbolizer = ET.SubElement(rule, f"{{{_SE}}}PolygonSymbolizer")
    fill = ET.SubElement(symbolizer, f"{{{_SE}}}Fill")
    ET.SubElement(fill, f"{{{_SE}}}SvgParameter", name="fill").text = category.color
    stroke = ET.SubElement(symbolizer, f"{{{_SE}}}Stroke")
    ET.SubElement(stroke, f"{{{_SE}}}SvgParameter", name="stroke").text = "#232323"
    ET.SubElement(stroke, f"{{{_SE}}}SvgParameter", name="stroke-width").text = "0.5"
