"""Solve benchmark (GitHub issue 4): domeplan against the tools planners use today.

Maximal covering, 20 sites to choose, on seeded North-America instances (``bench.instances``:
points and sites uniform on USA + Canada land, log-normal weights, 350 km coverage radius, a point
sees ~1.7 % of sites), and minimum-cost covering of every coverable point. On the same coverage:

* **domeplan** — ``models.solve_cover`` (presolve; greedy + swap start; for large maximal-covering
  instances the decomposition of ``models.decompose``: site column generation with point
  aggregation, Lagrangian bound fixing, exact restricted MILP; HiGHS); on the smaller instances
  also the whole MILP with HiGHS's interior-point root LP and presolve off (``milp, ipm``);
* **pyomo+highs** — a straightforward Pyomo model solved by HiGHS with its defaults
  (``bench.peers.pyomo_highs``);
* **spopt** — PySAL spopt 0.7 ``MCLP`` / ``LSCP`` with PuLP's CBC (``bench.peers.spopt``), in a
  separate process stopped at the time cap (its dense model build cannot be interrupted).

Time is wall clock to a proven optimum at a relative gap of 0.01 % (build + solve), one thread.
A run stopped by the cap is shown as ``> cap``; ``peer/ours`` is the peer's time over ours. spopt is not
run on the largest instance by default: its dense cost matrix alone needs 4 GB there, and its
build time is extrapolated from the rate measured in the same run (marked ``≈``); pass
``--spopt-large`` to run it.

Run: ``python bench/solve.py`` (about 30 minutes with the default 900 s cap), ``--small`` for a
one-minute smoke run. ``python bench/solve.py --grid [options]`` runs the maximal-covering grid
across N, p and r of issue 18 instead (``bench/solve_grid.py``, where the options are listed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.instances import north_america
from bench.peers import pyomo_highs, save_instance
from models import CoverInstance, SolveOptions, solve_cover

GAP = 1e-4
P = 20


def ours(inst: CoverInstance, formulation: str, cap: float, **kw: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    res = solve_cover(inst, SolveOptions(time_limit_s=cap, mip_rel_gap=GAP, threads=1, seed=0),
                      formulation=formulation, **kw)
    total = time.perf_counter() - t0
    check = inst.evaluate(res.x)[0] if formulation == "max_cover" else float(inst.c[res.x].sum())
    assert abs(check - res.objective) <= 1e-6 * max(1.0, abs(check)), "plan does not verify"
    return {"build_s": res.build_time_s, "solve_s": total - res.build_time_s, "total_s": total,
            "objective": res.objective, "bound": res.bound, "proven": res.status == "optimal",
            "status": res.status, "method": res.extra.get("method", "milp"),
            "detail": res.extra.get("decomposition", {}).get("history") and {
                k: v for k, v in res.extra["decomposition"].items() if k != "history"}}


def peer_pyomo(inst: CoverInstance, kind: str, cap: float) -> dict[str, Any]:
    r = pyomo_highs(kind, inst.a, inst.w, inst.c, P, cap)
    r.pop("chosen")
    r["total_s"] = r["build_s"] + r["solve_s"]
    r["proven"] = r["status"] == "convergenceCriteriaSatisfied"
    r["status"] = {"convergenceCriteriaSatisfied": "optimal", "maxTimeLimit": "time limit"}.get(
        r["status"], r["status"])
    return r


def peer_spopt(inst: CoverInstance, kind: str, cap: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "inst.npz")
        save_instance(path, inst.a, inst.w, inst.c, P)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-m", "bench.peers", f"spopt-{kind}", path, str(cap)],
                                  capture_output=True, text=True, timeout=cap,
                                  cwd=Path(__file__).resolve().parents[1])
        except subprocess.TimeoutExpired:
            return {"total_s": time.perf_counter() - t0, "proven": False, "status": "cap reached",
                    "objective": None}
    if proc.returncode != 0:
        return {"total_s": None, "proven": False, "status": f"failed: {proc.stderr.strip()[-200:]}",
                "objective": None}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    r.pop("chosen")
    r["total_s"] = r["build_s"] + r["solve_s"]
    r["proven"] = r["status"] == "Optimal"
    r["status"] = r["status"].lower()
    return r


def fmt_time(r: dict[str, Any] | None, cap: float) -> str:
    if r is None:
        return "-"
    if r.get("extrapolated"):
        return f"≈ {r['total_s']:.0f}"
    if not r["proven"] or r["total_s"] is None:
        return f"> {cap:.0f}"
    return f"{r['total_s']:.1f}"


def report(title: str, rows: dict[str, dict[str, Any]], cap: float) -> None:
    ref = rows["domeplan"]
    print(f"\n{title}")
    print(f"{'tool':<14}{'build s':>10}{'solve s':>10}{'total s':>10}{'objective':>16}  "
          f"{'status':<28}{'peer/ours':>10}  agree")
    for name, r in rows.items():
        build = "-" if r.get("build_s") is None else f"{r['build_s']:.1f}"
        solve = "-" if r.get("solve_s") is None else f"{r['solve_s']:.1f}"
        obj = "-" if r.get("objective") is None else f"{r['objective']:,.0f}"
        if name == "domeplan":
            ratio, agree = "", ""
        else:
            t = r["total_s"] if r.get("total_s") is not None else cap
            bound = t if (r["proven"] or r.get("extrapolated")) else max(t, cap)
            prefix = "≥ " if r.get("extrapolated") else ("" if r["proven"] else "> ")
            ratio = f"{prefix}{bound / ref['total_s']:.1f}×"
            same = r.get("objective") is not None and abs(r["objective"] - ref["objective"]) <= (
                GAP * max(1.0, abs(ref["objective"])))
            agree = "yes" if same else ("-" if r.get("objective") is None or not r["proven"] else "NO")
        print(f"{name:<14}{build:>10}{solve:>10}{fmt_time(r, cap):>10}{obj:>16}  "
              f"{str(r['status'])[:27]:<28}{ratio:>10}  {agree}")


def coverable(inst: CoverInstance) -> CoverInstance:
    keep = np.diff(inst.a.indptr) > 0
    return CoverInstance(w=inst.w[keep], c=inst.c, a=inst.a[keep])


def main() -> None:
    if "--grid" in sys.argv:
        from bench import solve_grid

        sys.argv.remove("--grid")
        solve_grid.main()
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="smoke run on small instances")
    ap.add_argument("--cap", type=float, default=900.0, help="time cap per run, seconds")
    ap.add_argument("--spopt-large", action="store_true", help="run spopt on the largest instance too")
    ap.add_argument("--no-spopt", action="store_true", help="skip spopt")
    ap.add_argument("--json", type=Path, help="write every figure to this file")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # tables appear as they are measured
    mclp_sizes = [(2000, 500), (5000, 1000)] if args.small else [(20000, 2000), (100000, 5000)]
    mincost_sizes = [(2000, 500, True), (2000, 500, False)] if args.small else [
        (2000, 500, True), (5000, 1000, False)]
    out: dict[str, Any] = {"cap_s": args.cap, "gap": GAP, "p": P, "mclp": {}, "min_cost": {}}
    print(f"domeplan solve benchmark — one thread, gap {GAP:.2%}, cap {args.cap:.0f} s; "
          f"maximal covering with p = {P}; times in seconds to a proven optimum")

    rate = None  # spopt seconds per point×site pair, measured on the largest instance it runs
    for k, (m, n) in enumerate(mclp_sizes):
        inst = north_america(m, n, seed=0, count=P)
        rows: dict[str, dict[str, Any]] = {"domeplan": ours(inst, "max_cover", args.cap)}
        if m <= 20000:  # the whole MILP with an interior-point root, without decomposition
            rows["  milp, ipm"] = ours(inst, "max_cover", args.cap, method="milp",
                                       solver_options={"mip_lp_solver": "ipm", "presolve": "off"})
        rows["pyomo+highs"] = peer_pyomo(inst, "mclp", args.cap)
        largest = k == len(mclp_sizes) - 1
        if not args.no_spopt:
            if largest and not args.spopt_large and rate is not None:
                rows["spopt (cbc)"] = {"total_s": rate * m * n, "build_s": rate * m * n, "solve_s": None,
                                       "proven": False, "extrapolated": True, "objective": None,
                                       "status": "not run: build extrapolated"}
            else:
                rows["spopt (cbc)"] = r = peer_spopt(inst, "mclp", args.cap)
                if r.get("build_s"):
                    rate = r["build_s"] / (m * n)
        deg = inst.a.nnz / m
        report(f"Maximal covering, {m:,} points × {n:,} sites ({inst.a.nnz:,} covered pairs, "
               f"{deg / n:.1%} of sites per point)", rows, args.cap)
        out["mclp"][f"{m}x{n}"] = rows

    for m, n, unit in mincost_sizes:
        inst = coverable(north_america(m, n, seed=0, count=None, budget=None if unit else 1e9))
        rows = {"domeplan": ours(inst, "min_cost", args.cap)}
        rows["pyomo+highs"] = peer_pyomo(inst, "mincost", args.cap)
        if unit and not args.no_spopt:  # spopt's LSCP minimises the number of sites only
            rows["spopt (cbc)"] = peer_spopt(inst, "lscp", args.cap)
        kind = "unit costs" if unit else "costs 50-150"
        report(f"Minimum-cost covering of every coverable point, {inst.m:,} points × {n:,} sites ({kind})",
               rows, args.cap)
        out["min_cost"][f"{m}x{n}{'-unit' if unit else ''}"] = rows

    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
