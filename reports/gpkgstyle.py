"""QGIS layer styles embedded in plan.gpkg, so that QGIS opens the plan coloured.

QGIS looks for a ``layer_styles`` table in a GeoPackage (columns ``f_table_name``,
``f_geometry_column``, ``styleName``, ``styleQML``, ``useAsDefault``, ...) and applies the row marked
``useAsDefault`` of each layer when the layer is loaded. The styles here are QML documents with
categorised renderers on text attributes (``status`` of points, ``state`` of sites, ``kind`` of reach
circles): the same colours as the report's maps.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd
import pyogrio

from reports.maps import ASSET_COLORS, CANDIDATE, DEFENDED, PARTNER_EDGE, PARTNER_FILL, UNDEFENDED

_HEAD = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.28.0\" " \
    "styleCategories=\"Symbology|Labeling\">\n"


def _rgba(hex_color: str, alpha: int = 255) -> str:
    h = hex_color.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _options(props: dict[str, str]) -> str:
    return "<Option type=\"Map\">" + "".join(
        f"<Option name={quoteattr(k)} type=\"QString\" value={quoteattr(v)}/>" for k, v in props.items()
    ) + "</Option>"


def _symbol(name: str, kind: str, cls: str, props: dict[str, str]) -> str:
    return (f"<symbol type=\"{kind}\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">"
            f"<layer class=\"{cls}\" enabled=\"1\" locked=\"0\" pass=\"0\">{_options(props)}</layer>"
            "</symbol>")


def _categorized(attr: str, cats: list[tuple[str, str, str, str, dict[str, str]]]) -> str:
    """``cats``: (value, label, symbol type, symbol layer class, properties)."""
    categories = "".join(f"<category render=\"true\" symbol=\"{k}\" value={quoteattr(v)} "
                         f"label={quoteattr(lab)}/>" for k, (v, lab, _, _, _) in enumerate(cats))
    symbols = "".join(_symbol(str(k), t, c, p) for k, (_, _, t, c, p) in enumerate(cats))
    return (f"{_HEAD}<renderer-v2 type=\"categorizedSymbol\" attr={quoteattr(attr)} forceraster=\"0\" "
            f"symbollevels=\"0\" enableorderby=\"0\"><categories>{categories}</categories>"
            f"<symbols>{symbols}</symbols></renderer-v2></qgis>\n")


def _single(kind: str, cls: str, props: dict[str, str]) -> str:
    return (f"{_HEAD}<renderer-v2 type=\"singleSymbol\" forceraster=\"0\" symbollevels=\"0\" "
            f"enableorderby=\"0\"><symbols>{_symbol('0', kind, cls, props)}</symbols></renderer-v2></qgis>\n")


def _marker(color: str, size: str, shape: str = "circle", outline: str = "#ffffff") -> dict[str, str]:
    return {"color": _rgba(color), "name": shape, "size": size, "outline_color": _rgba(outline),
            "outline_width": "0.2"}


def styles() -> dict[str, str]:
    """QML style of each layer of plan.gpkg, by layer name."""
    fill = {"color": _rgba(PARTNER_FILL), "outline_color": _rgba(PARTNER_EDGE), "outline_width": "0.3",
            "style": "solid", "outline_style": "solid"}
    return {
        "partners": _single("fill", "SimpleFill", fill),
        "points": _categorized("status", [
            ("defended", "defended", "marker", "SimpleMarker", _marker(DEFENDED, "2.6")),
            ("covered, not defended", "covered, not defended", "marker", "SimpleMarker",
             _marker("#e0b64a", "2.2")),
            ("sensor only", "sensor only", "marker", "SimpleMarker", _marker("#e0b64a", "2.2")),
            ("interceptor only", "interceptor only", "marker", "SimpleMarker", _marker("#e0b64a", "2.2")),
            ("uncovered", "undefended", "marker", "SimpleMarker", _marker(UNDEFENDED, "2.2", "cross2",
                                                                         UNDEFENDED)),
        ]),
        "sites": _categorized("state", [
            ("chosen", "chosen site", "marker", "SimpleMarker", _marker(ASSET_COLORS[1], "3.6", "square",
                                                                       "#000000")),
            ("candidate", "candidate (not chosen)", "marker", "SimpleMarker", _marker(CANDIDATE, "1.0")),
        ]),
        "reach": _categorized("kind", [
            ("engagement", "engagement range", "fill", "SimpleFill",
             {"color": _rgba(ASSET_COLORS[1], 50), "outline_color": _rgba(ASSET_COLORS[1]),
              "outline_width": "0.3", "style": "solid", "outline_style": "solid"}),
            ("sensor", "sensor range", "fill", "SimpleFill",
             {"color": _rgba(ASSET_COLORS[0], 0), "outline_color": _rgba(ASSET_COLORS[0]),
              "outline_width": "0.3", "style": "no", "outline_style": "dash"}),
        ]),
    }


def write_layer_styles(path: Path, layers: dict[str, str]) -> None:
    """Add the ``layer_styles`` table to the GeoPackage at ``path`` (``layers``: layer -> QML)."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = pd.DataFrame({
        "f_table_catalog": "", "f_table_schema": "", "f_table_name": list(layers),
        "f_geometry_column": "geom", "styleName": [f"domeplan {n}" for n in layers],
        "styleQML": list(layers.values()), "styleSLD": "", "useAsDefault": True,
        "description": "domeplan default style", "owner": "domeplan", "ui": "", "update_time": now,
    })  # fmt: skip
    pyogrio.write_dataframe(rows, path, layer="layer_styles", driver="GPKG",
                            layer_options={"FID": "id"})
