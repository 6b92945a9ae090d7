"""The cost-share section of the report: every partner's bill under every rule, and why.

Input is made by the planner (:class:`reports.summary.CostShareFigures` and three frames), so
the reports never compute a share: they explain and draw. The section holds the partners' data
with sources, the bills (partner × rule), what each rule means and why it is fair, the core
verdict with the coalition that would object, the "without partner X" what-ifs as a table and a
chart (PNG embedded as base64), and the joint plan chosen with the split in mind.

Length: the cost-sharing section has many small tables (bills, checks, core, what-ifs, joint plan)
rendered from one typed input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reports.bundle import ReportSection
from reports.flags import over_cap_cells, partner_flags, worse_partners
from reports.fmt import as_float, musd, num, pct
from reports.html import Cell, _env, table_markup
from reports.html_parts import data_uri, png_bytes
from reports.summary import CoreVerdict, CostShareFigures

RULE_TEXT: dict[str, tuple[str, str, str]] = {
    "equal": (
        "Equal",
        "Every partner pays the same amount.",
        "Treats partners as equals, whatever their size or benefit.",
    ),
    "gdp": (
        "GDP",
        "In proportion to national income (GDP); with a cap, no partner pays more than "
        "the capped share and the excess is spread over the others by GDP, as NATO caps its "
        "common-funding formula.",
        "Ability to pay: richer partners carry more, as in alliance common funding.",
    ),
    "population": ("Population", "In proportion to population.", "Every person counts the same."),
    "benefit": (
        "Benefit",
        "In proportion to the weight (people) the plan defends on each partner's territory.",
        "Who benefits pays: every partner pays the same price per defended person.",
    ),
    "standalone": (
        "Stand-alone cost",
        "In proportion to what each partner would pay alone to get the coverage the plan gives it.",
        "Scales the bill to each partner's own needs, not to who joined first.",
    ),
    "shapley": (
        "Shapley value",
        "Each partner's extra cost when it joins, averaged over every "
        "order in which the partners could join.",
        "The one rule that is efficient, symmetric, charges nothing to a partner that adds "
        "no cost and adds up across projects (Shapley 1953).",
    ),
    "nucleolus": (
        "Nucleolus",
        "The split that makes the most aggrieved group of partners as "
        "well off as possible, then the next, and so on.",
        "Minimises the largest complaint; it lies in the core whenever the core is "
        "non-empty (Schmeidler 1969).",
    ),
    "scrb": (
        "SCRB",
        "Separable costs, remaining benefits: each pays the cost its joining adds, "
        "and the remaining joint cost in proportion to what it saves by not going alone.",
        "The method water-resource agencies have long used for multi-purpose projects.",
    ),
}
"""Rule name -> (label, what it does, why it is fair), in plain words."""


def _label(rule: str) -> str:
    if rule.startswith("joint_plan_"):
        return f"Joint plan ({_label(rule.removeprefix('joint_plan_'))} rule)"
    return RULE_TEXT.get(rule, (rule, "", ""))[0]


def bills_table(alloc: pd.DataFrame, rules: list[str], checks: dict[str, Any] | None = None) -> Markup:
    """Partner × rule table of amounts (M USD) and shares; bills above the partner's cap flagged."""
    partners = list(dict.fromkeys(alloc["partner"]))
    over = over_cap_cells(checks)
    rows = []
    for p in partners:
        row = [Cell(p)]
        for r in rules:
            a = alloc[(alloc["rule"] == r) & (alloc["partner"] == p)]
            if not len(a):
                row.append(Cell("\u2014"))
                continue
            text = f"{musd(a['amount_musd'].iloc[0])} ({pct(a['share'].iloc[0], 0)})"
            cap = over.get((r, p))
            row.append(
                Cell(text, "flag", f"above the cap of {musd(cap)} M USD") if cap is not None else Cell(text)
            )
        rows.append(row)
    note = "M USD (share of the bill). allocations.csv and allocations.xlsx hold every figure."
    if over:
        note += " \u25b2 marks a bill above the partner's budget cap."
    return table_markup(["partner"] + [_label(r) for r in rules], ["l"] + ["r"] * len(rules), rows, note)


def per_person_table(alloc: pd.DataFrame, rules: list[str], per: str) -> Markup:
    """Partner × rule table of the price per defended person, and cash due after in-kind credit."""
    partners = list(dict.fromkeys(alloc["partner"]))
    in_kind = alloc.groupby("partner")["in_kind_credit_musd"].first()
    show_cash = bool((in_kind.abs() > 0).any())
    rows = []
    for p in partners:
        row = [Cell(p)]
        for r in rules:
            a = alloc[(alloc["rule"] == r) & (alloc["partner"] == p)]
            text = "\u2014"
            if len(a):
                text = f"{num(a[per].iloc[0], 1)}"
                if show_cash:
                    text += f" / {musd(a['cash_due_musd'].iloc[0])}"
            row.append(Cell(text))
        rows.append(row)
    what = "USD per defended person" if per.endswith("person") else "USD per unit of defended weight"
    note = what + (" / cash due in M USD after the in-kind credit for hosted sites." if show_cash else ".")
    return table_markup(["partner"] + [_label(r) for r in rules], ["l"] + ["r"] * len(rules), rows, note)


def _core_sentence(chk: CoreVerdict | None) -> tuple[str, str]:
    if chk is None:
        return "not checked", ""
    if chk.in_core:
        margin = -float(chk.max_violation or 0.0)
        if margin < 0.05:  # zero at the precision shown
            return (
                "in the core",
                "no group of partners would pay less alone; some group pays exactly its stand-alone cost",
            )
        return "in the core", f"every group pays at least {musd(margin)} M USD less than alone"
    who = chk.blocking_coalition or ()
    excess = as_float(chk.max_violation) or 0.0
    return "outside the core", (
        f"{'+'.join(who)} would pay {musd(excess)} M USD less on its own" if who else "not efficient"
    )


def rules_table(core: Mapping[str, CoreVerdict], rules: list[str]) -> Markup:
    """One row per rule: what it does, why it is fair, and its core verdict."""
    rows = []
    for r in rules:
        label, what, why = RULE_TEXT.get(r, (r, "", ""))
        verdict, detail = _core_sentence(core.get(r))
        cls = "ok" if verdict == "in the core" else ("bad" if verdict == "outside the core" else "muted")
        rows.append([Cell(label), Cell(what), Cell(why), Cell(verdict, cls), Cell(detail)])
    return table_markup(["rule", "what it does", "why it is fair", "core", "detail"], ["l"] * 5, rows)


EPS_ZERO_MUSD = 0.05
"""|ε*| below this (M USD, half the last digit shown) is written as zero."""


def core_verdict(least_core_epsilon: float | None, core_empty: bool | None) -> Markup:
    """The core in one paragraph: empty or not, and the least-core epsilon (zero said in words)."""
    eps = as_float(least_core_epsilon)
    if eps is None:
        return Markup("The core was not checked (too many partners for every coalition to be solved).")
    if abs(eps) < EPS_ZERO_MUSD:
        return Markup(
            "The core is <b>non-empty but has no slack</b> (least-core ε* = 0): splits exist under "
            "which no group of partners would pay more than on its own, but in every one of them some "
            "group pays exactly its stand-alone cost; a saving for one group is an overcharge for another."
        )
    if core_empty:
        return Markup(
            f"The core is <b>empty</b>: whatever the split, some group of partners would pay "
            f"less on its own. The least-core ε* = {musd(eps)} M USD is the smallest extra any "
            "split must ask of some group."
        )
    return Markup(
        f"The core is <b>non-empty</b>: splits exist under which no group of partners would "
        f"pay less on its own. Least-core ε* = {musd(eps)} M USD: every group can be charged at "
        f"least {musd(-eps)} M USD below its stand-alone cost."
    )


def whatif_chart(whatif: pd.DataFrame, weight_label: str = "people") -> bytes:
    """Two bar panels per partner: defended weight it adds, and cost it adds (PNG bytes)."""
    fig = Figure(figsize=(9.0, 3.2), dpi=110)
    FigureCanvasAgg(fig)
    parts = whatif["partner"].tolist()
    ax1, ax2 = fig.subplots(1, 2)
    big = whatif["value_added"].abs().max() >= 1e6
    scale, unit = (1e6, f"M {weight_label}") if big else (1.0, weight_label)
    ax1.bar(parts, whatif["value_added"] / scale, color="#2e8b57")
    ax1.set_title(f"Defended weight the network loses without the partner ({unit})", fontsize=8.5)
    ax2.bar(parts, whatif["cost_added_musd"], color="#1f5fa8")
    ax2.set_title("Cost its coverage adds to the others' (M USD)", fontsize=8.5)
    for ax in (ax1, ax2):
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)


def whatif_table(whatif: pd.DataFrame, checks: dict[str, Any] | None = None) -> Markup:
    """Without each partner: what the others defend alone, what it adds, what its coverage costs.

    A partner defended less in the plan than alone has its two "defended" cells flagged.
    """
    rows = []
    worse = worse_partners(checks)
    for r in whatif.itertuples(index=False):
        flag = "flag" if r.partner in worse else ""
        why = "defended less in the plan than alone" if flag else ""
        rows.append(
            [
                Cell(r.partner, flag),
                Cell(num(r.defended_in_plan), flag, why),
                Cell(num(r.defended_alone), flag, why),
                Cell(num(r.others_defend_without)),
                Cell(num(r.value_added)),
                Cell(
                    num(r.value_shapley)
                    if r.value_shapley is not None
                    and not (isinstance(r.value_shapley, float) and math.isnan(r.value_shapley))
                    else "\u2014"
                ),
                Cell(musd(r.others_cost_without_musd)),
                Cell(musd(r.cost_added_musd)),
            ]
        )
    return table_markup(
        [
            "partner",
            "defended in plan",
            "defended alone",
            "others defend without it",
            "value it adds",
            "Shapley (coverage)",
            "others' cost without it",
            "cost it adds",
        ],
        ["l"] + ["r"] * 7,
        rows,
        ("\u25b2 marks a partner defended less in the plan than alone. " if worse else "")
        + "Alone, a group defends only its own points with its pooled budget (capped by the "
        "network budget) and only sites on its territory, at sea or in space. Costs are the "
        "least cost of giving the group the coverage the plan gives it.",
    )


def coalitions_table(coalitions: pd.DataFrame, limit: int = 64) -> Markup:
    """Every coalition's stand-alone coverage and the least cost of its grand-plan coverage."""
    rows = []
    for r in coalitions.head(limit).itertuples(index=False):
        rows.append(
            [
                Cell(r.coalition),
                Cell(musd(r.pooled_budget_musd)),
                Cell(num(r.defended_alone)),
                Cell(musd(r.cost_of_plan_coverage_musd)),
                Cell(str(r.value_status or "")),
                Cell(str(r.cost_status or "")),
            ]
        )
    note = f"First {limit} of {len(coalitions)} coalitions." if len(coalitions) > limit else ""
    return table_markup(
        [
            "coalition",
            "pooled budget",
            "v(S): defended alone",
            "c(S): cost of plan coverage",
            "v status",
            "c status",
        ],
        ["l", "r", "r", "r", "l", "l"],
        rows,
        note,
    )


def joint_block(joint: dict[str, Any] | None) -> dict[str, Any] | None:
    """View model of the joint plan."""
    if not joint:
        return None
    rule = _label(joint.get("rule", ""))
    rows = []
    for p in joint.get("partners", []):
        rows.append(
            [
                Cell(p["partner"]),
                Cell(musd(p["contribution_musd"])),
                Cell(musd(p["rule_amount_musd"])),
                Cell(musd(p["in_kind_musd"])),
                Cell(musd(p["cash_musd"])),
                Cell(musd(p["cap_musd"]) if p["cap_musd"] else "none"),
                Cell(num(p["defended_weight"])),
                Cell(num(p["defended_alone"])),
            ]
        )
    table = table_markup(
        [
            "partner",
            "contribution",
            "rule amount",
            "in kind",
            "cash",
            "cash cap",
            "defended",
            "defended alone",
        ],
        ["l"] + ["r"] * 7,
        rows,
        f"M USD. Contributions within ±{pct(joint.get('tolerance'), 0)} of the {rule} "
        "amount (plus rounding, if any), cash within each cap.",
    )
    short = (joint.get("without_conditions") or {}).get("shortfalls") or {}
    return {
        "rule": rule,
        "status": joint.get("status", ""),
        "has_plan": joint.get("defended_weight") is not None,
        "defended": num(joint.get("defended_weight")),
        "grand": num(joint.get("grand_plan_defended_weight")),
        "cost": musd(joint.get("cost_musd")),
        "budget": musd(joint.get("budget_musd")),
        "conditions": joint.get("conditions", []),
        "verified": joint.get("verified"),
        "n_checks": len(joint.get("checks", [])),
        "table": table,
        "shortfalls": [f"{k}: {num(v)} short" for k, v in short.items()],
        "price_check": joint.get("price_check"),
    }


def costshare_section(
    figures: CostShareFigures,
    allocations: pd.DataFrame,
    whatif: pd.DataFrame,
    coalitions: pd.DataFrame,
    *,
    weight_label: str = "people",
) -> ReportSection:
    """Return the "Cost sharing" section of ``report.html``.

    Parameters
    ----------
    figures
        Partners (with data sources), bill, core verdicts by rule, least-core epsilon, partner
        checks, joint plan, notes.
    allocations
        Long table, one row per rule and partner (``rule``, ``partner``, ``amount_musd``,
        ``share``, ``in_kind_credit_musd``, ``cash_due_musd``, ``defended_weight``,
        ``usd_per_defended_person`` or ``usd_per_defended_weight``).
    whatif
        One row per partner (see :func:`whatif_table`).
    coalitions
        One row per coalition (see :func:`coalitions_table`).
    weight_label
        ``"people"`` when weights are populations.
    """
    rules = [r for r in dict.fromkeys(allocations["rule"]) if not str(r).startswith("joint_plan_")]
    per = "usd_per_defended_person" if "usd_per_defended_person" in allocations else "usd_per_defended_weight"
    partners = []
    for f in figures.partners:
        cap = f.budget_cap_musd
        partners.append(
            [
                Cell(f.iso_a3),
                Cell(f.name),
                Cell(num(f.population)),
                Cell(f.population_source),
                Cell(musd(f.gdp_musd)),
                Cell(f.gdp_source),
                Cell(musd(cap) if cap is not None else "none"),
            ]
        )
    png = whatif_chart(whatif, weight_label) if len(whatif) else None
    checks = None if figures.checks is None else dict(figures.checks)
    context = {
        "bill": musd(figures.bill_musd),
        "min_cost": musd(figures.min_cost_musd),
        "n": len(figures.partners),
        "partners_table": table_markup(
            ["partner", "name", "population", "source", "GDP (M USD)", "source", "budget cap (M USD)"],
            ["l", "l", "r", "l", "r", "l", "r"],
            partners,
        ),
        "flags": partner_flags(checks, weight_label),
        "bills": bills_table(allocations, rules, checks),
        "per_person": per_person_table(allocations, rules, per),
        "rules": rules_table(figures.core, rules),
        "core": core_verdict(figures.least_core_epsilon, figures.core_empty),
        "whatif": whatif_table(whatif, checks) if len(whatif) else Markup(""),
        "chart": data_uri(png),
        "coalitions": coalitions_table(coalitions) if len(coalitions) else Markup(""),
        "joint": joint_block(None if figures.joint_plan is None else dict(figures.joint_plan)),
        "notes": list(figures.notes),
    }
    html = _env().get_template("costshare.html.j2").render(**context)
    return ReportSection(title="Cost sharing", html=html)
