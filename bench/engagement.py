"""Engagement MILP at scale (issue 11): domeplan's array build + HiGHS beside a plain Pyomo model.

The default geography (scenarios/north_america.yaml: its defended points, launch areas, tracks and
fire-control radar candidates) with a raid of ``--threats`` missiles (default 200) laid down by
target weight, ``--sites`` land candidate sites (default 2,000, half midcourse, half terminal)
on a lattice over the partners' territory, and a boost layer of three notional space-interceptor
options (per-threat survival): three layers. Both solve the formulation of
:func:`models.formulations.engagement.engagement` (same kill levels, one MILP per boost branch).
The Pyomo peer is the plain model written the straightforward way (indexed components, Python
rules; every pair's ``site_open`` and ``fire_control`` rows with the sensor sums written out, no
presolve) and solved by HiGHS through ``pyomo.contrib.solver``. domeplan's
:func:`~models.engagement.solve.solve_engagement` adds what is its own: the exact presolve of
:mod:`models.engagement.presolve` (dominated sensors, sites and pairs out, order rows), fire control
grouped by distinct sensor set, ``site_open`` rows left out (implied on integers) and a warm start
from a restricted instance (:mod:`models.engagement.start`); its time includes all of it. One
thread, relative gap 1e-4, proven optimal or the time limit.

Run: ``python bench/engagement.py`` (``--threats 50 --sites 500`` for a quick look,
``--no-pyomo`` to skip the peer).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.engagement import LAYERS, NO_BOOST, EngagementInstance
from models.engagement.solve import solve_engagement
from models.formulations.engagement import _threat_shots, kill_levels, value_scale
from models.result import SolveOptions

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "north_america.yaml"


def bench_instance(n_threats: int, n_sites: int) -> EngagementInstance:
    """The default geography with a raid of ``n_threats`` and ``n_sites`` candidate sites."""
    from shapely.ops import unary_union

    from geodata.candidates import land_grid
    from geodata.killchain import cue_times, intercept_windows, shot_matrices
    from planner.problem.build import build_problem
    from planner.run.engagement import lay_down, scaled_raid
    from planner.scenario.schema import load_scenario

    sc = load_scenario(SCENARIO)
    problem = build_problem(sc)
    spec = sc.threats.engagement
    territory = unary_union(list(problem.partners.geometry))
    spacing = 200.0
    lon, lat = land_grid(territory, spacing)
    while lon.size < n_sites:  # refine the lattice until it holds enough sites
        spacing *= 0.9
        lon, lat = land_grid(territory, spacing)
    pick = np.random.default_rng(0).choice(lon.size, n_sites, replace=False)
    lon, lat = lon[pick], lat[pick]
    mid = np.arange(n_sites) < n_sites // 2
    mc, tm = spec.interceptors[0], spec.interceptors[1]

    def per(f: Any) -> np.ndarray:
        return np.where(mid, f(mc), f(tm)).astype(float)

    tracks = problem.tracks
    w = intercept_windows(
        tracks, lon, lat, per(lambda i: i.avg_flyout_speed_mps), per(lambda i: i.min_intercept_altitude_km),
        per(lambda i: i.max_intercept_altitude_km), per(lambda i: i.max_slant_range_km),
        per(lambda i: i.reaction_time_s), per(lambda i: i.assessment_time_s),
    )  # fmt: skip
    radars = problem.sites[problem.sites["asset_type"] == "early_warning_radar"]
    cue = cue_times(
        tracks, radars["lon"].to_numpy(), radars["lat"].to_numpy(), 30.0, spec.sensors[0].range_km
    )
    raid = lay_down(
        tracks, problem.demand["weight"].to_numpy(float), scaled_raid(spec.design_raid, n_threats)
    )
    max_shots, fc = shot_matrices(w, cue, raid.track, n_sites)
    # Boost layer: three notional space-interceptor options; survival 1 - availability x SSPK 0.8,
    # availability 0.1 / 0.2 / 0.35 (absentee ratios ~10 / 5 / 3), at 2, 4 and 7 G USD.
    avail = np.array([0.10, 0.20, 0.35])
    return EngagementInstance(
        v=raid.value, area=raid.area, target=raid.target,
        site_cost=np.where(mid, 1000.0, 250.0), round_cost=per(lambda i: i.cost_per_round_musd),
        magazine=per(lambda i: i.rounds_per_site).astype(np.int64), sspk=per(lambda i: i.sspk),
        layer=np.where(mid, LAYERS.index("midcourse"), LAYERS.index("terminal")),
        site_type=np.where(mid, 0, 1), type_max=[2, 24], sensor_cost=np.full(len(radars), 900.0),
        max_shots=max_shots, fire_control=fc, budget=12000.0,
        boost_cost=np.array([2000.0, 4000.0, 7000.0]),
        boost_survival=np.repeat(1 - 0.8 * avail[:, None], raid.size, axis=1),
        type_names=("midcourse", "terminal"), shots_per_threat_max=spec.shots_per_threat_max,
    )  # fmt: skip


def pyomo_model(inst: EngagementInstance, boost: int) -> Any:
    """The same formulation, one boost branch, written the straightforward Pyomo way."""
    import pyomo.environ as pyo

    tp, jp = inst.pairs
    n_p = inst.max_shots.data
    kl = kill_levels(inst.log_miss[jp], int(_threat_shots(inst).max(initial=0)))
    scale = value_scale(inst)
    lam = inst.log_miss
    fc = inst.fire_control.tocsr()
    pairs_of_t: list[list[int]] = [[] for _ in range(inst.n_threats)]
    pairs_of_j: list[list[int]] = [[] for _ in range(inst.n_sites)]
    for p, (t, j) in enumerate(zip(tp.tolist(), jp.tolist(), strict=True)):
        pairs_of_t[t].append(p)
        pairs_of_j[j].append(p)
    m = pyo.ConcreteModel()
    m.T, m.J = pyo.RangeSet(0, inst.n_threats - 1), pyo.RangeSet(0, inst.n_sites - 1)
    m.S, m.P = pyo.RangeSet(0, inst.n_sensors - 1), pyo.RangeSet(0, tp.size - 1)
    m.O, m.K = pyo.RangeSet(0, inst.n_boost - 1), pyo.RangeSet(0, kl.alpha.size - 1)
    m.y = pyo.Var(m.J, domain=pyo.Binary)
    useful = np.minimum(inst.magazine, np.bincount(jp, weights=n_p, minlength=inst.n_sites)).astype(int)
    m.r = pyo.Var(m.J, domain=pyo.NonNegativeIntegers, bounds=lambda m, j: (0, int(useful[j])))
    m.z = pyo.Var(m.S, domain=pyo.Binary)
    m.b = pyo.Var(m.O, domain=pyo.Binary)
    m.x = pyo.Var(m.P, domain=pyo.NonNegativeIntegers, bounds=lambda m, p: (0, int(n_p[p])))
    m.L = pyo.Var(m.T, bounds=(0, float(kl.levels[-1]) if kl.secant else None))
    m.leak = pyo.Var(m.T, bounds=(0, None))
    m.kill = pyo.Constraint(m.T, rule=lambda m, t: m.L[t] == sum(lam[jp[p]] * m.x[p] for p in pairs_of_t[t]))

    def cut(m: Any, t: int, k: int) -> Any:
        w = inst.v[t] / scale * (1.0 if boost == NO_BOOST else inst.boost_survival[boost, t])
        return m.leak[t] >= w * (kl.alpha[k] + kl.mu[k] * m.L[t])

    m.leak_cut = pyo.Constraint(m.T, m.K, rule=cut)
    for o in m.O:
        m.b[o].fix(1 if o == boost else 0)
    m.site_open = pyo.Constraint(m.P, rule=lambda m, p: m.x[p] <= int(n_p[p]) * m.y[jp[p]])
    levels = [(p, k) for p in range(tp.size) for k in range(1, int(n_p[p]) + 1)]

    def fire(m: Any, p: int, k: int) -> Any:
        sens = fc.indices[fc.indptr[p] : fc.indptr[p + 1]][fc.data[fc.indptr[p] : fc.indptr[p + 1]] >= k]
        return m.x[p] <= (k - 1) + (int(n_p[p]) - k + 1) * sum(m.z[s] for s in sens)

    m.fire_control = pyo.Constraint(levels, rule=fire)
    m.magazine = pyo.Constraint(m.J, rule=lambda m, j: sum(m.x[p] for p in pairs_of_j[j]) <= m.r[j])
    m.stock = pyo.Constraint(m.J, rule=lambda m, j: m.r[j] <= int(useful[j]) * m.y[j])
    m.salvo = pyo.Constraint(
        m.T, rule=lambda m, t: sum(m.x[p] for p in pairs_of_t[t]) <= inst.shots_per_threat_max
    )
    m.budget = pyo.Constraint(
        expr=sum(inst.site_cost[j] * m.y[j] + inst.round_cost[j] * m.r[j] for j in m.J)
        + sum(inst.sensor_cost[s] * m.z[s] for s in m.S) + sum(inst.boost_cost[o] * m.b[o] for o in m.O)
        <= inst.budget
    )  # fmt: skip
    m.type_max = pyo.Constraint(
        range(inst.type_max.size),
        rule=lambda m, k: sum(m.y[j] for j in np.flatnonzero(inst.site_type == k).tolist())
        <= int(inst.type_max[k]),
    )  # fmt: skip
    m.boost_one = pyo.Constraint(expr=sum(m.b[o] for o in m.O) <= 1)
    m.obj = pyo.Objective(expr=scale * sum(m.leak[t] for t in m.T), sense=pyo.minimize)
    return m


def run_pyomo(inst: EngagementInstance, time_limit_s: float) -> dict[str, Any]:
    """Build and solve the plain Pyomo model with HiGHS, branch by branch as domeplan does."""
    from pyomo.contrib.solver.common.factory import SolverFactory

    build = solve = 0.0
    best, bounds, status = None, [], []
    for q in [NO_BOOST, *np.argsort(inst.boost_cost, kind="stable").tolist()]:
        t0 = time.perf_counter()
        m = pyomo_model(inst, int(q))
        t1 = time.perf_counter()
        res = SolverFactory("highs").solve(
            m, time_limit=max(time_limit_s - solve, 1.0), rel_gap=1e-4, threads=1, load_solutions=False,
            raise_exception_on_nonoptimal_result=False, solver_options={"random_seed": 0},
        )  # fmt: skip
        t2 = time.perf_counter()
        build, solve = build + t1 - t0, solve + t2 - t1
        if res.incumbent_objective is not None:
            best = res.incumbent_objective if best is None else min(best, res.incumbent_objective)
        bounds.append(res.objective_bound)
        status.append(res.termination_condition.name)
    return {"build_s": build, "solve_s": solve, "objective": best, "bound": min(bounds), "status": status}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threats", type=int, default=200)
    ap.add_argument("--sites", type=int, default=2000)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--no-pyomo", action="store_true")
    a = ap.parse_args()
    t0 = time.perf_counter()
    inst = bench_instance(a.threats, a.sites)
    print(f"instance: {inst.n_threats} threats x {inst.n_sites} sites x {inst.n_sensors} sensors, "
          f"{inst.max_shots.nnz} shot opportunities, {inst.n_boost} boost options "
          f"(geometry {time.perf_counter() - t0:.1f} s)")  # fmt: skip
    opts = SolveOptions(time_limit_s=a.time_limit, mip_rel_gap=1e-4, threads=1, seed=0)
    t1 = time.perf_counter()
    sol = solve_engagement(inst, opts)
    total = time.perf_counter() - t1

    def num(v: float | None) -> str:
        return "none" if v is None else f"{v:,.0f}"

    print(f"domeplan (arrays -> HiGHS): build {sol.build_time_s:.2f} s, solve {sol.wall_time_s:.2f} s, "
          f"total {total:.2f} s; {sol.termination}, value lost {num(sol.expected_value_lost)} "
          f"(model {num(sol.model_objective)}, bound {num(sol.bound)}), {sol.n_vars} vars x {sol.n_rows} rows"
          f" over the boost branches, {sol.to_json()['linearisation']}")  # fmt: skip
    print(f"  presolve (exact): {sol.presolve}")
    if not a.no_pyomo:
        # The plain model: no presolve, no grouping, no warm start (domeplan's own steps).
        p = run_pyomo(inst, a.time_limit)
        ptotal = p["build_s"] + p["solve_s"]
        print(f"Pyomo + HiGHS (plain model, no presolve): build {p['build_s']:.2f} s, "
              f"solve {p['solve_s']:.2f} s, "
              f"total {ptotal:.2f} s; {p['status']}, objective {p['objective']}, "
              f"bound {p['bound']}")  # fmt: skip
        print(f"speed-up: {ptotal / total:.1f}x")


if __name__ == "__main__":
    main()
