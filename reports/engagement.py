"""Report section "Raid and leakage": the leakage curve, shots per layer, engagement windows on a map.

Reads only what the planner hands over (``summary.json["engagement"]`` and two GeoDataFrames);
never imports the planner.

Length: ``engagement_section`` lays out the raid section (figures, curve, tables, map) in page
order.
"""

from __future__ import annotations

import html
from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pyproj import Transformer

from reports.bundle import ReportSection
from reports.fmt import gap_pct
from reports.html_parts import data_uri, html_table, png_bytes

LAYER_COLOURS = {"boost": "#8e44ad", "midcourse": "#1f5fa8", "terminal": "#c0392b"}
POLAR = "+proj=aeqd +lat_0=90 +lon_0=-100 +datum=WGS84 +units=km"


def leakage_chart(eng: dict[str, Any]) -> str:
    """Expected leakers, engaged and expected defeated against raid size (PNG data URI)."""
    curve = eng["raid_curve"]
    n = [p["raid_size"] for p in curve]
    fig = Figure(figsize=(7.5, 3.4), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.plot(n, [p["expected_leakers"] for p in curve], "o-", color="#c0392b", label="expected leakers")
    ax.plot(n, [p["engaged"] for p in curve], "s--", color="#1f5fa8", label="engaged (≥ 1 shot)")
    ax.plot(n, [p["expected_defeated"] for p in curve], "^-", color="#2e8b57", label="expected defeated")
    ax.plot(n, n, ":", color="grey", lw=0.8, label="raid size")
    sat = eng.get("saturation_raid_size")
    if sat is not None:
        ax.axvline(sat, color="#e67e22", lw=1, ls="--", label=f"first magazine empty ({sat})")
    ax.axvline(eng["design_raid_size"], color="black", lw=0.8, alpha=0.5, label="design raid")
    ax.set_xlabel("missiles in the raid")
    ax.set_ylabel("missiles")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, loc="upper left")
    fig.tight_layout()
    return data_uri(png_bytes(fig))


def windows_map(tracks: gpd.GeoDataFrame, intercepts: gpd.GeoDataFrame, partners: gpd.GeoDataFrame) -> str:
    """Design-raid tracks (coloured by probability of leaking) and intercept points, polar view."""
    fig = Figure(figsize=(7.5, 6.0), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    to_map = Transformer.from_crs("EPSG:4326", POLAR, always_xy=True)
    partners.to_crs(POLAR).plot(ax=ax, color="#eeeeee", edgecolor="#999999", lw=0.5)
    for geom, p in zip(tracks.geometry, tracks["p_leak"], strict=True):
        xy = np.asarray(geom.coords)[:, :2]
        x, y = to_map.transform(xy[:, 0], xy[:, 1])
        ax.plot(x, y, color=(0.75, 0.2 + 0.6 * (1 - p), 0.2), lw=0.8, alpha=0.8)
    for layer, g in intercepts.groupby("layer"):
        x, y = to_map.transform(g["lon"].to_numpy(), g["lat"].to_numpy())
        ax.scatter(
            x,
            y,
            s=14 + 8 * g["shots"],
            color=LAYER_COLOURS.get(str(layer), "k"),
            label=f"{layer} intercept",
            zorder=3,
            edgecolor="white",
            lw=0.4,
        )
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.legend(fontsize=7.5, loc="lower left")
    ax.set_title("Design raid: tracks (red = likely to leak) and first intercept points", fontsize=9)
    fig.tight_layout()
    return data_uri(png_bytes(fig))


def engagement_section(
    eng: dict[str, Any], tracks: gpd.GeoDataFrame, intercepts: gpd.GeoDataFrame, partners: gpd.GeoDataFrame
) -> ReportSection:
    """The "Raid and leakage" section from ``summary.json["engagement"]`` and the two frames."""
    mc = eng["monte_carlo"]
    lo, hi = mc["ci99"]
    solve = eng["solve"]
    raid = ", ".join(f"{n} from {area}" for area, n in eng["design_raid"].items())
    sensors = ", ".join(str(s) for s in eng.get("sensors", ())) or "none"
    head = (
        "<p>The engagement model chooses its own plan within the budget (the sites, sensors and rounds "
        "that leak the least against the design raid); it is not the coverage plan above. "
        f"Its sites are listed below; its fire-control sensors: {html.escape(sensors)}.</p>"
        f"<p>Design raid {html.escape(raid)}: <b>{eng['design_raid_size']}</b> missiles. "
        f"Expected leakers <b>{eng['expected_leakers']:.2f}</b>; engaged {eng['engaged']} of "
        f"{eng['design_raid_size']} (at least one shot), expected defeated {eng['expected_defeated']:.2f}. "
        "Engaged is not defeated: an engaged missile still leaks with probability Π(1 − SSPK). "
        f"Plan cost {eng['cost_musd']:,.0f} of {eng['budget_musd']:,.0f} M USD; "
        f"solver {solve['termination']}, "
        f"gap {gap_pct(solve['gap'])}, linearisation {solve['linearisation']}, "
        f"model vs exact {solve['approximation_error']:.2e}.</p>"
        f"<p>Monte Carlo check ({mc['trials']} simulated raids, its own windows from the tracks): "
        f"{mc['expected_leakers']:.3f} leakers, 99 % interval [{lo:.3f}, {hi:.3f}] — "
        f"{'contains' if mc['contains_analytic'] else 'does NOT contain'} the analytic figure.</p>"
    )
    curve_rows = [
        [
            p["raid_size"],
            f"{p['expected_leakers']:.2f}",
            f"{p['expected_value_lost']:,.0f}",
            p["engaged"],
            f"{p['expected_defeated']:.2f}",
            p["shots_fired"],
            " / ".join(f"{v}" for v in p["shots_per_layer"].values()),
            p["rounds_left"],
            "yes" if p["saturated"] else "",
        ]
        for p in eng["raid_curve"]
    ]
    layers = " / ".join(eng["raid_curve"][0]["shots_per_layer"]) if eng["raid_curve"] else ""
    table = html_table(
        [
            "raid",
            "expected leakers",
            f"expected value lost ({html.escape(str(eng.get('value_unit', '')))})",
            "engaged",
            "expected defeated",
            "shots",
            f"shots ({layers})",
            "rounds left",
            "magazine empty",
        ],
        curve_rows,
    )
    sites = html_table(
        ["site", "type", "layer", "rounds"],
        [[s["site_id"], s["type"], s["layer"], s["rounds"]] for s in eng["sites"]],
    )
    body = (
        head
        + f'<img alt="leakage curve" src="{leakage_chart(eng)}">'
        + "<h3>Leakage curve (plan held, shots re-optimised)</h3>"
        + table
        + f"<p>Saturation (first magazine empty while a threat could take another shot): "
        f"{eng['saturation_raid_size'] or 'not reached'}.</p>"
        + "<h3>Interceptor sites and rounds</h3>"
        + sites
        + f'<img alt="engagement map" src="{windows_map(tracks, intercepts, partners)}">'
    )
    return ReportSection(title="Raid and leakage (notional)", html=body, key="engagement", wide=True)
