"""Time to a proven min–max plan on the default geography: `python bench/adversary.py`.

The default scenario's kill chain (``scenarios/north_america.yaml``: launch areas, design raid,
midcourse and terminal interceptors, fire-control radars), the attacker aiming at the
``--targets`` heaviest populated places. For each raid size N: the nominal plan (least loss to
the design raid scaled to N, exact), the worst laydown of N missiles against it (rank-form
cutting plane), and the min–max plan by column-and-constraint generation, with its iterations,
its proof (gap) and the price of robustness (the robust plan's extra loss to the design raid).
Every number is notional, like the scenario's parameters.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from models.adversary import nominal_plan, robust_plan, worst_case_raid
from models.adversary.engagement import Scenario as Loss
from models.adversary.engagement import value_lost
from planner.problem.build import build_problem
from planner.run.adversary import adversary_instance
from planner.run.engagement import chain_assets, chain_geometry, lay_down, scaled_raid
from planner.scenario.schema import load_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/north_america.yaml")
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 12])
    ap.add_argument("--targets", type=int, default=12)
    ap.add_argument("--time-limit", type=float, default=600.0, help="per robust plan (s)")
    args = ap.parse_args()
    base = load_scenario(args.scenario)
    t0 = time.perf_counter()
    problem = build_problem(base.with_overrides({"adversary": {"targets": args.targets}}))
    sc = base.with_overrides({"adversary": {"targets": args.targets, "missiles": list(args.sizes)}})
    assets = chain_assets(sc, problem)
    geo = chain_geometry(sc, problem, assets)
    weight = problem.demand["weight"].to_numpy(float)
    spec = sc.threats.engagement
    print(f"geography and kill chain: {time.perf_counter() - t0:.1f}s "
          f"({len(problem.demand)} points, {len(problem.sites)} candidate sites)")  # fmt: skip
    print(f"{'N':>3} {'classes':>7} {'sites':>5} {'sensors':>7} {'nominal':>8} {'worst':>8} "
          f"{'robust':>8} {'iter':>4} {'gap':>8} {'nominal E/worst (M)':>20} {'robust E/worst (M)':>19} "
          f"{'price (M)':>9} {'cost +M USD':>11}")  # fmt: skip
    for n in args.sizes:
        threats = lay_down(problem.tracks, weight, scaled_raid(spec.design_raid, n))
        inst, design, _, _ = adversary_instance(sc, problem, assets, geo, threats)
        t1 = time.perf_counter()
        nominal = nominal_plan(inst, design)
        t2 = time.perf_counter()
        worst = worst_case_raid(inst, nominal, n)
        t3 = time.perf_counter()
        rob = robust_plan(inst, n, design=design, start=[worst.raid], incumbent=(nominal, worst),
                          time_limit_s=args.time_limit)  # fmt: skip
        t4 = time.perf_counter()
        e_nom = value_lost(inst, nominal, Loss(design)).value_lost
        e_rob = value_lost(inst, rob.plan, Loss(design)).value_lost
        m = 1e6
        print(f"{n:>3} {inst.n_classes:>7} {inst.n_sites:>5} {inst.n_sensors:>7} {t2 - t1:7.1f}s "
              f"{t3 - t2:7.1f}s {t4 - t3:7.1f}s {rob.iterations:>4} {rob.gap:8.1e} "
              f"{e_nom / m:9.2f}/{worst.value_lost / m:<10.2f} {e_rob / m:8.2f}/{rob.upper_bound / m:<10.2f} "
              f"{(e_rob - e_nom) / m:9.2f} {rob.plan.cost(inst) - nominal.cost(inst):11.0f}",
              flush=True)  # fmt: skip
        assert rob.upper_bound <= worst.value_lost + 1e-6 * max(1.0, worst.value_lost)
        assert np.isfinite(rob.lower_bound)


if __name__ == "__main__":
    main()
