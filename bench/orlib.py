"""OR-Library set covering (GitHub issue 4): published optima, domeplan against plain Pyomo + HiGHS.

For every ``scp*.txt`` in a folder (default: the four copies the tests use), solve minimum-cost
covering with ``models.solve_cover`` (presolve with dominated rows and sites, greedy start, HiGHS)
and with the straightforward Pyomo model solved by HiGHS (``bench.peers.pyomo_highs``), one thread,
gap 0.01 % (exact on these integer costs). Prints both times, the ratio, and whether each objective
equals the published optimum (Beasley 1987) listed in the folder's ``optima.csv``.

Run: ``python bench/orlib.py`` or ``python bench/orlib.py DIR --only 4,5,6,a`` (the shared copy
of all 50 instances sits beside the project in ``shared/data/orlib_scp``; ``--only`` picks the
sets by the characters after ``scp``).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.peers import pyomo_highs
from models import SolveOptions, solve_cover
from models.orlib import read_orlib_scp

HERE = Path(__file__).resolve().parents[1] / "tests" / "models" / "data" / "orlib"


def optima(folder: Path) -> dict[str, float]:
    """Published optima by instance name, from the folder's ``optima.csv`` (none if it has none)."""
    table = folder / "optima.csv"
    if not table.exists():
        return {}
    with table.open(newline="") as f:
        return {row["instance"]: float(row["optimum"]) for row in csv.DictReader(f)}


def set_and_index(name: str) -> tuple[str, int]:
    """``scp410`` -> ("4", 10), ``scpa1`` -> ("a", 1), ``scpnre1`` -> ("nre", 1)."""
    rest = name[3:]
    if rest[:1].isdigit():
        return rest[0], int(rest[1:])
    letters = rest.rstrip("0123456789")
    return letters, int(rest[len(letters):] or 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=HERE, help="folder of scp*.txt files")
    ap.add_argument("--only", default="", help="comma-separated set names, e.g. 4,5,a (default: all)")
    ap.add_argument("--cap", type=float, default=300.0, help="time cap per solve, seconds")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    best = optima(args.folder)
    sets = {s.strip() for s in args.only.split(",") if s.strip()}

    names = sorted((p.stem for p in args.folder.glob("scp*.txt")), key=set_and_index)
    names = [n for n in names if not sets or set_and_index(n)[0] in sets]
    print(f"OR-Library set covering, {len(names)} instances; one thread, cap {args.cap:.0f} s; seconds to a "
          "proven optimum, build included")
    print(f"{'instance':<10}{'m x n':>13}{'optimum':>9}{'domeplan s':>12}{'pyomo+highs s':>15}"
          f"{'ratio':>8}  match")
    totals = [0.0, 0.0]
    matched = 0
    for name in names:
        inst = read_orlib_scp(args.folder / f"{name}.txt")
        t0 = time.perf_counter()
        res = solve_cover(inst, SolveOptions(time_limit_s=args.cap, mip_rel_gap=1e-4, threads=1, seed=0),
                          formulation="min_cost")
        ours = time.perf_counter() - t0
        peer = pyomo_highs("mincost", inst.a, inst.w, inst.c, 0, args.cap)
        theirs = peer["build_s"] + peer["solve_s"]
        ok = name in best and res.status == "optimal" and abs(res.objective - best[name]) < 1e-6
        peer_ok = peer["objective"] is not None and abs(peer["objective"] - best.get(name, -1)) < 1e-6
        matched += ok
        totals[0] += ours
        totals[1] += theirs
        print(f"{name:<10}{f'{inst.m}x{inst.n}':>13}{best.get(name, float('nan')):>9.0f}{ours:>12.2f}"
              f"{theirs:>15.2f}{theirs / ours:>7.1f}×  {'yes' if ok else 'NO'}"
              f"{'' if peer_ok else ' (peer: no)'}")
    print(f"{'total':<10}{'':>13}{'':>9}{totals[0]:>12.1f}{totals[1]:>15.1f}"
          f"{totals[1] / max(totals[0], 1e-9):>7.1f}×  {matched}/{len(names)} published optima reproduced")


if __name__ == "__main__":
    main()
