"""Pipeline stage: an adversary who reads the plan (worst-case raids, losses of assets, robust plans).

Scenario ``adversary`` + the engagement stage's outcome (its kill chain, design raid and plan)
──every track to the attacker's targets──▶ :class:`~models.adversary.AdversaryInstance`
──models.adversary──▶ :class:`AdversaryOutcome` (``summary.json["adversary"]``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.adversary import (
    AdversaryInstance,
    DefencePlan,
    Raid,
    fortified_plan,
    interdiction_table,
    robust_plan,
    worst_case_raid,
)
from models.adversary.adapter import from_engagement, plan_from_engagement
from models.adversary.engagement import Scenario as Loss
from models.adversary.engagement import value_lost
from planner.problem.build import CoverageProblem
from planner.scenario.schema import Scenario


@dataclass(frozen=True)
class PlanFigures:
    """A plan and what it loses: to the design raid, and to the worst raid of size ``raid_size``."""

    sites: tuple[str, ...]
    sensors: tuple[str, ...]
    rounds: int
    cost_musd: float
    expected_value_lost: float
    worst_case_value_lost: float
    worst_case_laydown: dict[str, dict[str, int]]
    raid_size: int
    gap: float
    iterations: int
    time_s: float

    def to_json(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class WorstCase:
    """The worst raid of one size against the chosen plan."""

    raid_size: int
    value_lost: float
    laydown: dict[str, dict[str, int]]
    gap: float
    iterations: int
    time_s: float

    def to_json(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class LossRow:
    """The worst loss of ``k`` assets: which, and the design raid's damage after it."""

    k: int
    assets: tuple[str, ...]
    value_lost: float

    def to_json(self) -> dict[str, Any]:
        """JSON-ready row."""
        return {"k": self.k, "assets": list(self.assets), "value_lost": self.value_lost}


@dataclass(frozen=True)
class AdversaryOutcome:
    """``summary.json["adversary"]``: the chosen plan read by an attacker, and plans that hold up."""

    design_raid_size: int
    design_value_lost: float
    worst_cases: tuple[WorstCase, ...]
    nominal: PlanFigures
    robust: PlanFigures | None
    interdiction: tuple[LossRow, ...]
    fortified: dict[str, Any] | None
    n_classes: int
    n_targets: int
    time_s: float

    def to_json(self) -> dict[str, Any]:
        """The summary block (first raid size at the top level; every size in ``by_raid_size``)."""
        first = self.worst_cases[0]
        price = None
        if self.robust is not None:
            price = {
                "value_lost": self.robust.expected_value_lost - self.nominal.expected_value_lost,
                "cost_musd": self.robust.cost_musd - self.nominal.cost_musd,
                "worst_case_saved": self.nominal.worst_case_value_lost - self.robust.worst_case_value_lost,
            }
        return {
            "raid_size": first.raid_size,
            "design_raid_size": self.design_raid_size,
            "design_raid_value_lost": self.design_value_lost,
            "worst_case_value_lost": first.value_lost,
            "worst_case_laydown": first.laydown,
            "worst_case_gap": first.gap,
            "by_raid_size": [w.to_json() for w in self.worst_cases],
            "nominal_plan": self.nominal.to_json(),
            "robust_plan": self.robust.to_json() if self.robust is not None else None,
            "price_of_robustness": price,
            "interdiction": [r.to_json() for r in self.interdiction],
            "fortified_plan": self.fortified,
            "attacker": {"threat_classes": self.n_classes, "targets": self.n_targets},
            "value_unit": "target weight",
            "time_s": self.time_s,
        }


def _targets(problem: CoverageProblem, design_targets: np.ndarray, top: int | None) -> np.ndarray:
    weight = problem.demand["weight"].to_numpy(float)
    order = np.argsort(-weight, kind="stable")
    keep = order if top is None else order[:top]
    return np.union1d(keep, design_targets).astype(np.int64)


def adversary_instance(
    scenario: Scenario, problem: CoverageProblem, assets: Any, geometry: Any, design_threats: Any
) -> tuple[AdversaryInstance, Raid, np.ndarray, np.ndarray]:
    """Every track to the attacker's targets through the kill chain, and the design raid.

    ``assets`` and ``geometry`` are the engagement stage's kill chain
    (:func:`planner.run.engagement.chain_assets`, :func:`~planner.run.engagement.chain_geometry`),
    ``design_threats`` its design raid. Sites and sensors that can fire at none of the
    attacker's classes are left out (exact); returns the instance, the design raid over its
    classes, and the kept sites and sensors (indices into the engagement instance's).
    """
    from planner.run.engagement import Raid as Threats
    from planner.run.engagement import build_instance

    spec = scenario.adversary
    assert spec is not None  # this stage runs only when the scenario has an adversary block
    tracks = problem.tracks
    weight = problem.demand["weight"].to_numpy(float)
    targets = _targets(problem, design_threats.target, spec.targets)
    n_t = tracks.n_targets
    sel = np.flatnonzero(np.isin(np.arange(len(tracks.area)) % n_t, targets))
    every = Threats(sel, tracks.area[sel], sel % n_t, weight[sel % n_t])
    inst = build_instance(scenario, problem, assets, geometry, every)
    names = tuple(tracks.area_names)
    sizes = spec.raid_sizes or (design_threats.size,)
    inventory = np.full(len(names), max(sizes))
    for area, n in (spec.inventory or {}).items():
        inventory[names.index(area)] = n  # names checked by the schema
    ids = problem.demand["name"].astype(str).to_numpy() if "name" in problem.demand else \
        problem.demand["demand_id"].astype(str).to_numpy()  # fmt: skip
    adv, cls = from_engagement(inst, names, tuple(ids), inventory)
    pos = np.full(len(tracks.area), -1)
    pos[sel] = np.arange(len(sel))
    design = Raid(np.bincount(cls[pos[design_threats.track]], minlength=adv.n_classes))
    adv, sites, sensors = adv.relevant()
    return adv, design, sites, sensors


def _figures(inst: AdversaryInstance, plan: DefencePlan, design: Raid, worst: Any) -> PlanFigures:
    return PlanFigures(
        sites=tuple(inst.site_ids[j] for j in np.flatnonzero(plan.sites)),
        sensors=tuple(inst.sensor_ids[k] for k in np.flatnonzero(plan.sensors)),
        rounds=int(plan.rounds.sum()), cost_musd=plan.cost(inst),
        expected_value_lost=value_lost(inst, plan, Loss(design)).value_lost,
        worst_case_value_lost=worst.value_lost, worst_case_laydown=worst.raid.laydown(inst),
        raid_size=worst.raid.size, gap=worst.gap, iterations=worst.iterations,
        time_s=round(worst.time_s, 3),
    )  # fmt: skip


def run_adversary(scenario: Scenario, problem: CoverageProblem, outcome: Any,
                  say: Callable[[str], None] = lambda _m: None) -> AdversaryOutcome:  # fmt: skip
    """Read the engagement plan as an attacker would; find the robust and fortified plans."""
    t0 = time.perf_counter()
    spec = scenario.adversary
    assert spec is not None  # this stage runs only when the scenario has an adversary block
    say("Adversary: threat classes through the kill chain")
    inst, design, sites, sensors = adversary_instance(scenario, problem, outcome.assets, outcome.geometry,
                                                      outcome.raid)  # fmt: skip
    full = plan_from_engagement(outcome.plan)
    chosen = DefencePlan(full.sites[sites], full.rounds[sites], full.sensors[sensors])
    sizes = spec.raid_sizes or (design.size,)
    worst, solved = [], []
    for n in sizes:
        say(f"Adversary: worst-case raid of {n} against the plan")
        w = worst_case_raid(inst, chosen, n)
        solved.append(w)
        laydown = w.raid.laydown(inst)
        worst.append(WorstCase(n, w.value_lost, laydown, w.gap, w.iterations, round(w.time_s, 3)))
    first = solved[0]
    nominal = _figures(inst, chosen, design, first)
    robust = None
    if spec.robust_plan:
        say(f"Adversary: min-max plan against {sizes[0]} missiles")
        r = robust_plan(inst, sizes[0], design=design, start=[first.raid], incumbent=(chosen, first),
                        max_iterations=spec.max_iterations,
                        time_limit_s=spec.time_limit_s)  # fmt: skip
        fig = _figures(inst, r.plan, design, r.worst)
        robust = PlanFigures(**{**fig.__dict__, "gap": r.gap, "iterations": r.iterations,
                                "time_s": round(r.time_s, 3)})  # fmt: skip
    rows: tuple[LossRow, ...] = ()
    table = []
    if spec.k_losses_max:
        say(f"Adversary: worst loss of 1 to {spec.k_losses_max} assets")
        table = interdiction_table(inst, chosen, design, spec.k_losses_max)
        rows = tuple(LossRow(t.k, tuple(t.assets(inst)), t.value_lost) for t in table)
    fort = None
    if spec.fortify_k:
        say(f"Adversary: plan best under any {spec.fortify_k} losses")
        known = [t for t in table if t.k == spec.fortify_k and t.gap <= 1e-6] if spec.k_losses_max else []
        f = fortified_plan(inst, design, spec.fortify_k, max_iterations=spec.max_iterations,
                           time_limit_s=spec.time_limit_s,
                           incumbent=(chosen, known[0]) if known else None)  # fmt: skip
        fort = {"k": f.k, "sites": [inst.site_ids[j] for j in np.flatnonzero(f.plan.sites)],
                "sensors": [inst.sensor_ids[k] for k in np.flatnonzero(f.plan.sensors)],
                "cost_musd": f.plan.cost(inst), "value_lost_after_losses": f.worst.value_lost,
                "assets_lost": f.worst.assets(inst), "gap": f.gap, "iterations": f.iterations,
                "expected_value_lost": value_lost(inst, f.plan, Loss(design)).value_lost}  # fmt: skip
    return AdversaryOutcome(design.size, nominal.expected_value_lost, tuple(worst), nominal, robust, rows,
                            fort, inst.n_classes, len(set(inst.class_target.tolist())),
                            round(time.perf_counter() - t0, 3))  # fmt: skip
