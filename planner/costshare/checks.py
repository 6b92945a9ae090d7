"""The checks a partner reads first: bills above its cap, worse off than alone, nothing defended.

Each check is recomputed from the cost-sharing result (bills, caps, the "alone" values of the
benefit game) and written to ``summary.json["cost_sharing"]["checks"]``; the report turns them into
flagged cells and one sentence each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.costshare.bills import CostShareResult

REL_TOL = 1e-6
"""Relative tolerance of every comparison (bills are sums of solver values)."""


def _above(a: float, b: float) -> bool:
    return a > b + REL_TOL * max(1.0, abs(b))


@dataclass(frozen=True)
class OverCap:
    """A partner's bill under a rule that exceeds its budget cap."""

    partner: str
    rule: str
    amount_musd: float
    cap_musd: float


@dataclass(frozen=True)
class WorseThanAlone:
    """A partner that the shared plan defends less than it would defend itself alone."""

    partner: str
    defended_in_plan: float
    defended_alone: float


@dataclass(frozen=True)
class NothingDefended:
    """A partner with no defended weight in the plan, yet billed under the rules."""

    partner: str
    bills_musd: dict[str, float]


@dataclass(frozen=True)
class PartnerChecks:
    """Every flag of the cost-sharing stage.

    Attributes
    ----------
    over_cap
        Bills above the billed partner's cap, by rule (the joint plan's cash included).
    rules_within_caps
        Rules whose every bill is within every cap, in rule order.
    caps_total_musd
        Sum of the caps (``None`` when a partner has none).
    bill_musd
        The bill shared (the plan's cost).
    worse_than_alone
        Partners defended less in the plan than alone.
    nothing_defended
        Partners with nothing defended in the plan.
    """

    over_cap: tuple[OverCap, ...]
    rules_within_caps: tuple[str, ...]
    caps_total_musd: float | None
    bill_musd: float
    worse_than_alone: tuple[WorseThanAlone, ...]
    nothing_defended: tuple[NothingDefended, ...]

    @property
    def bill_exceeds_caps(self) -> bool:
        """Whether the bill exceeds the sum of all caps: no split can then respect every cap."""
        return self.caps_total_musd is not None and _above(self.bill_musd, self.caps_total_musd)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (``summary.json["cost_sharing"]["checks"]``)."""
        return {
            "over_cap": [vars(o) for o in self.over_cap],
            "rules_within_caps": list(self.rules_within_caps),
            "caps_total_musd": self.caps_total_musd,
            "bill_musd": self.bill_musd,
            "bill_exceeds_caps": self.bill_exceeds_caps,
            "worse_than_alone": [vars(w) for w in self.worse_than_alone],
            "nothing_defended": [{"partner": n.partner, "bills_musd": n.bills_musd}
                                 for n in self.nothing_defended],
        }


def partner_checks(result: CostShareResult) -> PartnerChecks:
    """Recompute every flag from a cost-sharing result."""
    caps = {f.iso_a3: f.budget_cap_musd for f in result.facts}
    over: list[OverCap] = []
    within: list[str] = []
    billed = dict(result.allocations)
    joint = result.joint
    if joint is not None and joint.contributions is not None:
        # The joint plan promises cash within each cap: its cash is what is checked.
        billed[f"joint_plan_{joint.rule}"] = {p: float(joint.cash[k]) for k, p in enumerate(result.players)}
    for rule, amounts in billed.items():
        bad = [OverCap(p, rule, float(a), float(cap)) for p, a in amounts.items()
               if (cap := caps.get(p)) is not None and _above(float(a), float(cap))]
        over += bad
        if not bad and any(c is not None for c in caps.values()):
            within.append(rule)
    known = [c for c in caps.values() if c is not None]
    caps_total = float(sum(known)) if len(known) == len(caps) else None
    worse: list[WorseThanAlone] = []
    for row in result.whatif.itertuples(index=False):
        alone = row.defended_alone
        if alone is not None and not math.isnan(alone) and _above(float(alone), float(row.defended_in_plan)):
            worse.append(WorseThanAlone(str(row.partner), float(row.defended_in_plan), float(alone)))
    nothing = tuple(
        NothingDefended(p, {r: float(a[p]) for r, a in result.allocations.items()})
        for k, p in enumerate(result.players) if float(result.defended[k]) <= 0.0
    )
    return PartnerChecks(tuple(over), tuple(within), caps_total, float(result.bill_musd), tuple(worse),
                         nothing)
