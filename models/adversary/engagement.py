"""The defender's engagement model: plan (sites, rounds, sensors) and shots against given raids.

One MILP serves three purposes: the defender's exact best response to one raid with the plan
fixed (the inner problem of every bilevel model here), the nominal plan against the design raid,
and the master problem of the decompositions, where it carries one copy of the shot variables
per raid (or per loss) scenario generated so far.

Length: ``_scenario_blocks`` adds every constraint block of one attacker scenario to the master;
split, the blocks would pass a dozen shared index arrays between helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict, Unpack

import numpy as np
import scipy.sparse as sp

from models.adversary.instance import AdversaryError, AdversaryInstance, DefencePlan, Raid
from models.engagement.fire_control import fire_control_levels
from models.engines.highs_engine import HighsEngine
from models.linear import LinearModel, Sense, VarBlock, VarKind
from models.names import FIRE_CONTROL
from models.result import SolveOptions, Termination

EXACT = SolveOptions(time_limit_s=None, mip_rel_gap=1e-9, threads=1, seed=0)
"""Options of every inner solve: proven optimal (values are scaled to at most 1, so HiGHS's
absolute gap of 1e-6 is a relative one); the decompositions' bounds rely on it."""


class ModelKeywords(TypedDict, total=False):
    """Keywords :func:`solve_engagement` passes on to :func:`engagement_model`."""

    theta_max: float | None
    objective_scenario: int | None
    sensors: np.ndarray | None


@dataclass(frozen=True, eq=False)
class Scenario:
    """A raid, and the assets lost before it arrives (``None``: none lost)."""

    raid: Raid
    lost_sites: np.ndarray | None = None
    lost_sensors: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class _Blocks:
    missile_class: np.ndarray
    z: VarBlock
    z_missile: np.ndarray
    z_leak: np.ndarray
    n: VarBlock
    n_missile: np.ndarray
    n_site: np.ndarray


@dataclass(frozen=True, eq=False)
class Response:
    """The defender's engagement of one scenario: every missile's pattern, leak and shots."""

    missile_class: np.ndarray
    missile_leak: np.ndarray
    shots: sp.csr_array
    """``(missiles, J)`` shots fired by each site at each missile."""
    value_lost: float

    def class_leaks(self, n_classes: int) -> list[np.ndarray]:
        """Per class, its missiles' leak probabilities in ascending order (best engaged first)."""
        out: list[np.ndarray] = [np.zeros(0)] * n_classes
        for c in np.unique(self.missile_class):
            out[c] = np.sort(self.missile_leak[self.missile_class == c])
        return out


@dataclass(frozen=True, eq=False)
class DefenderSolution:
    """A solved engagement model: the plan, each scenario's response, objective and bound."""

    plan: DefencePlan
    responses: tuple[Response, ...]
    objective: float
    bound: float
    proven: bool


def _plan_blocks(
    model: LinearModel, inst: AdversaryInstance, plan: DefencePlan | None, sensors: np.ndarray | None = None
) -> tuple[VarBlock, VarBlock, VarBlock]:
    mag = inst.magazine.astype(float)
    if plan is None:
        x = model.add_vars("x", list(inst.site_ids), kind=VarKind.BINARY)
        r = model.add_vars("rounds", list(inst.site_ids), kind=VarKind.INTEGER, ub=mag)
        y_ub = 1.0 if sensors is None else np.asarray(sensors, float)
        y = model.add_vars("sensor", list(inst.sensor_ids), kind=VarKind.BINARY, ub=y_ub)
    else:
        xs, rs, ys = (
            np.asarray(plan.sites, float),
            np.asarray(plan.rounds, float),
            np.asarray(plan.sensors, float),
        )
        x = model.add_vars("x", list(inst.site_ids), kind=VarKind.BINARY, lb=xs, ub=xs)
        r = model.add_vars("rounds", list(inst.site_ids), kind=VarKind.INTEGER, lb=rs, ub=rs)
        y = model.add_vars("sensor", list(inst.sensor_ids), kind=VarKind.BINARY, lb=ys, ub=ys)
    n_j = inst.n_sites
    eye = sp.eye_array(n_j, format="csr")
    model.add_constraints("magazine", list(inst.site_ids), {r: eye, x: -sp.diags_array(mag)}, ub=0.0)
    if plan is None:
        _plan_rules(model, inst, x, y)
    if plan is None and np.isfinite(inst.budget):
        model.add_constraints(
            "budget",
            ["budget"],
            {x: inst.site_cost, r: inst.round_cost, y: inst.sensor_cost},
            ub=float(inst.budget),
        )
    return x, r, y


def _plan_rules(model: LinearModel, inst: AdversaryInstance, x: VarBlock, y: VarBlock) -> None:
    """Type limits and existing assets (kept in every plan)."""
    if inst.type_max is not None and inst.site_type is not None:
        n_types = len(inst.type_max)
        a = sp.csr_array(
            (np.ones(inst.n_sites), (inst.site_type, np.arange(inst.n_sites))), shape=(n_types, inst.n_sites)
        )
        model.add_constraints("type_max", list(range(n_types)), {x: a}, ub=np.asarray(inst.type_max, float))
    for block, keep, name in (
        (x, inst.existing_sites, "existing_site"),
        (y, inst.existing_sensors, "existing_sensor"),
    ):
        if keep is not None and np.any(keep):
            idx = np.flatnonzero(keep)
            a = sp.csr_array((np.ones(len(idx)), (np.arange(len(idx)), idx)), shape=(len(idx), block.size))
            model.add_constraints(name, idx.tolist(), {block: a}, lb=1.0)


def _fire_control(
    model: LinearModel,
    s: int,
    fc: sp.csr_array,
    alive: np.ndarray,
    n_ub: np.ndarray,
    n: VarBlock,
    y: VarBlock,
) -> None:
    """``n <= (k - 1) + (s - k + 1) * sum of built, surviving sensors allowing >= k shots``.

    Rows and sensor sets from :func:`~models.engagement.fire_control.fire_control_levels` (shared
    with the kill-chain MILP); ungrouped here, one block per level: see that module's docstring.
    """
    pair, level, sets = fire_control_levels(fc, n_ub)
    for k in range(1, int(n_ub.max(initial=0)) + 1):
        at = np.flatnonzero(level == k)
        rows = pair[at]
        f = sp.csr_array(sets[at]).multiply(alive[None, :])
        pick = sp.csr_array((np.ones(len(rows)), (np.arange(len(rows)), rows)), shape=(len(rows), n.size))
        model.add_constraints(
            f"{FIRE_CONTROL}@{s}.{k}",
            rows.tolist(),
            {n: pick, y: -sp.diags_array(n_ub[rows] - k + 1) @ sp.csr_array(f)},
            ub=float(k - 1),
        )


def _scenario_blocks(
    model: LinearModel,
    inst: AdversaryInstance,
    s: int,
    sc: Scenario,
    x: VarBlock,
    r: VarBlock,
    y: VarBlock,
    theta: VarBlock,
    *,
    epigraph: bool = True,
) -> _Blocks:
    """Shots against scenario ``s``: patterns ``z``, shots ``n``, links, rounds, leak epigraph."""
    mc = sc.raid.missile_class()
    n_t, n_q = len(mc), len(inst.kind_names)
    lost = np.zeros(inst.n_sites, bool) if sc.lost_sites is None else np.asarray(sc.lost_sites)
    pats = [inst.patterns(int(c)) for c in mc]
    z_missile = np.repeat(np.arange(n_t), [len(p[1]) for p in pats])
    z_pat = np.vstack([p[0] for p in pats]) if n_t else np.zeros((0, n_q), int)
    z_leak = np.concatenate([p[1] for p in pats]) if n_t else np.zeros(0)
    z = model.add_vars(
        f"pattern@{s}", list(zip(z_missile.tolist(), range(len(z_leak)), strict=True)), kind=VarKind.BINARY
    )
    shots = inst.shots[mc] if n_t else sp.csr_array((0, inst.n_sites))
    coo = sp.coo_array(shots)
    keep = ~lost[coo.col]
    n_missile, n_site, n_ub = coo.row[keep], coo.col[keep], coo.data[keep].astype(float)
    n = model.add_vars(
        f"shots@{s}",
        list(zip(n_missile.tolist(), n_site.tolist(), strict=True)),
        kind=VarKind.INTEGER,
        ub=n_ub,
    )
    n_z, n_n = len(z_leak), len(n_ub)
    ones_z = sp.csr_array((np.ones(n_z), (z_missile, np.arange(n_z))), shape=(n_t, n_z))
    model.add_constraints(f"one_pattern@{s}", list(range(n_t)), {z: ones_z}, lb=1.0, ub=1.0)
    # Shots of kind q at missile t equal the kind-q shots of its pattern: the pattern carries
    # the (nonlinear) leak probability, the shots carry the windows and magazines.
    link_rows_z = (z_missile[:, None] * n_q + np.arange(n_q)[None, :]).ravel()
    link_z = sp.csr_array(
        (-z_pat.ravel().astype(float), (link_rows_z, np.repeat(np.arange(n_z), n_q))), shape=(n_t * n_q, n_z)
    )
    link_n = sp.csr_array(
        (np.ones(n_n), (n_missile * n_q + inst.site_kind[n_site], np.arange(n_n))), shape=(n_t * n_q, n_n)
    )
    model.add_constraints(f"kind_shots@{s}", list(range(n_t * n_q)), {z: link_z, n: link_n}, lb=0.0, ub=0.0)
    # Redundant with the magazines for integer plans, but r <= R x alone lets the LP relaxation
    # build a sliver of a site and fire a whole salvo from it.
    at_site = sp.csr_array((-n_ub, (np.arange(n_n), n_site)), shape=(n_n, inst.n_sites))
    eye_n = sp.eye_array(n_n, format="csr")
    model.add_constraints(f"site_open@{s}", list(range(n_n)), {n: eye_n, x: at_site}, ub=0.0)
    use = sp.csr_array((np.ones(n_n), (n_site, np.arange(n_n))), shape=(inst.n_sites, n_n))
    model.add_constraints(
        f"rounds@{s}", list(inst.site_ids), {n: use, r: -sp.eye_array(inst.n_sites, format="csr")}, ub=0.0
    )
    if inst.n_sensors:
        assert inst.fire_control is not None  # __post_init__ sets it whenever there are sensors
        alive = (
            np.ones(inst.n_sensors)
            if sc.lost_sensors is None
            else (~np.asarray(sc.lost_sensors, bool)).astype(float)
        )
        pair = (
            np.concatenate([np.arange(inst.shots.indptr[c], inst.shots.indptr[c + 1]) for c in mc])
            if n_t
            else np.zeros(0, int)
        )
        _fire_control(model, s, inst.fire_control[pair[keep]], alive, n_ub, n, y)
    # Missiles of one class are interchangeable: order them best engaged first.
    same = np.flatnonzero(mc[1:] == mc[:-1]) if n_t > 1 else np.zeros(0, int)
    if len(same):
        pick = lambda t: sp.csr_array(  # noqa: E731
            ones_z[t].multiply(z_leak[None, :])
        )
        model.add_constraints(f"order@{s}", same.tolist(), {z: pick(same) - pick(same + 1)}, ub=0.0)
    v = inst.class_value[mc][z_missile] * z_leak / inst.value_scale if n_t else np.zeros(0)
    if epigraph:
        model.add_constraints(f"leak@{s}", [s], {theta: np.ones(1), z: -v[None, :]}, lb=0.0)
    return _Blocks(mc, z, z_missile, z_leak, n, n_missile, n_site)


def engagement_model(
    inst: AdversaryInstance,
    scenarios: list[Scenario],
    plan: DefencePlan | None = None,
    *,
    theta_max: float | None = None,
    objective_scenario: int | None = None,
    sensors: np.ndarray | None = None,
) -> tuple[LinearModel, list[_Blocks]]:
    r"""The defender's plan and shots against a set of scenarios, worst scenario minimised.

    For scenarios :math:`s \in S` (a raid :math:`m^s` with missiles :math:`t \in T_s` of class
    :math:`c(t)`, and assets lost :math:`\delta^s`), shot patterns :math:`\pi \in P_{c}` with
    leak probability :math:`Q_\pi = \prod_q (1 - p_q)^{\pi_q}`:

    .. math::

        \min\ & \theta \\
        \text{s.t. }
        & \theta \ge \sum_{t \in T_s} v_{c(t)} \sum_{\pi} Q_\pi z^s_{t\pi}
            & \forall s & \quad (\texttt{leak@s}) \\
        & \textstyle\sum_\pi z^s_{t\pi} = 1 & \forall s, t & \quad (\texttt{one\_pattern@s}) \\
        & \textstyle\sum_{j: q(j) = q} n^s_{tj} = \sum_\pi \pi_q z^s_{t\pi}
            & \forall s, t, q & \quad (\texttt{kind\_shots@s}) \\
        & 0 \le n^s_{tj} \le s_{c(t)j}\,(1 - \delta^s_j)\, x_j & \forall s, t, j
            & \quad (\texttt{site\_open@s}) \\
        & \textstyle\sum_{t} n^s_{tj} \le r_j & \forall s, j & \quad (\texttt{rounds@s}) \\
        & n^s_{tj} \le (l - 1) + (s_{c(t)j} - l + 1) \sum_{k: f_{c(t)jk} \ge l}
            (1 - \delta^s_k) y_k
            & \forall s, t, j, l & \quad (\texttt{fire\_control@s.l}) \\
        & r_j \le R_j x_j & \forall j & \quad (\texttt{magazine}) \\
        & \textstyle\sum_j (f_j x_j + g_j r_j) + \sum_k h_k y_k \le B & & \quad (\texttt{budget})

    with :math:`x, y, z` binary and :math:`n, r` integer, :math:`f_{cjk}` the shots sensor
    :math:`k`'s track allows site :math:`j` at a missile of class :math:`c` (so :math:`n_{tj}`
    is at most the best built, surviving sensor's :math:`f`), and optionally type limits,
    existing assets and a doctrine's cap on shots per missile (in the patterns).

    The leak is exact: the pattern fixes the number of shots of each kind, and the product of
    miss probabilities is a constant of the pattern (no linearisation error). Missiles of one
    class are interchangeable, so they are ordered best engaged first (``order@s``), which
    removes symmetric solutions only.

    With ``plan`` the plan blocks are fixed (the defender's best response); ``theta_max`` and
    ``objective_scenario`` turn it into the second, lexicographic stage: among plans whose worst
    scenario is at most ``theta_max``, the least loss in scenario ``objective_scenario`` (which
    is then left out of the worst case). ``sensors`` masks the sensors a plan may build (e.g.
    :meth:`~models.adversary.instance.AdversaryInstance.undominated_sensors`).
    """
    model = LinearModel("engagement", Sense.MINIMIZE)
    x, r, y = _plan_blocks(model, inst, plan, sensors)
    theta = model.add_vars(
        "theta", ["theta"], lb=0.0, ub=np.inf if theta_max is None else theta_max / inst.value_scale
    )
    blocks = [
        _scenario_blocks(model, inst, s, sc, x, r, y, theta, epigraph=s != objective_scenario)
        for s, sc in enumerate(scenarios)
    ]
    if objective_scenario is None:
        model.set_objective({theta: np.ones(1)})
    else:
        b = blocks[objective_scenario]
        model.set_objective(
            {b.z: inst.class_value[b.missile_class][b.z_missile] * b.z_leak / inst.value_scale}
        )
    return model, blocks


def solve_engagement(
    inst: AdversaryInstance,
    scenarios: list[Scenario],
    plan: DefencePlan | None = None,
    options: SolveOptions = EXACT,
    **kwargs: Unpack[ModelKeywords],
) -> DefenderSolution:
    """Build and solve :func:`engagement_model`; read back the plan and every response.

    Raises
    ------
    AdversaryError
        When HiGHS ends with no plan (an infeasible plan or budget).
    """
    model, blocks = engagement_model(inst, scenarios, plan, **kwargs)
    run = HighsEngine().solve(model, options)
    if run.values is None:
        raise AdversaryError(f"the engagement model has no solution ({run.raw_status})")
    assert run.objective is not None  # an incumbent (values) comes with its objective
    v = run.values
    x = v[model.var("x").cols] > 0.5
    plan_out = DefencePlan(
        x, np.round(v[model.var("rounds").cols]).astype(int), v[model.var("sensor").cols] > 0.5
    )
    responses = []
    for b in blocks:
        zv = v[b.z.cols]
        n_t = len(b.missile_class)
        leak = np.bincount(b.z_missile, weights=zv * b.z_leak, minlength=n_t)
        shots = sp.csr_array((np.round(v[b.n.cols]), (b.n_missile, b.n_site)), shape=(n_t, inst.n_sites))
        responses.append(
            Response(b.missile_class, leak, shots, float(inst.class_value[b.missile_class] @ leak))
        )
    proven = run.termination is Termination.OPTIMAL
    bound = run.bound * inst.value_scale if run.bound is not None else float("-inf")
    return DefenderSolution(
        plan_out, tuple(responses), float(run.objective) * inst.value_scale, bound, proven
    )


def value_lost(inst: AdversaryInstance, plan: DefencePlan, scenario: Scenario) -> Response:
    """The defender's exact best response to one scenario with the plan fixed."""
    return solve_engagement(inst, [scenario], plan).responses[0]
