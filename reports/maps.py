"""Static maps and charts of a plan (matplotlib, Agg, no tiles, no network).

The map is drawn in a Lambert azimuthal equal-area projection centred on the plan's points and sites:
areas compare fairly, distortion stays small over a continent, and territories that straddle the
antimeridian (Alaska's Aleutians, Chukotka) project continuously, so no longitude seam needs handling.

Length: ``_draw_panel`` draws one map panel layer by layer in drawing order (land, partners, rings,
sites, points, labels, scale bar).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke
from pyproj import CRS, Transformer

from reports.bundle import PlanBundle
from reports.fmt import as_float, gap_pct, musd, num, pct
from reports.geodesic import range_rings
from reports.html_parts import png_bytes
from reports.summary import PlanSummary
from reports.theatres import MAX_THEATRES, Theatre, theatres

OCEAN = "#eef3f7"
LAND = "#e2e2dd"
PARTNER_FILL = "#fbf1d6"
PARTNER_EDGE = "#9c8f76"
GRATICULE = "#8fa3b3"
DEFENDED = "#2e8b57"
UNDEFENDED = "#d62728"
CANDIDATE = "#6b6b6b"
# Asset colours avoid the green and red that mean defended / undefended.
ASSET_COLORS = ("#1f5fa8", "#f28e2b", "#7b4ea3", "#8c564b", "#e377c2", "#17a2b8", "#b8a320", "#555555")
ASSET_MARKERS = ("^", "s", "D", "p", "h", "v", "P", "*")
# Parts of a partner smaller than this share of its largest part (Hawaii, the Aleutians, small
# islands) do not stretch the map extent; they are still drawn when inside it.
MAIN_PART_SHARE = 0.02


def asset_styles(asset_types: pd.Series) -> dict[str, tuple[str, str]]:
    """Return a stable ``asset_type -> (colour, marker)`` mapping (sorted by name)."""
    names = sorted({str(t) for t in asset_types.dropna()})
    return {
        t: (ASSET_COLORS[i % len(ASSET_COLORS)], ASSET_MARKERS[i % len(ASSET_MARKERS)])
        for i, t in enumerate(names)
    }


def all_styles(bundle: PlanBundle) -> dict[str, tuple[str, str]]:
    """Return the colour and marker of every asset type of the bundle (sites and constellations)."""
    types = [bundle.sites["asset_type"]] if len(bundle.sites) else []
    if len(bundle.constellations):
        types.append(bundle.constellations["asset_type"])
    return asset_styles(pd.concat(types, ignore_index=True)) if types else {}


def _lonlat(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    if len(frame) == 0:
        return np.empty(0), np.empty(0)
    return frame.geometry.x.to_numpy(float), frame.geometry.y.to_numpy(float)


def map_crs(bundle: PlanBundle) -> CRS:
    """Return the equal-area azimuthal CRS (km) centred on the plan's points and sites.

    The centre longitude is the circular mean of the focus longitudes shifted to the middle of their
    span, so a focus set on both sides of the antimeridian is centred correctly.
    """
    lon = np.concatenate([_lonlat(bundle.points)[0], _lonlat(bundle.sites)[0]])
    lat = np.concatenate([_lonlat(bundle.points)[1], _lonlat(bundle.sites)[1]])
    if lon.size == 0 and len(bundle.partners):
        reps = bundle.partners.geometry.representative_point()
        lon, lat = reps.x.to_numpy(float), reps.y.to_numpy(float)
    if lon.size == 0:
        lon0, lat0 = 0.0, 0.0
    else:
        rad = np.radians(lon)
        mean = math.degrees(math.atan2(np.sin(rad).mean(), np.cos(rad).mean()))
        rel = (lon - mean + 180.0) % 360.0 - 180.0
        lon0 = (mean + (rel.min() + rel.max()) / 2 + 180.0) % 360.0 - 180.0
        lat0 = float(np.clip((lat.min() + lat.max()) / 2, -89.0, 89.0))
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +x_0=0 +y_0=0 +R=6371008.8 +units=km +no_defs"
    )


def _finite(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    b = frame.geometry.bounds.to_numpy(float)
    return frame[np.isfinite(b).all(axis=1) & ~frame.geometry.is_empty.to_numpy()]


def map_extent(bundle: PlanBundle, crs: CRS, margin: float = 0.06) -> tuple[float, ...]:
    """Return ``(xmin, ymin, xmax, ymax)`` in ``crs``: points, sites, partners' main parts, a margin."""
    boxes: list[np.ndarray] = []
    for frame in (bundle.points, bundle.sites):
        if len(frame):
            boxes.append(_finite(frame.to_crs(crs)).total_bounds)
    if len(bundle.partners):
        parts = _finite(bundle.partners[["iso_a3", "geometry"]].explode(index_parts=False).to_crs(crs))
        area = parts.geometry.area
        main = parts[area >= MAIN_PART_SHARE * area.groupby(parts["iso_a3"]).transform("max")]
        if len(main):
            boxes.append(main.total_bounds)
    boxes = [b for b in boxes if np.isfinite(b).all()]
    if not boxes:
        return (-2000.0, -2000.0, 2000.0, 2000.0)
    b = np.vstack(boxes)
    xmin, ymin = b[:, 0].min(), b[:, 1].min()
    xmax, ymax = b[:, 2].max(), b[:, 3].max()
    span = max(xmax - xmin, ymax - ymin, 200.0)
    return _framed(xmin, ymin, xmax, ymax, margin * span)


def _graticule_step(extent: tuple[float, ...]) -> float:
    span_km = max(extent[2] - extent[0], extent[3] - extent[1])
    for step, limit in ((1, 400), (2, 1000), (5, 3500), (10, 12000), (20, 20000)):
        if span_km <= limit:
            return float(step)
    return 30.0


def _edge_crossings(u: np.ndarray, v: np.ndarray, level: float) -> np.ndarray:
    """Return the ``v`` values where the polyline ``(u, v)`` crosses ``u == level``."""
    d = u - level
    ok = np.isfinite(d[:-1]) & np.isfinite(d[1:])
    idx = np.flatnonzero(ok & (np.sign(d[:-1]) != np.sign(d[1:])))
    t = d[idx] / (d[idx] - d[idx + 1])
    return v[idx] + t * (v[idx + 1] - v[idx])


def _deg_label(value: float, pos: str, neg: str) -> str:
    value = (value + 180.0) % 360.0 - 180.0 if pos == "E" else value
    if value == 0 or abs(value) == 180:
        return f"{abs(value):g}°"
    return f"{abs(value):g}°{pos if value > 0 else neg}"


def _draw_graticule(ax: Any, to_map: Transformer, extent: tuple[float, ...]) -> None:
    step = _graticule_step(extent)
    xmin, ymin, xmax, ymax = extent
    dense = np.arange(-90.0, 90.0 + 1e-9, 0.5)
    xticks: list[tuple[float, str]] = []
    for lon in np.arange(-180.0, 180.0, step):
        x, y = to_map.transform(np.full_like(dense, lon), np.clip(dense, -89.9, 89.9))
        ax.plot(x, y, color=GRATICULE, lw=0.35, alpha=0.7, zorder=1.5)
        for cx in _edge_crossings(y, x, ymin):
            if xmin <= cx <= xmax:
                xticks.append((cx, _deg_label(lon, "E", "W")))
    dense_lon = np.arange(-180.0, 180.0 + 1e-9, 0.5)
    # Each parallel is labelled on the line itself, at its leftmost point inside the frame: on a
    # conic map a tick on the frame's edge sits far from the latitude the eye expects there.
    pad = 0.006 * (xmax - xmin)
    for lat in np.arange(-90.0, 90.0, step)[1:]:
        x, y = to_map.transform(dense_lon, np.full_like(dense_lon, lat))
        ax.plot(x, y, color=GRATICULE, lw=0.35, alpha=0.7, zorder=1.5)
        inside = np.flatnonzero(
            (x >= xmin + pad) & (x <= xmax - 8 * pad) & (y >= ymin) & (y <= ymax - 3 * pad)
        )
        if inside.size:
            k = inside[np.argmin(x[inside])]
            ax.text(
                x[k] + pad,
                y[k],
                _deg_label(lat, "N", "S"),
                fontsize=6.5,
                color="#55606a",
                ha="left",
                va="bottom",
                zorder=1.6,
                path_effects=[withStroke(linewidth=2, foreground="white")],
            )
    ax.set_xticks([t[0] for t in xticks], [t[1] for t in xticks])
    ax.set_yticks([])
    ax.tick_params(labelsize=7, colors="#55606a", length=2)


def _draw_polygons(
    ax: Any, frame: gpd.GeoDataFrame | None, crs: CRS, extent: tuple[float, ...], **style: Any
) -> gpd.GeoDataFrame | None:
    if frame is None or len(frame) == 0:
        return None
    # Keep what lies within 100° of longitude of the centre: a polygon around the antipode (Africa
    # seen from Hawaii) would project inside out over the whole map.
    lon0 = float(Transformer.from_crs(crs, 4326, always_xy=True).transform(0.0, 0.0)[0])
    w, e = lon0 - 100.0, lon0 + 100.0
    window = shapely.union_all(
        [shapely.box(a, -90.0, b, 90.0) for a, b in ((w, e), (w + 360.0, e + 360.0), (w - 360.0, e - 360.0))]
    )
    kept = shapely.intersection(frame.geometry.to_numpy(), window)
    frame = frame.set_geometry(gpd.GeoSeries(kept, index=frame.index, crs=frame.crs))
    frame = frame[~frame.geometry.is_empty]
    if len(frame) == 0:
        return None
    # Densify first: a long straight edge in lon/lat (a parallel) is a curve on the map.
    dense = frame.set_geometry(shapely.segmentize(frame.geometry.to_numpy(), 0.5), crs=frame.crs)
    projected = _finite(dense.to_crs(crs))
    xmin, ymin, xmax, ymax = extent
    pad = 0.05 * max(xmax - xmin, ymax - ymin)
    clipped = shapely.clip_by_rect(
        projected.geometry.to_numpy(), xmin - pad, ymin - pad, xmax + pad, ymax + pad
    )
    projected = projected.set_geometry(gpd.GeoSeries(clipped, index=projected.index, crs=crs))
    projected = projected[~projected.geometry.is_empty]
    if len(projected):
        projected.plot(ax=ax, **style)
    return projected


def _chosen_rings(
    sites: gpd.GeoDataFrame, column: str, to_map: Transformer
) -> tuple[list[np.ndarray], list[str]]:
    radius = pd.to_numeric(sites[column], errors="coerce").to_numpy(float)
    keep = np.isfinite(radius) & (radius > 0)
    if not keep.any():
        return [], []
    sub = sites[keep]
    lon, lat = _lonlat(sub)
    ring_lon, ring_lat = range_rings(lon, lat, radius[keep])
    x, y = to_map.transform(ring_lon, ring_lat)
    rings = [np.column_stack([xi, yi]) for xi, yi in zip(x, y, strict=True)]
    return rings, list(sub["asset_type"].astype(str))


def _subtitle(summary: PlanSummary | None) -> str:
    if summary is None:
        return ""
    parts = []
    if as_float(summary.defended_share) is not None:
        parts.append(f"defended {pct(summary.defended_share)} of {summary.weight_unit or 'weight'}")
    if as_float(summary.cost_musd) is not None:
        budget = summary.budget_musd
        of = f" of {musd(budget)}" if as_float(budget) is not None else ""
        parts.append(f"cost {musd(summary.cost_musd)}{of} M USD")
    if summary.status:
        gap = f", gap {gap_pct(summary.gap)}" if as_float(summary.gap) is not None else ""
        parts.append(f"{summary.status}{gap}")
    return " · ".join(parts)


def _space_handles(bundle: PlanBundle, styles: dict[str, tuple[str, str]]) -> list[Line2D]:
    """Legend entries for chosen constellations, which cover everything and are not drawn."""
    return [
        Line2D(
            [],
            [],
            ls="",
            marker="*",
            ms=9,
            mfc="none",
            color=styles.get(str(row.asset_type), ("#555555", ""))[0],
            label=f"{row.asset_type} {row.pattern}\n{num(row.n_satellites)} sat at "
            f"{num(row.altitude_km)} km (space)",
        )
        for row in bundle.chosen_constellations.itertuples(index=False)
    ]


def _laea(lon0: float, lat0: float) -> CRS:
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +x_0=0 +y_0=0 +R=6371008.8 +units=km +no_defs"
    )


def _framed(xmin: float, ymin: float, xmax: float, ymax: float, pad: float) -> tuple[float, ...]:
    """Pad a box and keep it between 1:2 and 2:1 so a line of points still gets a readable map."""
    xmin, xmax, ymin, ymax = xmin - pad, xmax + pad, ymin - pad, ymax + pad
    w, h = xmax - xmin, ymax - ymin
    if w < h / 2:
        xmin, xmax = xmin - (h / 2 - w) / 2, xmax + (h / 2 - w) / 2
    elif h < w / 2:
        ymin, ymax = ymin - (w / 2 - h) / 2, ymax + (w / 2 - h) / 2
    return (float(xmin), float(ymin), float(xmax), float(ymax))


def theatre_view(theatre: Theatre) -> tuple[CRS, tuple[float, ...]]:
    """The CRS centred on a theatre and its extent (anchors, padded)."""
    w, s, e, n = theatre.bounds
    crs = _laea(((w + e) / 2 + 180.0) % 360.0 - 180.0, float(np.clip((s + n) / 2, -89.0, 89.0)))
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(theatre.lon, theatre.lat)
    span = max(np.ptp(x), np.ptp(y), 200.0)
    return crs, _framed(x.min(), y.min(), x.max(), y.max(), max(0.1 * span, 350.0))


def _scale_bar(ax: Any, extent: tuple[float, ...]) -> None:
    """A scale bar in the lower left (true at the centre of the equal-area projection)."""
    xmin, ymin, xmax, ymax = extent
    target = (xmax - xmin) / 5
    length = max(v for v in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000) if v <= max(target, 50))
    x0, y0 = xmin + 0.04 * (xmax - xmin), ymin + 0.05 * (ymax - ymin)
    ax.plot([x0, x0 + length], [y0, y0], color="#333333", lw=2.2, solid_capstyle="butt", zorder=5)
    ax.text(
        x0 + length / 2,
        y0 + 0.012 * (ymax - ymin),
        f"{length:,} km",
        ha="center",
        va="bottom",
        fontsize=7,
        color="#333333",
        zorder=5,
        path_effects=[withStroke(linewidth=2, foreground="white")],
    )


def _thin_ticks(ax: Any, extent: tuple[float, ...]) -> None:
    """Drop longitude labels that would overlap (closer than 7 % of the frame's width)."""
    ticks = list(zip(ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()], strict=True))
    keep: list[tuple[float, str]] = []
    for x, label in sorted(ticks):
        if not keep or x - keep[-1][0] >= 0.07 * (extent[2] - extent[0]):
            keep.append((x, label))
    ax.set_xticks([k[0] for k in keep], [k[1] for k in keep])


def _label_places(
    ax: Any, pts: gpd.GeoDataFrame, to_map: Transformer, extent: tuple[float, ...], n: int = 8
) -> None:
    """Name the ``n`` heaviest points inside the frame."""
    if len(pts) == 0 or "name" not in pts:
        return
    x, y = to_map.transform(*_lonlat(pts))
    xmin, ymin, xmax, ymax = extent
    inside = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    w = pd.to_numeric(pts["weight"], errors="coerce").fillna(0).to_numpy(float)
    order = [k for k in np.argsort(-w, kind="stable") if inside[k]][:n]
    for k in order:
        ax.annotate(
            str(pts["name"].iat[k]),
            (x[k], y[k]),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=6.5,
            color="#222222",
            zorder=4.5,
            path_effects=[withStroke(linewidth=2, foreground="white")],
        )


def render_map(
    bundle: PlanBundle,
    *,
    width_in: float = 11.0,
    dpi: int = 150,
    point_labels: tuple[str, str] = ("defended point", "undefended point"),
    legend_title: str = "Plan",
    candidate_label: str = "candidate (not chosen)",
) -> bytes:
    """Draw the plan on a static map and return it as PNG bytes.

    Partner territories are filled light over grey context land (``bundle.basemap``); chosen land and
    sea sites are marked by asset type with their sensor ranges (dashed) and engagement ranges
    (shaded) as geodesic circles; unchosen candidates are small dots; defended points are green
    discs sized by weight and undefended ones red crosses, the heaviest named; a graticule labels
    longitudes and latitudes and a scale bar gives distances. A plan spread over several theatres
    (:func:`reports.theatres.theatres`) gets one inset per theatre, each in its own projection.
    """
    groups = theatres(bundle)
    if len(groups) <= 1:
        crs = map_crs(bundle)
        views = [(crs, map_extent(bundle, crs), "")]
    else:
        views = [(*theatre_view(g), g.name) for g in groups[:MAX_THEATRES]]
    n = len(views)
    aspects = [(e[3] - e[1]) / (e[2] - e[0]) for _, e, _ in views]
    # The heaviest theatre on top, full width; the others side by side below it.
    top_h = aspects[0] * width_in * 0.78
    low_h = max(aspects[1:], default=0.0) * width_in * 0.78 / max(n - 1, 1)
    fig = Figure(figsize=(width_in, max(4.0, top_h + low_h) + 1.0), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    if n == 1:
        axes = [fig.add_subplot()]
    elif n == 2:  # side by side, each as wide as its shape asks at a common height
        fig.set_size_inches(width_in, max(4.0, width_in * 0.78 / sum(1 / a for a in aspects)) + 1.0)
        grid = fig.add_gridspec(1, 2, width_ratios=[1 / a for a in aspects])
        axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])]
    else:
        grid = fig.add_gridspec(2, n - 1, height_ratios=[top_h, max(low_h, 0.3 * top_h)])
        axes = [fig.add_subplot(grid[0, :])] + [fig.add_subplot(grid[1, k]) for k in range(n - 1)]
    handles: list[Any] = []
    for k, (crs, extent, name) in enumerate(views):
        handles = _draw_panel(axes[k], bundle, crs, extent, point_labels, candidate_label)
        if name:
            axes[k].set_title(f"Theatre {k + 1}: {name}", fontsize=9, loc="left", color="#333333")
    style = {"fontsize": 8, "frameon": False, "title": legend_title, "title_fontsize": 9, "alignment": "left"}
    if n == 1:  # beside the map, as a single map always had it
        axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), **style)
    else:
        fig.legend(handles=handles, loc="outside right upper", **style)
    fig.suptitle(bundle.title, fontsize=13, fontweight="bold", x=0.01, ha="left")
    left_out = [g.name for g in groups[MAX_THEATRES:]]
    sub = _subtitle(bundle.summary) + (f" · not drawn: {', '.join(left_out)}" if left_out else "")
    credit = f"{bundle.attribution}\n{bundle.notional_note}"
    if n == 1:
        axes[0].set_title(sub, fontsize=9, loc="left", color="#444444")
        # Below the tick labels, in the axes' frame, so that a tight bounding box keeps it whole.
        axes[0].annotate(
            credit,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -20),
            textcoords="offset points",
            fontsize=6.5,
            color="#666666",
            ha="left",
            va="top",
        )
    else:
        fig.supxlabel(f"{sub}\n{credit}", x=0.01, ha="left", fontsize=7, color="#555555", linespacing=1.4)
    return png_bytes(fig, dpi=dpi, facecolor="white", bbox_inches="tight", pad_inches=0.15)


def _draw_panel(
    ax: Any,
    bundle: PlanBundle,
    crs: CRS,
    extent: tuple[float, ...],
    point_labels: tuple[str, str],
    candidate_label: str,
) -> list[Any]:
    """Draw one map panel; return the legend handles (counts are over the whole plan)."""
    to_map = Transformer.from_crs(4326, crs, always_xy=True)
    xmin, ymin, xmax, ymax = extent
    ax.set_facecolor(OCEAN)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_autoscale_on(False)
    _draw_polygons(ax, bundle.basemap, crs, extent, color=LAND, linewidth=0, zorder=1)
    partners = _draw_polygons(
        ax,
        bundle.partners,
        crs,
        extent,
        facecolor=PARTNER_FILL,
        edgecolor=PARTNER_EDGE,
        linewidth=0.6,
        zorder=1.2,
    )
    _draw_graticule(ax, to_map, extent)
    _thin_ticks(ax, extent)
    if partners is not None:
        for row in partners.itertuples(index=False):
            p = row.geometry.representative_point()
            ax.annotate(
                str(row.iso_a3),
                (p.x, p.y),
                fontsize=8,
                color="#8a7d63",
                ha="center",
                va="center",
                zorder=1.6,
                annotation_clip=True,
            )
    styles = all_styles(bundle)
    chosen = bundle.chosen_sites
    handles: list[Any] = []
    if len(chosen):
        eng, eng_types = _chosen_rings(chosen, "engagement_range_km", to_map)
        sen, sen_types = _chosen_rings(chosen, "sensor_reach_km", to_map)
        if eng:
            cols = [styles[t][0] for t in eng_types]
            ax.add_collection(
                PolyCollection(eng, facecolors=cols, edgecolors=cols, alpha=0.13, linewidths=0.8, zorder=2)
            )
            one = len(set(cols)) == 1
            swatch = cols[0] if one else "#999999"
            label = "engagement range" if one else "engagement range (in its type's colour)"
            handles.append(Patch(facecolor=swatch, alpha=0.3, edgecolor=swatch, label=label))
        if sen:
            cols = [styles[t][0] for t in sen_types]
            ax.add_collection(
                PolyCollection(
                    sen,
                    facecolors="none",
                    edgecolors=cols,
                    linestyles="--",
                    linewidths=0.9,
                    alpha=0.85,
                    zorder=2.1,
                )
            )
            one = len(set(cols)) == 1
            swatch = cols[0] if one else "#666666"
            label = "sensor reach" if one else "sensor reach (in its type's colour)"
            handles.append(Line2D([], [], color=swatch, ls="--", lw=0.9, label=label))
    unchosen = bundle.sites[~bundle.sites["chosen"].astype(bool)] if len(bundle.sites) else None
    if unchosen is not None and len(unchosen):
        ux, uy = to_map.transform(*_lonlat(unchosen))
        ax.scatter(ux, uy, s=4, color=CANDIDATE, alpha=0.6, linewidths=0, zorder=2.5)
        handles.append(Line2D([], [], ls="", marker="o", ms=2.5, color=CANDIDATE, label=candidate_label))
    pts = bundle.points
    if len(pts):
        px, py = to_map.transform(*_lonlat(pts))
        w = pd.to_numeric(pts["weight"], errors="coerce").fillna(0).to_numpy(float)
        size = 8 + 220 * w / w.max() if w.max() > 0 else np.full(w.shape, 20.0)
        ok = pts["defended"].astype(bool).to_numpy()
        ax.scatter(
            px[ok],
            py[ok],
            s=size[ok],
            color=DEFENDED,
            alpha=0.75,
            edgecolors="white",
            linewidths=0.4,
            zorder=3,
        )
        ax.scatter(
            px[~ok], py[~ok], s=10 + size[~ok] / 3, marker="x", color=UNDEFENDED, linewidths=1.2, zorder=3.1
        )
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=7,
                color=DEFENDED,
                alpha=0.75,
                label=f"{point_labels[0]} ({int(ok.sum())})",
            )
        )
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="x",
                ms=6,
                mew=1.2,
                color=UNDEFENDED,
                label=f"{point_labels[1]} ({int((~ok).sum())})",
            )
        )
        _label_places(ax, pts, to_map, extent)
    for t in sorted(set(chosen["asset_type"].astype(str))) if len(chosen) else []:
        sub = chosen[chosen["asset_type"].astype(str) == t]
        color, marker = styles[t]
        sx, sy = to_map.transform(*_lonlat(sub))
        ax.scatter(sx, sy, s=70, marker=marker, color=color, edgecolors="black", linewidths=0.7, zorder=4)
        handles.insert(
            0,
            Line2D(
                [],
                [],
                ls="",
                marker=marker,
                ms=8,
                color=color,
                mec="black",
                mew=0.7,
                label=f"{t} ({len(sub)})",
            ),
        )
    handles += _space_handles(bundle, styles)
    _scale_bar(ax, extent)
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_color("#9aa5ae")
    return handles
