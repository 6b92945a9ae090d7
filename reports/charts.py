"""Charts of a plan: defended weight per partner and cost of the chosen assets by type (matplotlib, Agg).

The figures come from the summary's ``per_partner`` and ``per_asset_type`` rows when present (so the
charts agree with the report's tables), else they are computed from the bundle's frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.bundle import PlanBundle
from reports.fmt import as_float, compact, musd, num, pct
from reports.html_parts import png_bytes
from reports.maps import DEFENDED, all_styles


def _per_partner(bundle: PlanBundle) -> pd.DataFrame:
    rows = () if bundle.summary is None else bundle.summary.per_partner
    if rows:
        return pd.DataFrame(
            {
                "label": [str(r.iso_a3) for r in rows],
                "total": [r.total_weight for r in rows],
                "defended": [r.defended_weight for r in rows],
            }
        )
    pts = bundle.points
    if len(pts) == 0:
        return pd.DataFrame(columns=["label", "total", "defended"])
    w = pd.to_numeric(pts["weight"], errors="coerce").fillna(0.0)
    g = pd.DataFrame(
        {
            "label": pts["partner"].astype(str),
            "total": w,
            "defended": w.where(pts["defended"].astype(bool), 0.0),
        }
    )
    return g.groupby("label", as_index=False).sum()


def _cost_by_type(bundle: PlanBundle) -> pd.DataFrame:
    rows = () if bundle.summary is None else bundle.summary.per_asset_type
    if rows:
        bought = [r for r in rows if (as_float(r.cost_musd) or 0.0) > 0]
        return pd.DataFrame(
            {"asset_type": [str(r.asset_type) for r in bought], "cost": [float(r.cost_musd) for r in bought]}
        )
    parts = [
        f[["asset_type", "cost_musd"]] for f in (bundle.chosen_sites, bundle.chosen_constellations) if len(f)
    ]
    if not parts:
        return pd.DataFrame(columns=["asset_type", "cost"])
    df = pd.concat(parts, ignore_index=True)
    df = df.assign(asset_type=df["asset_type"].astype(str), cost=df["cost_musd"].astype(float))
    return df.groupby("asset_type", as_index=False)["cost"].sum()


def render_charts(bundle: PlanBundle, *, dpi: int = 150) -> bytes | None:
    """Draw defended weight per partner and cost by asset type; PNG bytes, or ``None`` if both are empty."""
    partners = _per_partner(bundle).sort_values("total", kind="stable")
    costs = _cost_by_type(bundle).sort_values("cost", kind="stable")
    if len(partners) == 0 and len(costs) == 0:
        return None
    n = max(len(partners), len(costs), 2)
    fig = Figure(figsize=(11.0, 1.2 + 0.38 * n), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2)
    if len(partners):
        y = np.arange(len(partners))
        total = partners["total"].to_numpy(float)
        defended = partners["defended"].to_numpy(float)
        ax1.barh(y, total, color="#e6e6e6", edgecolor="#bbbbbb", label="total weight")
        ax1.barh(y, defended, color=DEFENDED, alpha=0.85, label="defended weight")
        for yi, t, d in zip(y, total, defended, strict=True):
            ax1.text(t, yi, f"  {pct(d / t) if t > 0 else ''}", va="center", fontsize=8)
        ax1.set_yticks(y, partners["label"])
        ax1.set_xlim(0, max(total.max(), 1e-9) * 1.18)
        ax1.xaxis.set_major_locator(MaxNLocator(5))
        ax1.xaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    ax1.set_title("Defended weight (green) of total weight, per partner", fontsize=10, loc="left")
    styles = all_styles(bundle)
    if len(costs):
        y = np.arange(len(costs))
        colors = [styles.get(t, ("#777777", ""))[0] for t in costs["asset_type"]]
        cost = costs["cost"].to_numpy(float)
        ax2.barh(y, cost, color=colors)
        for yi, c in zip(y, cost, strict=True):
            ax2.text(c, yi, f"  {musd(c)}", va="center", fontsize=8)
        ax2.set_yticks(y, costs["asset_type"])
        ax2.set_xlim(0, max(cost.max(), 1e-9) * 1.22)
        ax2.xaxis.set_major_locator(MaxNLocator(5))
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: num(v)))
    ax2.set_title("Cost of chosen assets by type (M USD)", fontsize=10, loc="left")
    for ax in (ax1, ax2):
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    return png_bytes(fig, dpi=dpi, facecolor="white")
