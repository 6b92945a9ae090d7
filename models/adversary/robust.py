r"""The defender's min–max plan against a reading attacker, by column-and-constraint generation.

The three-level problem (defender plans, attacker reads the plan and lays down :math:`N`
missiles, defender fires at the raid it sees) is

.. math::

    \min_{P \in \mathcal P}\ \max_{m \in \mathcal M_N}\ \min_{b \in B(P)}\ L(b; m),

:math:`\mathcal P` the plans within budget and magazines. It is solved as Brown, Carlyle,
Salmerón and Wood solve defender–attacker–defender models (and Zeng and Zhao's
column-and-constraint generation): a **master** over plans that carries, for every raid
:math:`m^1, \dots, m^R` generated so far, its own copy of the shot variables
(:func:`models.adversary.engagement.engagement_model`):

.. math::

    \underline\theta_R = \min_{P,\ b^1 \dots b^R}\ \theta \quad \text{s.t. }
    \theta \ge L(b^r; m^r),\ b^r \in B(P)\ \ (r = 1 \dots R),

and a **subproblem**, the worst-case raid against the master's plan
(:func:`models.adversary.raid.worst_case_raid`), whose laydown joins the master.

**Convergence.** The master sees only some raids, so :math:`\underline\theta_R` is a lower
bound on the min–max value, non-decreasing in :math:`R` (a time-limited master still gives its
proven bound). The subproblem is stopped as soon as it finds a raid losing more than the master's
value :math:`\theta_R` against the master's plan (a violated scenario: it is not in the master,
whose plan loses at most :math:`\theta_R` to every raid it carries), and that raid joins the
master. When no raid beats :math:`\theta_R`, the subproblem has proved the plan's worst case
:math:`\Phi(P_R) \le \theta_R`: an upper bound that meets the lower bound (the master solved to
optimality has :math:`\theta_R = \underline\theta_R`), and :math:`P_R` is a
proven min–max plan. Laydowns are finitely many and none joins twice, so the loop ends in finitely
many iterations. Stopped early (iterations or time), the best plan whose worst case was proven
(at least the incumbent, e.g. the nominal plan) is returned with the gap
:math:`(\bar\theta - \underline\theta)/\bar\theta`. Among plans with the min–max value a final
lexicographic solve picks the one losing least to the design raid (kept only if the subproblem
confirms its worst case).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from models.adversary.engagement import EXACT, Scenario, solve_engagement
from models.adversary.instance import AdversaryError, AdversaryInstance, DefencePlan, Raid
from models.adversary.raid import TOL, WorstRaid, worst_case_raid
from models.result import SolveOptions, relative_gap


@dataclass(frozen=True, eq=False)
class RobustPlan:
    """A min–max plan, its worst raid, and the decomposition's bounds."""

    plan: DefencePlan
    worst: WorstRaid
    lower_bound: float
    iterations: int
    time_s: float
    raids: tuple[Raid, ...]
    """The raids the master carried (the scenarios that shaped the plan)."""

    @property
    def upper_bound(self) -> float:
        """Worst-case value lost of the plan returned."""
        return self.worst.value_lost

    @property
    def gap(self) -> float:
        """Relative gap between the plan's worst case and the master's lower bound."""
        gap = relative_gap(self.upper_bound, self.lower_bound)
        return math.inf if gap is None else gap

    @property
    def proven(self) -> bool:
        """Whether the plan is a proven min–max plan (and its worst raid proven worst)."""
        return self.gap <= TOL and self.worst.proven


def nominal_plan(inst: AdversaryInstance, design: Raid) -> DefencePlan:
    """The plan that loses least expected value to the design raid (within budget)."""
    return solve_engagement(inst, [Scenario(design)]).plan


def robust_plan(
    inst: AdversaryInstance,
    n_missiles: int,
    *,
    design: Raid | None = None,
    start: list[Raid] | None = None,
    incumbent: tuple[DefencePlan, WorstRaid] | None = None,
    max_iterations: int = 50,
    time_limit_s: float | None = None,
) -> RobustPlan:
    """The plan minimising the worst-case expected value lost to ``n_missiles`` missiles.

    ``start`` seeds the master with raids (e.g. the worst raid against the nominal plan);
    ``incumbent`` is a plan with its proven worst raid (e.g. the nominal plan), the answer if
    nothing better is proven; ``design`` breaks ties among min–max plans by the loss to the
    design raid. With ``time_limit_s`` the masters are stopped at the limit; the plan returned
    is then the best found, its worst case exact, with the gap to the masters' proven bound.

    The subproblem need not be solved to the end while it finds a raid beating the master's
    value (that raid is a violated scenario, Zeng and Zhao's rule); it is solved to a proof only
    when no such raid exists, which then proves the plan optimal.
    """
    t0 = time.perf_counter()
    raids: list[Raid] = list(start or [])
    best: tuple[DefencePlan, WorstRaid] | None = incumbent
    keep = inst.undominated_sensors()  # no sensor is lost here: dominated ones never help
    lower, it = 0.0, 0
    while it < max_iterations:
        it += 1
        scen = [Scenario(r) for r in raids] or [Scenario(Raid(np.zeros(inst.n_classes, int)))]
        master = solve_engagement(inst, scen, options=master_options(time_limit_s, t0), sensors=keep)
        lower = max(lower, master.bound)
        above = master.objective + TOL * max(1.0, abs(master.objective))
        worst = worst_case_raid(
            inst, master.plan, n_missiles, stop_above=above, time_limit_s=_left(time_limit_s, t0)
        )
        if worst.proven and (best is None or worst.value_lost < best[1].value_lost):
            best = (master.plan, worst)
        if best is not None and best[1].value_lost - lower <= TOL * max(1.0, abs(best[1].value_lost)):
            break
        if any((r.counts == worst.raid.counts).all() for r in raids):
            break  # a time-limited master returned a plan no better on the raids it has
        if time_limit_s is not None and time.perf_counter() - t0 > time_limit_s:
            break
        raids.append(worst.raid)
    if best is None:  # stopped before any plan's worst case was proven: prove the last one's
        best = (master.plan, worst_case_raid(inst, master.plan, n_missiles))
    plan, worst = best
    stopped = time_limit_s is not None and time.perf_counter() - t0 > time_limit_s
    if (
        design is not None
        and raids
        and not stopped
        and best[1].value_lost - lower <= TOL * max(1.0, abs(best[1].value_lost))
    ):
        plan, worst = _polish(inst, raids, design, plan, worst, n_missiles, master_options(time_limit_s, t0))
    return RobustPlan(plan, worst, min(lower, worst.value_lost), it, time.perf_counter() - t0, tuple(raids))


def _left(time_limit_s: float | None, t0: float) -> float | None:
    """Seconds left of the time limit (``None``: no limit)."""
    return None if time_limit_s is None else max(0.0, time_limit_s - (time.perf_counter() - t0))


def master_options(time_limit_s: float | None, t0: float) -> SolveOptions:
    """Exact master solves, within what is left of the time limit (its bound stays valid)."""
    if time_limit_s is None:
        return EXACT
    left = max(1.0, time_limit_s - (time.perf_counter() - t0))
    return SolveOptions(time_limit_s=left, mip_rel_gap=EXACT.mip_rel_gap, threads=1, seed=0)


def _polish(
    inst: AdversaryInstance,
    raids: list[Raid],
    design: Raid,
    plan: DefencePlan,
    worst: WorstRaid,
    n_missiles: int,
    options: SolveOptions,
) -> tuple[DefencePlan, WorstRaid]:
    """Among plans no worse on the raids seen, the one losing least to the design raid."""
    cap = worst.value_lost * (1 + TOL) + TOL
    try:
        sol = solve_engagement(
            inst,
            [Scenario(r) for r in raids] + [Scenario(design)],
            options=options,
            theta_max=cap,
            objective_scenario=len(raids),
            sensors=inst.undominated_sensors(),
        )
    except AdversaryError:  # out of time before HiGHS found a plan: keep the min-max plan
        return plan, worst
    check = worst_case_raid(inst, sol.plan, n_missiles, time_limit_s=options.time_limit_s)
    if check.proven and check.value_lost <= cap:
        return sol.plan, check
    return plan, worst
