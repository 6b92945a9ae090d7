"""The flags a partner reads first, as sentences: bills above caps, worse off than alone, nothing defended.

Input is ``summary.json["cost_sharing"]["checks"]`` (computed by the planner); this module only words
it. Each :class:`Flag` has a CSS class: ``bad`` (a promise broken), ``warn`` (a fact to weigh),
``ok`` (a check that passed, said so that silence is never mistaken for a pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reports.fmt import musd, num


@dataclass(frozen=True)
class Flag:
    """One sentence of the checks list."""

    text: str
    cls: str = "bad"


def rule_label(rule: str) -> str:
    """Human label of a cost-sharing rule (``joint_plan_benefit`` -> ``joint plan (benefit)``)."""
    if rule.startswith("joint_plan_"):
        return f"joint plan ({rule.removeprefix('joint_plan_')} rule, cash)"
    return rule


def over_cap_cells(checks: dict[str, Any] | None) -> dict[tuple[str, str], float]:
    """``(rule, partner) -> cap`` for every bill above its partner's cap."""
    if not checks:
        return {}
    return {(o["rule"], o["partner"]): o["cap_musd"] for o in checks.get("over_cap", [])}


def worse_partners(checks: dict[str, Any] | None) -> set[str]:
    """Partners defended less in the plan than alone."""
    return {w["partner"] for w in (checks or {}).get("worse_than_alone", [])}


def partner_flags(checks: dict[str, Any] | None, unit: str = "people") -> list[Flag]:
    """The checks as sentences, most serious first (empty without cost sharing)."""
    if not checks:
        return []
    flags: list[Flag] = []
    by_partner: dict[str, list[dict[str, Any]]] = {}
    for o in checks.get("over_cap", []):
        by_partner.setdefault(o["partner"], []).append(o)
    within = [rule_label(r) for r in checks.get("rules_within_caps", [])]
    respect = (f" Rules whose every bill is within every cap: {', '.join(within)}." if within else
               " No rule here keeps every bill within every cap; a joint plan "
               "(cost_sharing.joint_plan) chooses the plan and the split with the caps as constraints.")
    if checks.get("bill_exceeds_caps"):
        flags.append(Flag(
            f"The plan costs {musd(checks['bill_musd'])} M USD, more than the "
            f"{musd(checks['caps_total_musd'])} M USD all partners' caps add up to: no split can keep "
            "every partner within its cap."))
    for partner, rows in by_partner.items():
        cap = rows[0]["cap_musd"]
        bills = "; ".join(f"{rule_label(o['rule'])} {musd(o['amount_musd'])}" for o in rows)
        flags.append(Flag(f"{partner}'s bill exceeds its cap of {musd(cap)} M USD under "
                          f"{len(rows)} rule{'s' if len(rows) > 1 else ''}: {bills} M USD.{respect}"))
    for w in checks.get("worse_than_alone", []):
        flags.append(Flag(
            f"{w['partner']} is defended less in the shared plan than it would defend alone: "
            f"{num(w['defended_in_plan'])} vs {num(w['defended_alone'])} {unit} "
            f"({num(w['defended_alone'] - w['defended_in_plan'])} fewer)."))
    for n in checks.get("nothing_defended", []):
        by_rule = n.get("bills_musd") or {}
        billed = "; ".join(f"{r} {musd(a)}" for r, a in by_rule.items() if a > 0)
        flags.append(Flag(
            f"{n['partner']} has nothing defended in the plan"
            + (f", yet is billed {billed} M USD." if billed else "."), "warn"))
    if not flags:
        flags.append(Flag("No bill exceeds a cap, every partner is defended at least as well as alone, "
                          "and every partner has something defended.", "ok"))
    return flags


def flag_summary(checks: dict[str, Any] | None) -> list[Flag]:
    """One line per kind of flag, naming the partners (the headline; details in "Cost sharing")."""
    if not checks:
        return []
    out: list[Flag] = []
    over = list(dict.fromkeys(o["partner"] for o in checks.get("over_cap", [])))
    if checks.get("bill_exceeds_caps"):
        out.append(Flag(f"The plan costs {musd(checks['bill_musd'])} M USD, more than all caps together "
                        f"({musd(checks['caps_total_musd'])} M USD)."))
    if over:
        out.append(Flag(f"Bill above the partner's cap under some rule: {', '.join(over)}."))
    worse = [w["partner"] for w in checks.get("worse_than_alone", [])]
    if worse:
        out.append(Flag(f"Defended less in the shared plan than alone: {', '.join(worse)}."))
    nothing = [n["partner"] for n in checks.get("nothing_defended", [])]
    if nothing:
        out.append(Flag(f"Nothing defended, yet billed: {', '.join(nothing)}.", "warn"))
    if not out:
        out.append(Flag("No bill above a cap; every partner defended at least as well as alone.", "ok"))
    return out
