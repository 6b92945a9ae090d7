"""Compare the build-outs of a batch: time to the milestones against what the life cycle costs.

A batch whose runs have a ``schedule:`` (e.g. a sweep over annual budget profiles, see
``scenarios/build_out_sweep.yaml``) gets, next to the usual comparison,
``schedule_comparison.csv`` (one row per run, ``met:<milestone>`` the first year each holds) and
``schedule_tradeoff.png`` (those years against the life-cycle total in constant dollars, with its
low–high range).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from planner.batch.store import ResultStore

FILES = ("schedule_comparison.csv", "schedule_tradeoff.png")


def _row(name: str, params: Any, sched: dict[str, Any]) -> dict[str, Any]:
    totals = sched["lifecycle_totals"]
    years = sched["years"]
    return {
        "name": name,
        "params": json.dumps(params, sort_keys=True) if not isinstance(params, str) else params,
        "time_to_milestones": sched.get("time_to_milestones"),
        "milestones_ok": all(m["ok"] for m in sched.get("milestones", [])),
        "lifecycle_total_musd": totals["constant_musd"]["total"],
        "lifecycle_low_musd": totals["range_musd"]["low"],
        "lifecycle_high_musd": totals["range_musd"]["high"],
        "nominal_total_musd": totals["nominal_musd"]["total"],
        "present_value_musd": totals["present_value_musd"],
        "acquisition_musd": totals["constant_musd"]["acquisition"],
        "operations_musd": totals["constant_musd"]["operations"],
        "replacement_musd": totals["constant_musd"]["replacement"],
        "budget_total_musd": sum(y["budget_musd"] for y in years),
        "final_defended_share": years[-1]["defended_share"],
        "mean_defended_share": sum(y["defended_share"] for y in years) / len(years),
        "objective": sched["solve"]["objective"],
        "gap": sched["solve"]["gap"],
        **{f"met:{m['label']}": m["first_year_met"] for m in sched.get("milestones", [])},
    }


def schedule_comparison(folder: str | Path) -> pd.DataFrame:
    """One row per successful run with a schedule (empty when none has one)."""
    rows = []
    with ResultStore(folder, read_only=True) as store:
        runs = store.runs()
        for r in runs.itertuples():
            if r.status == "failed":
                continue
            sched = store.summary(r.key).get("schedule")
            if sched:
                rows.append(_row(r.name, r.params, sched))
    return pd.DataFrame(rows)


def tradeoff_png(table: pd.DataFrame) -> bytes:
    """First year each milestone holds against the life-cycle total (constant M USD), per run."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.5), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    x = table["lifecycle_total_musd"]
    err = [x - table["lifecycle_low_musd"], table["lifecycle_high_musd"] - x]
    labels = [c for c in table.columns if c.startswith("met:")]
    for k, col in enumerate(labels):
        met = table[col].notna()
        ax.errorbar(
            x[met],
            table.loc[met, col],
            xerr=[e[met] for e in err],
            fmt="os^vD"[k % 5],
            capsize=3,
            label=col.removeprefix("met:"),
            alpha=0.85,
        )
    first = table[labels].min(axis=1) if labels else pd.Series(dtype=float)
    for xi, yi, name in zip(x, first, table["name"], strict=True):
        if pd.notna(yi):
            ax.annotate(name, (xi, yi), fontsize=7, xytext=(4, -10), textcoords="offset points")
    if labels:
        ax.legend(fontsize=7, frameon=False)
    ax.set_xlabel("life-cycle total, constant M USD (bars: low-high cost range)")
    ax.set_ylabel("first year the milestone holds (to the end)")
    ax.set_title("Build-out profiles: time to milestones against cost", fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()


def write_schedule_comparison(folder: str | Path) -> dict[str, Path]:
    """Write :data:`FILES` into the batch folder (nothing when no run has a schedule)."""
    from reports.atomic import atomic_write_bytes, atomic_write_text

    folder = Path(folder)
    table = schedule_comparison(folder)
    if table.empty:
        return {}
    return {
        "schedule_comparison.csv": atomic_write_text(folder / FILES[0], table.to_csv(index=False)),
        "schedule_tradeoff.png": atomic_write_bytes(folder / FILES[1], tradeoff_png(table)),
    }
