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
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from pyproj import Transformer

from reports.bundle import ReportSection
from reports.fmt import gap_pct
from reports.html_parts import data_uri, html_table, png_bytes

LAYER_COLOURS = {"boost": "#8e44ad", "midcourse": "#1f5fa8", "terminal": "#c0392b"}
LEAK_COLOURS = LinearSegmentedColormap.from_list("p_leak", [(0.75, 0.8, 0.2), (0.75, 0.2, 0.2)])
"""Track colour against the probability of leaking: yellow-green (0) to red (1)."""
MAP_KEY = (
    "Map key: each design-raid track is coloured by the probability that its missile leaks "
    "(yellow-green 0, red 1; colour bar at the right) and starts at its launch area's label; dots are "
    "first intercept points, coloured by layer, larger with more shots; grey is the partners' "
    "territory. Azimuthal equidistant projection centred on the raid, at {centre} (distances from the "
    "centre are true)."
)


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
    sat, design = eng.get("saturation_raid_size"), eng["design_raid_size"]
    if sat is not None:
        both = " = design raid" if sat == design else ""  # one line, not two drawn on each other
        ax.axvline(sat, color="#e67e22", lw=1, ls="--", label=f"first magazine empty ({sat}){both}")
    if sat != design:
        ax.axvline(design, color="black", lw=0.8, alpha=0.5, label="design raid")
    ax.set_xlabel("missiles in the raid")
    ax.set_ylabel("missiles")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, loc="upper left")
    fig.tight_layout()
    return data_uri(png_bytes(fig))


def raid_centre(tracks: gpd.GeoDataFrame, intercepts: gpd.GeoDataFrame) -> tuple[float, float]:
    """Latitude and longitude of the mean direction of every track vertex and intercept point.

    The North Pole over 100° W when there are none (or they cancel out).
    """
    lon = [np.asarray(g.coords)[:, 0] for g in tracks.geometry] + [intercepts["lon"].to_numpy(float)]
    lat = [np.asarray(g.coords)[:, 1] for g in tracks.geometry] + [intercepts["lat"].to_numpy(float)]
    lo, la = np.radians(np.concatenate(lon)), np.radians(np.concatenate(lat))
    v = np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]).sum(axis=1)
    norm = float(np.linalg.norm(v))
    if lo.size == 0 or norm < 1e-9:
        return 90.0, -100.0
    return float(np.degrees(np.arcsin(v[2] / norm))), float(np.degrees(np.arctan2(v[1], v[0])))


def shot_size(shots: np.ndarray) -> np.ndarray:
    """Marker area (points²) of an intercept dot firing ``shots`` shots: its diameter is 4 pt a shot."""
    return 16.0 * np.asarray(shots, dtype=float) ** 2


def shot_size_handles(shots: np.ndarray) -> list[Line2D]:
    """One grey legend dot per shot count drawn, at the size the map draws it."""
    return [
        Line2D([], [], ls="", marker="o", markersize=float(np.sqrt(shot_size(np.array([n]))[0])),
               color="#888888", markeredgecolor="white", label=f"{n} shot{'s' if n != 1 else ''}")
        for n in np.unique(shots).tolist()
    ]  # fmt: skip


def _place(lat: float, lon: float) -> str:
    return f"{abs(lat):.0f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.0f}° {'E' if lon >= 0 else 'W'}"


def windows_map(tracks: gpd.GeoDataFrame, intercepts: gpd.GeoDataFrame, partners: gpd.GeoDataFrame) -> str:
    """Design-raid tracks coloured by probability of leaking (with a colour key) and intercept points.

    Azimuthal equidistant projection centred on the raid (:func:`raid_centre`), framed to the tracks
    and intercept points.
    """
    lat0, lon0 = raid_centre(tracks, intercepts)
    crs = f"+proj=aeqd +lat_0={lat0:.3f} +lon_0={lon0:.3f} +datum=WGS84 +units=km"
    fig = Figure(figsize=(7.5, 6.0), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lines = [np.column_stack(to_map.transform(*np.asarray(g.coords)[:, :2].T)) for g in tracks.geometry]
    tracks_lc = LineCollection(lines, cmap=LEAK_COLOURS, norm=Normalize(0.0, 1.0), lw=0.9, alpha=0.85)
    tracks_lc.set_array(tracks["p_leak"].to_numpy(float))
    ax.add_collection(tracks_lc)
    points = [np.empty((0, 2))] + lines
    for layer, g in intercepts.groupby("layer"):
        x, y = to_map.transform(g["lon"].to_numpy(), g["lat"].to_numpy())
        points.append(np.column_stack([x, y]))
        colour = LAYER_COLOURS.get(str(layer), "k")
        ax.scatter(x, y, s=shot_size(g["shots"].to_numpy()), color=colour, zorder=3,
                   edgecolor="white", lw=0.4)  # fmt: skip
    for area, g in tracks.groupby("launch_area"):
        x0, y0 = to_map.transform(*np.asarray(g.geometry.iloc[0].coords)[0, :2])
        ax.annotate(
            str(area).replace("_", " "), (x0, y0), fontsize=7, xytext=(4, 4), textcoords="offset points"
        )
    xy = np.vstack(points)
    if len(xy):
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        pad = 0.08 * max(x1 - x0, y1 - y0, 500.0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
    partners.to_crs(crs).plot(ax=ax, color="#eeeeee", edgecolor="#999999", lw=0.5, zorder=0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    handles: list[Any] = [
        Line2D([], [], ls="", marker="o", markersize=5, color=LAYER_COLOURS.get(str(layer), "k"),
               markeredgecolor="white", label=f"{layer} intercept")
        for layer in sorted(intercepts["layer"].unique(), key=str)
    ]  # fmt: skip
    handles += shot_size_handles(intercepts["shots"].to_numpy(int))
    handles.append(Patch(facecolor="#eeeeee", edgecolor="#999999", label="partners' territory"))
    ax.legend(handles=handles, fontsize=7.5, loc="lower left")
    bar = fig.colorbar(tracks_lc, ax=ax, shrink=0.6, pad=0.02)
    bar.set_label("track colour: probability the missile leaks", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.set_title(
        f"Design raid: tracks and first intercept points (centred on {_place(lat0, lon0)})", fontsize=9
    )
    return data_uri(png_bytes(fig, bbox_inches="tight", pad_inches=0.1))


def _model_vs_exact(solve: dict[str, Any]) -> str:
    """The linearisation's error at the plan in words: round-off reads as exact."""
    err, lost = solve.get("approximation_error"), solve.get("expected_value_lost")
    if err is None:
        return "model vs exact value lost: —"
    if abs(err) <= 1e-9 * max(1.0, abs(lost or 0.0)):
        return "the model's value lost is the exact one"
    side = "below" if err > 0 else "above"
    return f"the model's value lost is {abs(err):,.3g} {side} the exact one"


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
        f"{_model_vs_exact(solve)}.</p>"
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
    key = MAP_KEY.format(centre=_place(*raid_centre(tracks, intercepts)))
    body = (
        head
        + f'<img alt="leakage curve" src="{leakage_chart(eng)}">'
        + "<h3>Leakage curve (plan held, shots re-optimised)</h3>"
        + table
        + f"<p>Saturation (first magazine empty while a threat could take another shot): "
        f"{eng['saturation_raid_size'] or 'not reached'}.</p>"
        + "<h3>Interceptor sites and rounds</h3>"
        + sites
        + f'<figure><img alt="engagement map" src="{windows_map(tracks, intercepts, partners)}">'
        + f"<figcaption>{key}</figcaption></figure>"
    )
    return ReportSection(title="Raid and leakage (notional)", html=body, key="engagement", wide=True)
