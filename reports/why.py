"""The "Why each site" table: per chosen site, where it is, what it defends, what losing it costs."""

from __future__ import annotations

import pandas as pd

from reports.bundle import PlanBundle
from reports.fmt import MISSING, num
from reports.html import Cell, Table, weight_unit


def why_table(bundle: PlanBundle) -> Table | None:
    """Return the table, largest marginal value first, or ``None`` without ``bundle.site_facts``."""
    facts = bundle.site_facts
    if facts is None or len(facts) == 0:
        return None
    unit = weight_unit(bundle.summary)
    sites = pd.DataFrame(bundle.sites.drop(columns="geometry"))
    f = facts.merge(sites[["site_id", "asset_type", "partner"]], on="site_id", how="left")
    f = f.sort_values(["marginal_weight", "site_id"], ascending=[False, True], kind="stable")
    table = Table(
        ["Site", "Asset type", "Near", f"Lost without it ({unit})", "Points", "Defended points it covers"],
        ["l", "l", "l", "r", "r", "l"],
        note="Near: the nearest Natural Earth populated place and its great-circle distance. A marginal "
        "value of 0 means other chosen sites cover everything this one does (it adds redundancy).",
    )
    for r in f.itertuples(index=False):
        near = f"{r.nearest_place}, {num(r.nearest_place_km)} km" if r.nearest_place else MISSING
        table.rows.append([
            Cell(str(r.site_id), "code"), Cell(str(r.asset_type)), Cell(near),
            Cell(num(r.marginal_weight)), Cell(num(r.n_points)), Cell(str(r.points) or MISSING),
        ])  # fmt: skip
    return table
