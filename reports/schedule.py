"""The build-out year by year: four charts, the report section, ``schedule.csv`` and ``schedule.xlsx``.

Everything is drawn from ``summary.json["schedule"]`` (a plain mapping: reports never import the
planner): ``years`` rows, ``builds``, ``lifecycle_totals``, ``milestones``, ``reference_lines``,
``bills``. Charts: a build timeline (Gantt by type), spending by year stacked by category with
the budget and the cumulative spending against reference totals, defended share over time
against the milestones, and each partner's cumulative bill against announced shares.

Length: ``schedule_section`` lays out the build-out section (totals, charts, year table, bills) in
page order.
"""

from __future__ import annotations

import html
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reports.bundle import ReportSection
from reports.errors import MissingDependencyError
from reports.fmt import gap_pct, musd, pct
from reports.html_parts import data_uri, html_table, png_bytes

CATEGORY_COLORS = {"acquisition": "#3b6ea8", "operations": "#e0a030", "replacement": "#b04a4a"}
PALETTE = ("#3b6ea8", "#e0a030", "#4f9d69", "#b04a4a", "#7a5ea8", "#5aa5b8", "#a8845e", "#888888")


def _gantt(ax: Any, sched: dict[str, Any]) -> None:
    builds = pd.DataFrame(sched["builds"])
    last = sched["last_year"] + 1
    ax.set_title("Build timeline: funding (light) and service (solid), by type", fontsize=10, loc="left")
    if builds.empty:
        ax.text(0.5, 0.5, "nothing built", ha="center", transform=ax.transAxes)
        return
    builds = builds.sort_values(["asset_type", "in_service_year", "site_id"], kind="stable")
    types = list(dict.fromkeys(builds["asset_type"]))
    color = {t: PALETTE[k % len(PALETTE)] for k, t in enumerate(types)}
    for row, b in enumerate(builds.itertuples()):
        start = b.funded_year if pd.notna(b.funded_year) else sched["first_year"]
        serve = b.in_service_year
        end = b.retires_year if pd.notna(b.retires_year) else last
        ax.barh(row, max(serve - start, 0), left=start, color=color[b.asset_type], alpha=0.3, height=0.8)
        if serve < last:
            ax.barh(row, min(end, last) - serve, left=serve, color=color[b.asset_type], height=0.8)
    ax.set_yticks([])
    ax.set_ylim(len(builds) - 0.5, -0.5)
    ax.set_xlim(sched["first_year"], last)
    handles = [ax.barh([0], [0], color=color[t], label=t) for t in types]
    ax.legend(
        handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, frameon=False
    )


def _spending(ax: Any, sched: dict[str, Any]) -> None:
    years = pd.DataFrame(sched["years"])
    x = years["year"].to_numpy()
    bottom = np.zeros(len(x))
    for cat, col in CATEGORY_COLORS.items():
        v = years[f"{cat}_musd"].to_numpy(float)
        ax.bar(x, v, bottom=bottom, color=col, label=cat, width=0.75)
        bottom += v
    ax.step(x, years["budget_musd"], where="mid", color="black", lw=1, label="annual budget")
    ax.set_title("Spending by year (constant M USD) and cumulative", fontsize=10, loc="left")
    ax2 = ax.twinx()
    cum = np.cumsum(years["spend_musd"].to_numpy(float))
    ax2.plot(x, cum, color="#555555", ls="--", lw=1.2, label="cumulative spending")
    for k, ref in enumerate(r for r in sched.get("reference_lines", []) if not r.get("partner")):
        ax2.axhline(
            ref["total_musd"], color=PALETTE[(k + 4) % len(PALETTE)], ls=":", lw=1.2, label=ref["label"]
        )
    ax2.set_ylim(bottom=0)
    ax2.tick_params(labelsize=7)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(
        h1 + h2, l1 + l2, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False
    )


def _defended(ax: Any, sched: dict[str, Any]) -> None:
    years = pd.DataFrame(sched["years"])
    x = years["year"].to_numpy()
    ax.plot(x, years["defended_share"], marker="o", ms=3, color="#4f9d69", label="defended share")
    for k, m in enumerate(sched.get("milestones", [])):
        color = PALETTE[(k + 3) % len(PALETTE)]
        tag = "" if m["ok"] else " (missed)"
        share = m.get("min_defended_share")
        if share is not None:
            ax.hlines(share, m["year"], x[-1], colors=color, linestyles="--", label=m["label"] + tag)
            ax.plot([m["year"]], [share], marker="v", color=color)
        else:
            ax.axvline(m["year"], color=color, ls=":", lw=1.2, label=m["label"] + tag)
    ax.set_ylim(0, 1.0)
    ax.set_title("Share of weight defended in service, against milestones", fontsize=10, loc="left")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(fontsize=7, loc="lower right", frameon=False)


def _bills(ax: Any, sched: dict[str, Any]) -> None:
    bills = sched.get("bills") or {}
    years = [y["year"] for y in sched["years"]]
    rule = bills.get("reference_rule")
    ax.set_title(
        f"Each partner's cumulative bill ({rule or 'no cost sharing'}; dashed: core LP)",
        fontsize=10,
        loc="left",
    )
    if not rule:
        return
    lp = (bills.get("core_lp") or {}).get("contributions") or {}
    for k, (p, cum) in enumerate(bills["cumulative"][rule].items()):
        col = PALETTE[k % len(PALETTE)]
        ax.plot(years, cum, color=col, marker="o", ms=3, label=p)
        if lp:
            ax.plot(years, np.cumsum([lp[str(y)][p] for y in years]), color=col, ls="--", lw=1)
        for ref in sched.get("reference_lines", []):
            if ref.get("partner") == p:
                ax.axhline(ref["total_musd"], color=col, ls=":", lw=1.2)
                ax.text(years[0], ref["total_musd"], ref["label"], fontsize=6, va="bottom", color=col)
    ax.legend(fontsize=7, frameon=False)


def schedule_chart(sched: dict[str, Any], *, dpi: int = 120) -> bytes:
    """The four charts of a build-out in one PNG (2 × 2)."""
    fig = Figure(figsize=(12.0, 8.5), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    for ax, draw in zip(axes.ravel(), (_gantt, _spending, _defended, _bills), strict=True):
        draw(ax, sched)
        ax.tick_params(labelsize=7)
        ax.spines[["top"]].set_visible(False)
    return png_bytes(fig, dpi=dpi, facecolor="white")


def _totals_table(t: dict[str, Any]) -> str:
    cats = ("acquisition", "operations", "replacement", "total")
    rows = [[c, musd(t["constant_musd"][c]), musd(t["nominal_musd"][c])] for c in cats]
    rng = t["range_musd"]
    rows.append(
        ["range (low / base / high)", f"{musd(rng['low'])} / {musd(rng['base'])} / {musd(rng['high'])}", ""]
    )
    rows.append(["present value", musd(t["present_value_musd"]), ""])
    return html_table(["", f"constant {t['base_year']} M USD", "nominal M USD"], rows)


def schedule_section(sched: dict[str, Any], chart_png: bytes | None = None) -> ReportSection:
    """The "Build-out year by year" section of ``report.html``."""
    years = sched["years"]
    rows = [
        [
            str(y["year"]),
            musd(y["budget_musd"]),
            musd(y["spend_musd"]),
            musd(y["acquisition_musd"]),
            musd(y["operations_musd"]),
            musd(y["replacement_musd"]),
            pct(y["defended_share"]),
            {True: "yes", False: "no: " + "+".join(y.get("blocking_coalition") or []), None: "n/a"}[
                y["core_ok"]
            ],
        ]
        for y in years
    ]
    year_table = html_table(
        ["year", "budget", "spend", "acquisition", "O&S", "replacement", "defended", "in core so far"], rows
    )
    miles = html_table(
        ["milestone", "by", "met from", "ok"],
        [
            [m["label"], str(m["year"]), str(m["first_year_met"] or "never"), "yes" if m["ok"] else "NO"]
            for m in sched.get("milestones", [])
        ],
    )
    bills = sched.get("bills") or {}
    bill_rows = []
    for y in years:
        for rule, split in y.get("bills", {}).items():
            if rule not in (bills.get("reference_rule"), "core_lp"):
                continue  # every rule is in schedule.csv; the report shows the reference and the LP
            bill_rows.append([str(y["year"]), rule] + [musd(v) for v in split.values()])
    partners = list(next(iter(years[0]["bills"].values())).keys()) if years and years[0].get("bills") else []
    bill_table = html_table(["year", "rule", *partners], bill_rows) if bill_rows else ""
    core_rows = [
        [rule]
        + [
            "n/a"
            if c is None
            else "yes"
            if c["in_core"]
            else "no: " + "+".join(c["blocking_coalition"] or [])
            for c in checks
        ]
        for rule, checks in (bills.get("core") or {}).items()
    ]
    core_table = html_table(["rule", *[str(y["year"]) for y in years]], core_rows) if core_rows else ""
    solve = sched["solve"]
    img = (
        ""
        if chart_png is None
        else f'<img alt="build-out charts" style="max-width:100%" src="{data_uri(chart_png)}">'
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in sched.get("notes", []))
    body = (
        f"<p>{sched['first_year']}–{sched['last_year']}, money in {html.escape(sched['money'])}; "
        f"carry-over {'on' if sched['carry_over'] else 'off'}, discount rate "
        f"{sched['discount_rate']:.1%}. Multi-period MILP: {html.escape(str(solve['status']))}, gap "
        f"{gap_pct(solve['gap'])}, {solve['solve_s']:.1f} s. Verification (every year "
        f"recomputed from the build decisions): {'passed' if sched['verification']['ok'] else 'FAILED'}."
        f"</p>{img}<h3>Life-cycle totals</h3>{_totals_table(sched['lifecycle_totals'])}"
        f"<h3>Milestones</h3>{miles}<h3>Year by year</h3>{year_table}"
        f"<h3>Each year's bill (M USD; every rule in schedule.csv)</h3>{bill_table}"
        f"<h3>Cumulative split in the core of what was built so far (else: who would object)</h3>"
        f"{core_table}<ul>{notes}</ul>"
    )
    return ReportSection(title="Build-out year by year", html=body)


def schedule_xlsx(
    frame: pd.DataFrame, builds: pd.DataFrame, totals: dict[str, Any], *, note: str = ""
) -> bytes:
    """``schedule.xlsx``: sheets ``schedule`` (one row per year), ``builds`` and ``lifecycle``."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ImportError as exc:
        raise MissingDependencyError("XLSX output needs openpyxl: pip install 'openpyxl>=3.1'") from exc
    wb = Workbook()
    sheets = [
        ("schedule", frame),
        ("builds", builds),
        (
            "lifecycle",
            pd.DataFrame(
                {
                    "category": list(totals["constant_musd"]),
                    "constant_musd": list(totals["constant_musd"].values()),
                    "nominal_musd": list(totals["nominal_musd"].values()),
                }
            ),
        ),
    ]
    for k, (name, df) in enumerate(sheets):
        ws = wb.active if k == 0 else wb.create_sheet(name)
        ws.title = name
        ws.append([str(c) for c in df.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for values in df.itertuples(index=False):
            ws.append(
                [
                    None
                    if (isinstance(v, float) and np.isnan(v))
                    else (v if isinstance(v, int | float | str | bool) else str(v))
                    for v in values
                ]
            )
        for cell in ws[1]:
            ws.column_dimensions[cell.column_letter].width = max(10, min(40, len(str(cell.value)) + 2))
        ws.freeze_panes = "B2"
    about = wb.create_sheet("about")
    for line in (note, f"Money: constant M USD of {totals['base_year']} unless 'nominal'."):
        if line:
            about.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
