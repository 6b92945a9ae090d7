"""Maximal covering across budgets and scale (GitHub issue 18): domeplan against tuned and plain HiGHS.

Grid: N points × n sites ∈ {20,000 × 2,000, 100,000 × 5,000} (and 1,000,000 × 10,000 with
``--large``, p ∈ {20, 100} there) × p ∈ {10, 20, 50, 100} × coverage radius r ∈ {150, 250, 350} km,
on the seeded North-America instances of ``bench.instances`` (seed 0; uniform points and sites on
USA + Canada land, log-normal weights). Side by side, in one process, one thread each:

* **domeplan** — ``models.solve_cover`` with ``method="auto"`` (the method it picked is shown);
* **highs tuned** — in-process highspy on the plain model, ``mip_lp_solver=ipm, presolve=off``
  (``bench.peers.highs_tuned``);
* **pyomo+highs** — a straightforward Pyomo model, HiGHS defaults (``bench.peers.pyomo_highs``;
  not run at 1M points, where building the Pyomo model alone takes longer than the cap).

Time is wall clock to a proven optimum at a relative gap of 0.01 % (model build included; the
instance's coverage is built once, outside the timings). Peers stopped by ``--cap`` show
``> cap``; domeplan gets the same cap. ``tuned/ours`` is the tuned peer's time over domeplan's
(a lower bound, ``>``, when the peer hit the cap). ``agree``: objectives equal within the gap
(``-`` when a run was not proven).

Run: ``python bench/solve_grid.py --cap 600`` (hours on a busy 2-core machine; ``--cap 120`` for
a shorter run), ``--sizes 20000`` for the small size only, ``--json FILE`` to keep every figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.instances import north_america
from bench.peers import highs_tuned, pyomo_highs
from models import SolveOptions, solve_cover

GAP = 1e-4
SIZES = {20_000: 2_000, 100_000: 5_000, 1_000_000: 10_000}
PS = (10, 20, 50, 100)
LARGE_PS = (20, 100)
RADII = (150.0, 250.0, 350.0)


def run_ours(inst: Any, cap: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    res = solve_cover(inst, SolveOptions(time_limit_s=cap, mip_rel_gap=GAP, threads=1, seed=0))
    total = time.perf_counter() - t0
    assert abs(inst.evaluate(res.x)[0] - res.objective) <= 1e-6 * max(1.0, res.objective)
    return {
        "total_s": total,
        "objective": res.objective,
        "bound": res.bound,
        "proven": res.status == "optimal",
        "method": res.extra.get("method", "milp"),
        "reason": res.extra.get("method_reason"),
    }


def run_tuned(inst: Any, p: int, cap: float) -> dict[str, Any]:
    r = highs_tuned(inst.a, inst.w, p, cap)
    r.pop("chosen")
    return {
        "total_s": r["build_s"] + r["solve_s"],
        "objective": r["objective"],
        "bound": r["bound"],
        "proven": r["status"] == "Optimal",
        "status": r["status"],
    }


def run_pyomo(inst: Any, p: int, cap: float) -> dict[str, Any]:
    r = pyomo_highs("mclp", inst.a, inst.w, inst.c, p, cap)
    r.pop("chosen")
    return {
        "total_s": r["build_s"] + r["solve_s"],
        "objective": r["objective"],
        "bound": r.get("bound"),
        "proven": r["status"] == "convergenceCriteriaSatisfied",
        "status": r["status"],
    }


def cell(r: dict[str, Any] | None, cap: float) -> str:
    if r is None:
        return "not run"
    return f"{r['total_s']:.1f}" if r["proven"] else f"> {cap:.0f}"


def ratio(peer: dict[str, Any] | None, ours: dict[str, Any], cap: float) -> str:
    if peer is None or not ours["proven"]:
        return "-"
    t = peer["total_s"] if peer["proven"] else max(peer["total_s"], cap)
    return f"{'' if peer['proven'] else '> '}{t / ours['total_s']:.1f}×"


def agree(peer: dict[str, Any] | None, ours: dict[str, Any]) -> str:
    if peer is None or not (peer["proven"] and ours["proven"]) or peer["objective"] is None:
        return "-"
    return "yes" if abs(peer["objective"] - ours["objective"]) <= GAP * max(1.0, ours["objective"]) else "NO"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cap", type=float, default=600.0, help="time cap per run, seconds (default 600)")
    ap.add_argument("--large", action="store_true", help="also 1,000,000 points × 10,000 sites")
    ap.add_argument("--sizes", type=int, nargs="*", help="point counts to run (default 20000 100000)")
    ap.add_argument("--ps", type=int, nargs="*", default=list(PS), help="site counts p")
    ap.add_argument("--radii", type=float, nargs="*", default=list(RADII), help="radii, km")
    ap.add_argument("--no-pyomo", action="store_true", help="skip Pyomo + HiGHS")
    ap.add_argument("--json", type=Path, help="write every figure to this file")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    sizes = args.sizes or ([20_000, 100_000] + ([1_000_000] if args.large else []))
    out: list[dict[str, Any]] = []
    print(
        f"domeplan maximal-covering grid — one thread, gap {GAP:.2%}, cap {args.cap:.0f} s, seed 0; "
        "seconds to a proven optimum (build + solve)"
    )
    print(
        "| points × sites | r km | p | pairs | domeplan s (method) | highs tuned s | pyomo+highs s | "
        "tuned/ours | pyomo/ours | agree |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---|")
    for m in sizes:
        n = SIZES[m]
        for r in args.radii:
            inst0 = north_america(m, n, seed=0, radius_km=r, count=None)
            for p in LARGE_PS if m >= 1_000_000 else args.ps:
                inst = type(inst0)(w=inst0.w, c=inst0.c, a=inst0.a, count=p)
                ours = run_ours(inst, args.cap)
                tuned = run_tuned(inst, p, args.cap)
                pyo = None if (args.no_pyomo or m >= 1_000_000) else run_pyomo(inst, p, args.cap)
                row = {
                    "m": m,
                    "n": n,
                    "r_km": r,
                    "p": p,
                    "pairs": int(inst.a.nnz),
                    "domeplan": ours,
                    "highs_tuned": tuned,
                    "pyomo_highs": pyo,
                    "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
                }
                out.append(row)
                print(
                    f"| {m:,} × {n:,} | {r:.0f} | {p} | {inst.a.nnz:,} | {cell(ours, args.cap)} "
                    f"({ours['method']}) | {cell(tuned, args.cap)} | {cell(pyo, args.cap)} | "
                    f"{ratio(tuned, ours, args.cap)} | {ratio(pyo, ours, args.cap)} | "
                    f"{agree(tuned, ours)}/{agree(pyo, ours)} |"
                )
                if args.json:
                    args.json.write_text(json.dumps(out, indent=2, default=str))
    times = [
        row["highs_tuned"]["total_s"] / row["domeplan"]["total_s"]
        for row in out
        if row["m"] == 100_000 and row["domeplan"]["proven"]
    ]
    if times:
        print(
            f"\nmedian tuned/ours at 100k points: {np.median(times):.1f}× (tuned times capped at "
            f"{args.cap:.0f} s count as the cap)"
        )


if __name__ == "__main__":
    main()
