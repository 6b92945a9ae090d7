"""Report section "An adversary who reads the plan": worst-case raids, robust plan, loss of assets.

Reads ``summary.json["adversary"]`` only (reports never import the planner).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reports.bundle import ReportSection
from reports.fmt import as_float, musd, num, pct
from reports.html import Cell, _env, table_markup
from reports.html_parts import data_uri, png_bytes

METHOD = (
    "rank-form cutting plane over the defender's responses for the worst raid; "
    "column-and-constraint generation for the robust and fortified plans"
)


def _value(v: Any) -> str:
    x = as_float(v)
    return "\u2014" if x is None else num(x, 0 if abs(x) >= 100 else 2)


def laydown_table(laydown: dict[str, dict[str, int]]) -> Markup:
    """One row per (launch area, target) with its missiles, most missiles first."""
    rows = [(area, target, n) for area, tg in laydown.items() for target, n in tg.items()]
    rows.sort(key=lambda r: (-r[2], r[0], r[1]))
    return table_markup(["launch area", "target", "missiles"], ["l", "l", "r"],
                  [[Cell(a), Cell(t), Cell(num(n))] for a, t, n in rows])  # fmt: skip


def sizes_table(by_size: list[dict[str, Any]]) -> Markup:
    """Worst-case value lost per raid size."""
    rows = [[Cell(num(w["raid_size"])), Cell(_value(w["value_lost"])), Cell(pct(w.get("gap"), 2)),
             Cell(num(w.get("iterations")))] for w in by_size]  # fmt: skip
    return table_markup(
        ["raid size", "worst-case value lost", "gap", "iterations"], ["r", "r", "r", "r"], rows
    )


def plans_table(nominal: dict[str, Any], robust: dict[str, Any]) -> Markup:
    """Nominal and robust plans: cost, expected and worst-case damage, proof."""
    rows = []
    for label, p in (("nominal (design raid)", nominal), ("robust (min–max)", robust)):
        rows.append([Cell(label), Cell(num(len(p["sites"]))), Cell(num(len(p["sensors"]))),
                     Cell(num(p["rounds"])), Cell(musd(p["cost_musd"])),
                     Cell(_value(p["expected_value_lost"])), Cell(_value(p["worst_case_value_lost"])),
                     Cell(pct(p.get("gap"), 2)), Cell(num(p.get("iterations")))])  # fmt: skip
    return table_markup(
        ["plan", "sites", "sensors", "rounds", "cost (M USD)", "expected loss (design raid)",
         "worst-case loss", "gap", "iterations"],
        ["l", "r", "r", "r", "r", "r", "r", "r", "r"], rows,
    )  # fmt: skip


def losses_table(rows: list[dict[str, Any]], design: float | None) -> Markup:
    """The worst loss of k assets and the damage after it."""
    out = []
    for r in rows:
        extra = (as_float(r["value_lost"]) or 0.0) - (design or 0.0)
        out.append([Cell(num(r["k"])), Cell(", ".join(r["assets"])), Cell(_value(r["value_lost"])),
                    Cell("+" + _value(extra))])  # fmt: skip
    return table_markup(
        ["k", "assets lost", "value lost (design raid)", "increase"], ["r", "l", "r", "r"], out
    )


def damage_chart(summary: dict[str, Any], *, dpi: int = 110) -> bytes | None:
    """Bars: expected and worst-case value lost of the nominal and robust plans."""
    nom, rob = summary.get("nominal_plan"), summary.get("robust_plan")
    if not nom or not rob:
        return None
    fig = Figure(figsize=(6.0, 2.8), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    labels = ["expected (design raid)", f"worst case ({summary['raid_size']} missiles)"]
    x = [0.0, 1.0]
    for k, (name, p, colour) in enumerate((("nominal", nom, "#8c8c8c"), ("robust", rob, "#1f5fa8"))):
        vals = [p["expected_value_lost"], p["worst_case_value_lost"]]
        ax.bar([v + (k - 0.5) * 0.36 for v in x], vals, width=0.34, label=name, color=colour)
    ax.set_xticks(x, labels)
    ax.set_ylabel(f"value lost ({summary.get('value_unit', 'weight')})")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return png_bytes(fig)


def _laydown_points(points: Any, laydown: dict[str, dict[str, int]]) -> tuple[Any, list[int]]:
    missiles: dict[str, int] = {}
    for per in laydown.values():
        for target, n in per.items():
            missiles[target] = missiles.get(target, 0) + n
    hit = points[points["name"].astype(str).isin(missiles)].drop_duplicates("name")
    return hit, [missiles[str(n)] for n in hit["name"]]


def adversary_map(
    partners: Any, sites: Any, points: Any, summary: dict[str, Any], *, dpi: int = 110
) -> bytes:
    """Map: the nominal and robust plans' interceptor sites, and where each one's worst raid lands.

    ``partners`` (polygons), ``sites`` (``site_id``) and ``points`` (``name``) are GeoDataFrames
    in EPSG:4326; drawn in a Lambert azimuthal equal-area projection centred on the partners.
    """
    c = partners.to_crs("EPSG:6933").union_all().centroid
    lon0, lat0 = (float(v) for v in _lonlat_6933(c))
    crs = f"+proj=laea +lat_0={lat0:.3f} +lon_0={lon0:.3f} +datum=WGS84 +units=m"
    fig = Figure(figsize=(8.0, 5.0), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    partners.to_crs(crs).plot(ax=ax, color="#eeeeee", edgecolor="#999999", linewidth=0.5)
    styles = (
        ("nominal_plan", "#8c8c8c", 70, "none", "#d62728", 4),  # a ring around a shared site
        ("robust_plan", "#1f5fa8", 22, None, "#ff7f0e", -10),
    )
    for key, colour, size, face, hit_colour, dy in styles:
        plan = summary.get(key)
        if not plan:
            continue
        chosen = sites[sites["site_id"].astype(str).isin(plan["sites"])].to_crs(crs)
        ax.scatter(
            chosen.geometry.x,
            chosen.geometry.y,
            s=size,
            marker="o",
            linewidths=1.2,
            facecolors=face or colour,
            edgecolors=colour,
            label=f"{key.split('_')[0]} plan sites",
            zorder=3,
        )
        hit, n = _laydown_points(points, plan.get("worst_case_laydown") or {})
        if len(hit):
            g = hit.to_crs(crs)
            ax.scatter(
                g.geometry.x,
                g.geometry.y,
                s=[40 + 25 * k for k in n],
                marker="X",
                color=hit_colour,
                label=f"worst raid on the {key.split('_')[0]} plan",
                zorder=4,
            )
            for x, y, name, k in zip(g.geometry.x, g.geometry.y, g["name"], n, strict=True):
                ax.annotate(f"{name} ({k})", (x, y), fontsize=7, xytext=(5, dy), textcoords="offset points")
    ax.set_axis_off()
    ax.legend(frameon=False, fontsize=7, loc="lower left")
    fig.tight_layout()
    return png_bytes(fig)


def _lonlat_6933(point: Any) -> tuple[float, float]:
    """Longitude and latitude of a point given in EPSG:6933 (the partners' equal-area centroid)."""
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:6933", "EPSG:4326", always_xy=True)
    return t.transform(point.x, point.y)


def adversary_section(summary: dict[str, Any], map_png: bytes | None = None) -> ReportSection:
    """Return the "An adversary who reads the plan" section from ``summary.json["adversary"]``.

    ``map_png`` (from :func:`adversary_map`) is shown when given.
    """
    design = as_float(summary.get("design_raid_value_lost"))
    worst = as_float(summary.get("worst_case_value_lost"))
    rob, price = summary.get("robust_plan"), summary.get("price_of_robustness") or {}
    fort = summary.get("fortified_plan")
    png = damage_chart(summary)
    context = {
        "unit": summary.get("value_unit", "weight"), "method": METHOD,
        "design_size": num(summary.get("design_raid_size")), "design_lost": _value(design),
        "raid_size": num(summary.get("raid_size")), "worst_lost": _value(worst),
        "ratio": f"{worst / design:.1f}×" if design and worst is not None else "\u2014",
        "sizes": sizes_table(summary.get("by_raid_size", [])),
        "laydown": laydown_table(summary.get("worst_case_laydown") or {}),
        "robust": plans_table(summary["nominal_plan"], rob) if rob else None,
        "price_value": _value(price.get("value_lost")), "price_cost": musd(price.get("cost_musd")),
        "saved": _value(price.get("worst_case_saved")),
        "chart": data_uri(png),
        "map": data_uri(map_png),
        "losses": losses_table(summary["interdiction"], design) if summary.get("interdiction") else None,
        "fortified": None if not fort else (
            f"The plan best under any {fort['k']} loss(es) costs {musd(fort['cost_musd'])} M USD and loses "
            f"{_value(fort['value_lost_after_losses'])} after its worst loss "
            f"({', '.join(fort['assets_lost']) or 'none'}); {_value(fort['expected_value_lost'])} with "
            f"nothing lost (gap {pct(fort.get('gap'), 2)})."),
    }  # fmt: skip
    html = _env().get_template("adversary.html.j2").render(**context)
    return ReportSection(title="An adversary who reads the plan", html=html)
