"""``domeplan optimize``: covering models on coverage that comes from elsewhere (CSV files, OR-Library).

Inputs:

* ``sites.csv`` — ``site_id, cost[, type]``;
* ``demand.csv`` — ``demand_id, weight[, required]`` (``required``: 1/0, true/false, yes/no);
* ``coverage.csv`` — ``demand_id, site_id``, one row per covering pair, or a sparse matrix
  (``.npz``) or Parquet pairs (:mod:`planner.commands.sparse_input`; sites and demand may be
  Parquet too);
* or ``--orlib-scp FILE``, an OR-Library set-covering file (every row required, unit weights).

:func:`optimize_from_files` returns the JSON-ready result; bad input raises
:class:`~planner.errors.InputError` naming the file, the column (and line) and the bad value.

Length: ``optimize_from_files`` checks every command-line input before reading any file, then reads
and solves; the checks read as a list.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.commands.sparse_input import read_coverage_matrix, read_parquet_table
from planner.errors import InputError

OBJECTIVES = {
    "max-coverage": "max_cover",
    "min-cost": "min_cost",
    "backup": "backup",
    "expected": "expected",
}
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


def _read_csv(path: Path, required: list[str], optional: list[str]) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            df = read_parquet_table(path)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a readable CSV file ({str(exc).splitlines()[0]})", file=path) from None
    df.columns = [str(c).strip() for c in df.columns]
    for col in required:
        if col not in df.columns:
            raise InputError(
                f"missing column (expected {', '.join(required + optional)})", file=path, field=col
            )
    return df[[c for c in required + optional if c in df.columns]].apply(lambda s: s.str.strip())


def _numbers(df: pd.DataFrame, col: str, path: Path, *, positive: bool = False) -> np.ndarray:
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values <= 0 if positive else values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = "a positive number" if positive else "a non-negative number"
        raise InputError(f"must be {what}", file=path, field=f"{col} (line {i + 2})", value=df[col].iloc[i])
    return values


def _ids(df: pd.DataFrame, col: str, path: Path) -> np.ndarray:
    ids = df[col].to_numpy(dtype=object)
    empty = np.flatnonzero(df[col].to_numpy() == "")
    if empty.size:
        raise InputError("empty id", file=path, field=f"{col} (line {int(empty[0]) + 2})", value="")
    dup = df[col].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError("duplicate id", file=path, field=f"{col} (line {i + 2})", value=ids[i])
    return ids


def _lookup(keys: pd.Series, ids: np.ndarray, path: Path, col: str, other: Path) -> np.ndarray:
    index = pd.Index(ids)
    pos = index.get_indexer(keys)
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        raise InputError(f"not in {other.name}", file=path, field=f"{col} (line {i + 2})", value=keys.iloc[i])
    return pos


def load_csv_instance(
    sites: Path, demand: Path, coverage: Path, *, type_max: dict[str, int] | None = None
) -> Any:
    """Read the three CSV files into a :class:`models.CoverInstance` (budget and count unset)."""
    from models import CoverInstance

    s = _read_csv(sites, ["site_id", "cost"], ["type"])
    d = _read_csv(demand, ["demand_id", "weight"], ["required"])
    site_ids, demand_ids = _ids(s, "site_id", sites), _ids(d, "demand_id", demand)
    cost = _numbers(s, "cost", sites)
    weight = _numbers(d, "weight", demand)
    required = None
    if "required" in d.columns:
        flags = d["required"].str.lower()
        bad = ~flags.isin(_TRUE | _FALSE)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                "must be 1/0, true/false or yes/no",
                file=demand,
                field=f"required (line {i + 2})",
                value=d["required"].iloc[i],
            )
        required = flags.isin(_TRUE).to_numpy()
    if coverage.suffix in (".npz", ".parquet"):  # large inputs: see planner.commands.sparse_input
        a = read_coverage_matrix(coverage, demand_ids, site_ids)
    else:
        cov = _read_csv(coverage, ["demand_id", "site_id"], [])
        rows = _lookup(cov["demand_id"], demand_ids, coverage, "demand_id", demand)
        cols = _lookup(cov["site_id"], site_ids, coverage, "site_id", sites)
        a = sp.csr_array(
            (np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(demand_ids.size, site_ids.size)
        )
    site_type = tm = None
    names: tuple[str, ...] = ()
    if "type" in s.columns:
        names = tuple(sorted(set(s["type"])))
        site_type = pd.Index(names).get_indexer(s["type"])
        limits = type_max or {}
        for t in limits:
            if t not in names:
                raise InputError(f"no site of this type in {sites.name}", file="--type-max", value=t)
        tm = np.array([limits.get(t, site_ids.size) for t in names])
    elif type_max:
        raise InputError("--type-max needs a 'type' column", file=sites, field="type")
    return CoverInstance(
        w=weight,
        c=cost,
        a=a,
        required=required,
        site_type=site_type,
        type_max=tm,
        demand_ids=demand_ids,
        site_ids=site_ids,
        type_names=names,
    )


def optimize_from_files(
    *,
    sites: Path | None = None,
    demand: Path | None = None,
    coverage: Path | None = None,
    orlib_scp: Path | None = None,
    objective: str = "max-coverage",
    budget: float | None = None,
    count: int | None = None,
    type_max: dict[str, int] | None = None,
    engine: str = "highs",
    solver: str | None = None,
    time_limit_s: float | None = 60.0,
    mip_rel_gap: float = 0.0,
    threads: int | None = None,
    seed: int = 0,
    theta: float = 0.5,
    p: float | None = None,
    method: str = "auto",
) -> dict[str, Any]:
    """Solve a covering model on CSV (or OR-Library) input and return the ``--json`` object.

    The object holds ``status`` (``optimal`` | ``feasible`` | ``infeasible`` | ``no_solution``),
    ``objective``, ``bound``, ``gap``, ``sites`` (chosen site ids), ``seconds``, and details
    (``cost``, ``covered_weight``, ``engine``, ``solver``, ``termination``, ``presolve``, and
    ``diagnosis`` when infeasible).

    Raises
    ------
    planner.errors.InputError
        For bad input, naming the file, the column (and line) and the bad value.
    """
    from models import SolveOptions, engines
    from models.api import solve_cover
    from models.orlib import OrLibFormatError, read_orlib_scp

    t0 = time.perf_counter()
    if objective not in OBJECTIVES:
        raise InputError(f"choose one of {', '.join(OBJECTIVES)}", file="--objective", value=objective)
    if engine not in engines.names():
        raise InputError(f"choose one of {', '.join(engines.names())}", file="--engine", value=engine)
    if solver is not None and not engines.capabilities(engine).solver_choice:
        raise InputError("--solver needs --engine pyomo", file="--solver", value=solver)
    from planner.problem.preflight import engine_available

    if not engine_available(engine, solver or "highs"):  # before reading anything
        flag, value = ("--solver", solver or "highs") if engine == "pyomo" else ("--engine", engine)
        raise InputError("not installed here", file=flag, value=value)
    if budget is not None and not (np.isfinite(budget) and budget >= 0):
        raise InputError("must be a non-negative number", file="--budget", value=budget)
    if count is not None and count < 1:
        raise InputError("must be a positive integer", file="--count", value=count)
    if time_limit_s is not None and time_limit_s <= 0:
        raise InputError("must be positive", file="--time-limit", value=time_limit_s)
    form = OBJECTIVES[objective]
    if form == "expected" and (p is None or not 0 < p <= 1):
        raise InputError("expected coverage needs --p in (0, 1]", file="--p", value=p)
    if not 0 <= theta <= 1:
        raise InputError("must lie in [0, 1]", file="--theta", value=theta)

    if orlib_scp is not None:
        if any(f is not None for f in (sites, demand, coverage)):
            raise InputError(
                "give either --orlib-scp or --sites/--demand/--coverage",
                file="--orlib-scp",
                value=str(orlib_scp),
            )
        try:
            inst = read_orlib_scp(orlib_scp)
        except OrLibFormatError as exc:
            raise InputError(str(exc).split(": ", 1)[-1], file=orlib_scp) from None
        if form != "min_cost":  # OR-Library marks every row required: keep it for min-cost only
            inst = type(inst)(
                w=inst.w, c=inst.c, a=inst.a, demand_ids=inst.demand_ids, site_ids=inst.site_ids
            )
    else:
        missing = [
            n for n, f in (("--sites", sites), ("--demand", demand), ("--coverage", coverage)) if f is None
        ]
        if missing:
            raise InputError(f"missing {', '.join(missing)} (or give --orlib-scp)", file="optimize")
        assert sites is not None and demand is not None and coverage is not None  # none missing
        inst = load_csv_instance(Path(sites), Path(demand), Path(coverage), type_max=type_max)

    if form != "min_cost" and budget is None and count is None:
        raise InputError(f"{objective} needs --budget or --count", file="optimize")
    inst = dataclasses.replace(inst, budget=budget, count=count)
    options = SolveOptions(time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, threads=threads, seed=seed)
    from models.api import METHODS

    if method not in METHODS:
        raise InputError(f"choose one of {', '.join(METHODS)}", file="--method", value=method)
    res = solve_cover(
        inst, options, formulation=form, engine=engine, solver=solver, theta=theta, p=p, method=method
    )
    chosen = [] if res.x is None else [str(s) for s in inst.site_ids[res.x]]
    out: dict[str, Any] = {
        "status": res.status,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "sites": chosen,
        "seconds": round(time.perf_counter() - t0, 3),
        "objective_name": objective,
        "cost": None if res.x is None else float(inst.c[res.x].sum()),
        "covered_weight": None if res.x is None else inst.evaluate(res.x)[0],
        "n_sites": len(chosen),
        "engine": res.engine,
        "solver": res.solver,
        "solver_version": res.solver_version,
        "termination": res.termination.value,
        "solve_seconds": round(res.wall_time_s, 3),
        "presolve": None if res.presolve is None else res.presolve.to_dict(),
        "method": res.extra.get("method", "milp"),
        "method_reason": res.extra.get("method_reason"),
    }
    if res.diagnosis is not None:
        out["diagnosis"] = res.diagnosis.to_dict()
    return out
