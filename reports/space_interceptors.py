"""The space-based interceptor section of the report: availability per option and launch area.

Input is ``summary.json["space_interceptors"]`` (plain data made by the planner): a table of every
constellation option against every launch area (mean in reach, P(N >= k), absentee ratio, boost
survival, life-cycle cost) and a chart of P(N >= k) against constellation size per launch latitude.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup, escape
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reports.bundle import ReportSection
from reports.fmt import num
from reports.html import Cell, Table, table_markup
from reports.html_parts import data_uri, png_bytes


def options_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """One row per option and launch area, in the summary's order."""
    need = str(summary["interceptors_needed_at_once"])
    rows = []
    for pattern, opt in summary["options"].items():
        for area, a in opt["areas"].items():
            rows.append({
                "constellation": pattern,
                "source": opt["source"],
                "satellites": opt["n_satellites"],
                "launch area": area,
                "latitude (deg)": a["lat_deg"],
                "mean in reach": a["mean_in_reach"],
                "mean (exact)": a["mean_in_reach_exact"],
                "P(N>=1)": a["p_at_least"]["1"],
                f"P(N>={need})": a["p_at_least"][need],
                "absentee ratio": a["absentee_ratio"],
                "boost survival": a["boost_survival"],
                "life-cycle cost (M USD)": opt["life_cycle_cost"]["total_musd"],
            })  # fmt: skip
    return pd.DataFrame(rows)


_DECIMALS = {"satellites": 0, "latitude (deg)": 1, "mean in reach": 2, "mean (exact)": 2,
             "absentee ratio": 0, "life-cycle cost (M USD)": 0}  # fmt: skip


def options_table(summary: dict[str, Any]) -> Table:
    """:func:`options_frame` as a report table, each column at its own precision (P: 3 decimals)."""
    df = options_frame(summary)
    text = {"constellation", "source", "launch area"}
    table = Table(list(df.columns), ["l" if c in text else "r" for c in df.columns])
    for rec in df.to_dict("records"):
        table.rows.append(
            [Cell(str(v)) if c in text else Cell(num(v, _DECIMALS.get(c, 3))) for c, v in rec.items()]
        )
    return table


def curves_chart(curves: list[dict[str, Any]], target: float) -> bytes | None:
    """P(N >= k) against satellites, one line per launch area (latitude) and k (PNG bytes)."""
    if not curves:
        return None
    df = pd.DataFrame(curves)
    fig = Figure(figsize=(8.0, 3.6), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for (area, k), g in df.groupby(["area", "k"], sort=False):
        g = g.sort_values("n_satellites")
        lat = g["lat_deg"].iloc[0]
        ax.plot(g["n_satellites"], g["p_at_least"], marker="o", ms=3,
                linestyle="-" if k == 1 else "--", label=f"{area} ({lat:.1f}°), k = {k}")  # fmt: skip
    ax.axhline(target, color="#888888", lw=0.8, ls=":")
    ax.set_xlabel("satellites in the constellation", fontsize=8.5)
    ax.set_ylabel("P(at least k in reach)", fontsize=8.5)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Shell {df['pattern'].iloc[0]} scaled by satellites per plane", fontsize=9, loc="left")
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return png_bytes(fig)


def space_interceptor_section(summary: dict[str, Any]) -> ReportSection:
    """Return the "Space-based interceptors" section from ``summary.json["space_interceptors"]``."""
    s = summary
    intro = (
        f"Layer {s['layer']} at {s['altitude_km']:.0f} km. A kill vehicle reaches launch points within "
        f"{s['reach_km']:.0f} km of its satellite's ground track point"
        + ("" if s["reach_given"] else f" ({s['kv_flight_time_s']:.0f} s of boost left to fly "
                                       f"{s['kv_range_km']:.0f} km)")
        + f". A salvo of {s['salvo_size']} with {s['shots_per_missile']} shot(s) each needs "
        f"{s['interceptors_needed_at_once']} in reach at once; target P = {s['target_probability']:.2f}. "
        f"Smallest option meeting it: {s['smallest'] or 'none'}."
    )  # fmt: skip
    opts = options_table(s)
    table = table_markup(opts.headers, opts.align, opts.rows, s.get("note", ""))
    png = curves_chart(s.get("curves", []), s["target_probability"])
    img = (
        ""
        if png is None
        else f'<figure><img src="{data_uri(png)}"'
        + ' alt="P(at least k interceptors in reach) against constellation size per launch area"></figure>'
    )
    html = Markup(f"<p>{escape(intro)}</p>") + Markup(table) + Markup(img)
    return ReportSection(title="Space-based interceptors", html=str(html))
