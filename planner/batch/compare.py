r"""Compare the runs of a batch: the cost–coverage curve, a table side by side, plots, an HTML page.

The **cost–coverage curve** is the Pareto frontier of budget (less is better) against defended
weight (more is better) over the batch's successful runs: sorted by budget, a run is on the frontier
when it defends strictly more than every run of a smaller or equal budget. Between consecutive
frontier runs ``k-1`` and ``k`` the **marginal** value of money is

.. math::

    \mu_k = \frac{D_k - D_{k-1}}{B_k - B_{k-1}}

in defended weight (people, for populated places) per extra M USD.

Outputs, written atomically into the batch folder: ``comparison.csv`` (runs side by side),
``frontier.csv``, ``frontier.png``, ``marginal.png`` and a self-contained ``summary.html``.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.batch.store import ResultStore

FILES = ("comparison.csv", "frontier.csv", "frontier.png", "marginal.png", "summary.html")


@dataclass(frozen=True, eq=False)
class Comparison:
    """The batch's runs side by side and their cost–coverage frontier.

    Attributes
    ----------
    runs
        One row per run of the current batch: name, group, swept parameters, status, budget, cost,
        defended weight and share, gap, per-partner defended shares (``share_<ISO>``), units chosen
        per asset type (``n_<type>``), times, warm-start facts, error.
    frontier
        The frontier runs sorted by budget, with ``marginal_per_musd``.
    stats
        Batch figures: runs, ok, failed, run and coverage-saved seconds, problems reused, warm starts.
    """

    name: str
    runs: pd.DataFrame
    frontier: pd.DataFrame
    stats: dict[str, Any]


def pareto_frontier(runs: pd.DataFrame, x: str = "budget_musd",
                    y: str = "defended_weight") -> pd.DataFrame:
    """Runs on the frontier of ``x`` (minimised) against ``y`` (maximised), with marginal values.

    Returns
    -------
    DataFrame
        The frontier rows sorted by ``x``, plus ``marginal_per_musd`` = Δy / Δx from the previous
        frontier run (NaN for the first).
    """
    ok = runs[runs["status"].isin(["optimal", "feasible"])].dropna(subset=[x, y])
    ok = ok.sort_values([x, y], ascending=[True, False], kind="stable")
    best = np.maximum.accumulate(ok[y].to_numpy()) if len(ok) else np.array([])
    prev = np.concatenate([[-np.inf], best[:-1]])
    front = ok[ok[y].to_numpy() > prev].copy()
    dx, dy = front[x].diff(), front[y].diff()
    front["marginal_per_musd"] = dy / dx.where(dx > 0)
    return front.reset_index(drop=True)


def _side_by_side(store: ResultStore) -> pd.DataFrame:
    runs = store.runs()
    if runs.empty:
        return runs
    params = pd.DataFrame([json.loads(p) if isinstance(p, str) else (p or {})
                           for p in runs["params"]], index=runs.index)
    cols = ["name", "grp", *params.columns.difference(runs.columns).tolist()]
    out = pd.concat([runs, params[params.columns.difference(runs.columns)]], axis=1)
    partners = store.partners()
    if not partners.empty:
        share = partners.pivot_table(index="name", columns="iso_a3", values="defended_share",
                                     aggfunc="first", sort=False).add_prefix("share_")
        out = out.join(share, on="name")
        cols += share.columns.tolist()
    plans = store.plans()
    if not plans.empty:
        counts = plans.pivot_table(index="name", columns="asset_type", values="site_id",
                                   aggfunc="count", sort=False).add_prefix("n_")
        out = out.join(counts, on="name")
        out[counts.columns] = out[counts.columns].fillna(0).astype(int)
        cols += counts.columns.tolist()
    main = ["status", "budget_musd", "cost_musd", "defended_weight", "defended_share", "gap"]
    tail = ["coverage_s", "solve_s", "wall_s", "problem_reused", "coverage_saved_s",
            "warm_start_from", "warm_start_used", "error", "key"]
    order = cols[:2] + [c for c in cols[2:] if c in params.columns] + main + \
        [c for c in cols if c.startswith(("share_", "n_"))] + tail
    return out[[c for c in order if c in out.columns]].rename(columns={"grp": "group"})


def compare_batch(folder: str | Path) -> Comparison:
    """Read a batch folder and compare its current runs.

    Raises
    ------
    planner.batch.store.StoreError
        When the folder holds no results store.
    """
    folder = Path(folder)
    with ResultStore(folder, read_only=True) as store:
        runs = _side_by_side(store)
        expected = int(store.query("SELECT count(*) AS n FROM batch_runs")["n"].iloc[0])
        names = store.query("SELECT DISTINCT r.batch FROM batch_runs b JOIN runs r ON r.key = b.key "
                            "WHERE r.batch IS NOT NULL")["batch"].tolist()
    ok = runs[runs["status"] != "failed"] if not runs.empty else runs
    stats = {
        "runs": expected,
        "finished": int(len(runs)),
        "ok": int(len(ok)),
        "failed": int((runs["status"] == "failed").sum()) if not runs.empty else 0,
        "run_s": float(runs["wall_s"].fillna(0).sum()) if not runs.empty else 0.0,
        "coverage_s": float(ok["coverage_s"].fillna(0).sum()) if not ok.empty else 0.0,
        "coverage_saved_s": float(ok["coverage_saved_s"].fillna(0).sum()) if not ok.empty else 0.0,
        "problems_reused": int(ok["problem_reused"].fillna(False).sum()) if not ok.empty else 0,
        "warm_starts_used": int(ok["warm_start_used"].fillna(False).sum()) if not ok.empty else 0,
    }
    front = pareto_frontier(runs) if not runs.empty else runs
    return Comparison(names[0] if len(names) == 1 else folder.name, runs, front, stats)


# --------------------------------------------------------------------------- plots


def _png(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def frontier_png(c: Comparison) -> bytes:
    """Budget against defended weight: every run, the frontier as a line."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.5))
    ax = fig.add_subplot()
    ok = c.runs[c.runs["status"] != "failed"] if not c.runs.empty else c.runs
    for k, (group, rows) in enumerate(ok.groupby("group", sort=False) if not ok.empty else []):
        ax.scatter(rows["budget_musd"], rows["defended_weight"] / 1e6, s=22, alpha=0.7,
                   label=str(group), color=f"C{k % 10}", zorder=2)
    if not c.frontier.empty:
        ax.plot(c.frontier["budget_musd"], c.frontier["defended_weight"] / 1e6, "-", color="black",
                lw=1.2, label="frontier", zorder=1)
    ax.set_xlabel("budget (M USD)")
    ax.set_ylabel("defended weight (millions)")
    ax.set_title(f"{c.name}: cost–coverage curve")
    ax.grid(alpha=0.3)
    if not ok.empty:
        ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def marginal_png(c: Comparison) -> bytes:
    """Marginal defended weight per extra M USD along the frontier."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.5))
    ax = fig.add_subplot()
    if len(c.frontier) > 1:
        # One bar per frontier step, spanning the budget interval it applies to.
        b = c.frontier["budget_musd"].to_numpy(float)
        ax.bar(b[:-1], c.frontier["marginal_per_musd"].to_numpy(float)[1:], width=np.diff(b) * 0.9,
               align="edge", color="C0")
    ax.set_xlabel("budget (M USD)")
    ax.set_ylabel("defended per extra M USD")
    ax.set_title("marginal value of budget along the frontier")
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)


# --------------------------------------------------------------------------- HTML


def _cell(col: str, v: Any) -> str:
    if isinstance(v, list | tuple | dict):  # a swept list, e.g. an annual budget profile
        return json.dumps(v)
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if col.startswith("share_") or col == "defended_share":
        return f"{v:.1%}"
    if col == "gap":
        return f"{v:.2%}"
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) < 1e3 else f"{v:,.0f}"
    return str(v)


def _fmt(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as display text (percentages for shares and gaps, thousands separators), escaped."""
    return pd.DataFrame({col: [html.escape(_cell(col, v)) for v in frame[col].tolist()]
                         for col in frame.columns})


LABELS = {
    "name": "Run", "group": "Group", "status": "Status", "budget_musd": "Budget (M USD)",
    "cost_musd": "Cost (M USD)", "defended_weight": "Defended", "defended_share": "Defended share",
    "gap": "Gap", "coverage_s": "Coverage (s)", "solve_s": "Solve (s)", "wall_s": "Wall time (s)",
    "problem_reused": "Coverage reused", "coverage_saved_s": "Coverage saved (s)",
    "warm_start_from": "Warm start from", "warm_start_used": "Warm start used", "error": "Error",
    "marginal_per_musd": "Defended per extra M USD", "total_weight": "Total",
}
"""Column labels of summary.html (raw names stay in comparison.csv)."""


def column_label(col: str) -> str:
    """``budget_musd`` -> ``Budget (M USD)``, ``share_USA`` -> ``USA defended share``, ..."""
    if col in LABELS:
        return LABELS[col]
    if col.startswith("share_"):
        return f"{col.removeprefix('share_')} defended share"
    if col.startswith("n_"):
        return f"{col.removeprefix('n_').replace('_', ' ')} (count)"
    for suffix, unit in (("_musd", " (M USD)"), ("_km", " (km)"), ("_s", " (s)")):
        if col.endswith(suffix):
            return col.removesuffix(suffix).replace("_", " ").replace(".", " ") + unit
    return col.replace("_", " ")


def _table(frame: pd.DataFrame, links: dict[str, str] | None = None) -> str:
    """The frame as an HTML table with labelled columns; run names link to their report."""
    shown = _fmt(frame)
    if links and "name" in frame.columns:
        shown["name"] = [f'<a href="{html.escape(links[n])}">{html.escape(str(n))}</a>' if n in links
                         else html.escape(str(n)) for n in frame["name"].tolist()]
    shown.columns = [column_label(str(c)) for c in shown.columns]
    return shown.to_html(index=False, border=0, escape=False)


def report_links(folder: Path, c: Comparison) -> dict[str, str]:
    """Run name -> relative link to its ``report.html`` (runs stored with one)."""
    if c.runs.empty or "key" not in c.runs.columns:
        return {}
    return {str(n): f"runs/{k}/report.html" for n, k in zip(c.runs["name"], c.runs["key"], strict=True)
            if (folder / "runs" / str(k) / "report.html").is_file()}


def name_links(folder: Path, c: Comparison) -> None:
    """``by_name/<run name>`` -> ``runs/<key>`` symbolic links, so run folders can be found by name."""
    if c.runs.empty or "key" not in c.runs.columns:
        return
    named = folder / "by_name"
    named.mkdir(exist_ok=True)
    for n, k in zip(c.runs["name"], c.runs["key"], strict=True):
        link, target = named / str(n), Path("..") / "runs" / str(k)
        if not (folder / "runs" / str(k)).is_dir():
            continue
        try:
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(target, target_is_directory=True)
        except OSError:  # no symbolic links on this file system: summary.html still links by key
            return


def summary_html(c: Comparison, frontier: bytes, marginal: bytes, links: dict[str, str] | None = None) -> str:
    """A self-contained page: figures, the plots inline, the frontier and the runs (linked to reports)."""
    def img(png: bytes, alt: str) -> str:
        return f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'

    s = c.stats
    facts = [("runs", f"{s['finished']} of {s['runs']}"), ("ok", s["ok"]), ("failed", s["failed"]),
             ("total run time", f"{s['run_s']:,.1f} s"),
             ("coverage time", f"{s['coverage_s']:,.1f} s"),
             ("coverage time saved by reuse", f"{s['coverage_saved_s']:,.1f} s"),
             ("problems reused", s["problems_reused"]), ("warm starts used", s["warm_starts_used"])]
    fact_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                        for k, v in facts)
    fcols = [col for col in ("name", "budget_musd", "cost_musd", "defended_weight", "defended_share",
                             "marginal_per_musd") if col in c.frontier.columns]
    front = _table(c.frontier[fcols], links) if not c.frontier.empty else "<p>No successful run.</p>"
    runs = f'<div class="wrap">{_table(c.runs.drop(columns=["key"], errors="ignore"), links)}</div>' \
        if not c.runs.empty else "<p>No finished run.</p>"
    title = html.escape(f"Batch {c.name}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; max-width: 100%; }}
th {{ white-space: normal; vertical-align: bottom; }}
.wrap {{ overflow-x: auto; max-width: 100%; }} /* many sweep columns scroll inside, not the page */
th, td {{ padding: 0.25em 0.6em; border-bottom: 1px solid #ddd; text-align: right; }}
th {{ background: #f4f4f4; }} td:first-child, th:first-child {{ text-align: left; }}
img {{ max-width: 100%; }} .note {{ color: #666; font-size: 0.85em; }}
</style></head><body>
<h1>{title}</h1>
<table>{fact_rows}</table>
<h2>Cost–coverage curve</h2>
{img(frontier, "budget against defended weight")}
{img(marginal, "marginal defended weight per extra M USD")}
<h2>Frontier</h2>
<p class="note">A run is on the frontier when it defends more than every run of a smaller or equal
budget; "defended per extra M USD" is the extra defended weight per extra M USD from the previous
frontier run. Each run's name links to its own report (runs/&lt;key&gt;/report.html; by_name/&lt;run&gt;
points to the same folder).</p>
{front}
<h2>Runs side by side</h2>
{runs}
<p class="note">All asset parameters are notional and illustrative.</p>
</body></html>
"""


def write_comparison(folder: str | Path, c: Comparison | None = None) -> dict[str, Path]:
    """Write the comparison outputs (see :data:`FILES`) into the batch folder, atomically each."""
    from reports.atomic import atomic_write_bytes, atomic_write_text

    folder = Path(folder)
    c = c or compare_batch(folder)
    fpng, mpng = frontier_png(c), marginal_png(c)
    paths = {
        "comparison.csv": atomic_write_text(folder / "comparison.csv", c.runs.to_csv(index=False)),
        "frontier.csv": atomic_write_text(folder / "frontier.csv", c.frontier.to_csv(index=False)),
        "frontier.png": atomic_write_bytes(folder / "frontier.png", fpng),
        "marginal.png": atomic_write_bytes(folder / "marginal.png", mpng),
    }
    name_links(folder, c)
    paths["summary.html"] = atomic_write_text(folder / "summary.html",
                                              summary_html(c, fpng, mpng, report_links(folder, c)))
    from planner.batch.schedule_compare import write_schedule_comparison

    paths.update(write_schedule_comparison(folder))  # build-outs: time to milestones against cost
    return paths
