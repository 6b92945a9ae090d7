"""One run of a batch, as a worker executes it: coverage (cached), solve (warm), verify, package.

:func:`execute_run` is the spawn-safe entry point that local processes and Dask workers call. It
never raises for a failing run: it returns a :class:`~planner.batch.store.RunRecord` with status
``failed`` and the one-line error, so one bad run never stops the others.

**Warm re-solves.** Runs that differ only in budgets, unit costs or maximum counts (or solver
settings, names and titles) share one coverage problem: each worker process keeps the last few
problems by :func:`problem_hash` and applies each run's prices, counts, budget and rules
(:func:`planner.problem.build.priced_for`) instead of recomputing coverage. The parent also hands
each run the plan of the nearest finished run of the same problem as a warm start (the solver uses it
when it is feasible).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import socket
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from models.costshare.registry import RULE_COLUMNS, RULES, RuleInputs
from planner.batch.store import RunRecord, code_version
from planner.errors import InputError
from planner.problem.build import CoverageProblem, build_problem
from planner.scenario.schema import Scenario
from reports.summary import PlanSummary

CACHE_SIZE = 4
"""Coverage problems kept per worker process."""

_CACHE: OrderedDict[str, tuple[CoverageProblem, float]] = OrderedDict()
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class RunTask:
    """What a worker needs for one run (picklable).

    Attributes
    ----------
    key, name, batch, group, params
        Identity of the run (see :class:`planner.batch.spec.RunSpec`).
    scenario
        The fully resolved scenario.
    warm_start
        Site ids of a finished plan to start from, or ``None``.
    warm_start_from
        Name of the run that plan comes from.
    reuse
        Whether to reuse a cached coverage problem.
    """

    key: str
    name: str
    batch: str
    group: str
    params: dict[str, Any]
    scenario: Scenario
    warm_start: tuple[str, ...] | None = None
    warm_start_from: str | None = None
    reuse: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def problem_hash(scenario: Scenario) -> str:
    """Hash of what shapes the coverage problem: the scenario without budgets, costs and counts.

    Removed: ``name``, ``title``, ``description``, ``budget_musd``, the partners' budgets, every asset
    type's ``unit_cost_musd``, ``max_count`` and ``label``, ``requirement`` (applied when the
    instance is packed), ``solver`` and ``schedule`` (years and life cycles do not move coverage).
    """
    d = scenario.model_dump(mode="json")
    for k in ("name", "title", "description", "budget_musd", "requirement", "solver", "schedule"):
        d.pop(k, None)
    d["partners"] = [{k: v for k, v in p.items() if k != "budget_musd"} for p in d["partners"]]
    d["asset_types"] = [{k: v for k, v in a.items() if k not in ("unit_cost_musd", "max_count", "label")}
                        for a in d["asset_types"]]
    return hashlib.sha256(json.dumps(d, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def cached_problem(scenario: Scenario, reuse: bool = True) -> tuple[CoverageProblem, bool, float]:
    """The scenario's coverage problem, from this process's cache when possible.

    Returns
    -------
    problem, reused, saved_s
        ``reused`` says whether the coverage came from the cache; ``saved_s`` is the time the
        original build took (the time this run did not spend).

    Raises
    ------
    InputError
        As :func:`planner.problem.build.build_problem` (also for a cached problem: nothing defendable
        within this run's budget).
    """
    # The check of build_problem that depends on budget and costs, redone for a patched problem.
    from planner.problem.build import _check_something_defendable, priced_for

    h = problem_hash(scenario)
    if reuse:
        with _CACHE_LOCK:
            hit = _CACHE.get(h)
            if hit is not None:
                _CACHE.move_to_end(h)
        if hit is not None:
            problem = priced_for(hit[0], scenario)
            _check_something_defendable(scenario, problem)
            return problem, True, hit[1]
    t0 = time.perf_counter()
    problem = build_problem(scenario)
    built = time.perf_counter() - t0
    if reuse:
        with _CACHE_LOCK:
            _CACHE[h] = (problem, built)
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return problem, False, 0.0


def clear_cache() -> None:
    """Forget this process's cached coverage problems."""
    with _CACHE_LOCK:
        _CACHE.clear()


def one_line(err: BaseException) -> str:
    """The one-line message recorded for a failed run."""
    if isinstance(err, InputError):
        return err.line()
    text = " ".join(str(err).split()) or "(no message)"
    return f"{type(err).__name__}: {text}"[:500]


def _gpkg_bytes(run: Any) -> bytes:
    import pyogrio

    with tempfile.TemporaryDirectory(prefix="domeplan-gpkg-") as tmp:
        path = Path(tmp) / "plan.gpkg"
        run.sites_frame().to_file(path, layer="sites", driver="GPKG", engine="pyogrio")
        run.points_frame().to_file(path, layer="points", driver="GPKG", engine="pyogrio")
        const = run.constellations_frame()
        if len(const):
            pyogrio.write_dataframe(pd.DataFrame(const), path, layer="constellations", driver="GPKG")
        return path.read_bytes()


def allocations(summary: PlanSummary) -> list[dict[str, Any]]:
    """The plan's cost allocations: one row per rule and partner (``RULE_COLUMNS``).

    The pipeline's cost sharing (``summary.cost_sharing.allocations``, every rule the scenario
    asks for) when it ran; otherwise the registry's two rules that need no coalition game,
    ``equal`` and ``benefit`` (in proportion to defended weight; equal when nothing is defended).
    """
    rule_, partner_, amount_ = RULE_COLUMNS
    shared = {} if summary.cost_sharing is None else summary.cost_sharing.allocations
    rows = [{rule_: str(rule), partner_: str(p), amount_: float(v)}
            for rule, split in shared.items() for p, v in split.items()]
    if rows:
        return rows
    parts = summary.per_partner
    players = tuple(str(p.iso_a3) for p in parts)
    defended = {str(p.iso_a3): float(p.defended_weight) for p in parts}
    inputs = RuleInputs(players=players, bill=float(summary.cost_musd), benefit=defended)
    for rule in ("equal", "benefit"):
        use = rule if rule == "equal" or sum(defended.values()) > 0 else "equal"
        rows += [{rule_: rule, partner_: p, amount_: float(v)}
                 for p, v in RULES[use].apply(inputs).items()]
    return rows


@dataclass(frozen=True)
class BatchFacts:
    """How a batch ran one plan: the ``batch`` block of its ``summary.json``."""

    batch: str
    run: str
    key: str
    params: dict[str, Any]
    problem_reused: bool
    coverage_saved_s: float
    warm_start_from: str | None
    warm_start_used: bool
    code_version: str

    def to_json(self) -> dict[str, Any]:
        """The block as written, in field order."""
        return dataclasses.asdict(self)


def _record(task: RunTask, run: Any, *, ph: str, reused: bool, saved: float, wall: float,
            worker: str) -> RunRecord:
    from reports.writers import summary_json

    warm_used = bool(run.result.extra.get("warm_start_feasible")) and task.warm_start is not None
    batch = BatchFacts(batch=task.batch, run=task.name, key=task.key, params=task.params,
                       problem_reused=reused, coverage_saved_s=round(saved, 3),
                       warm_start_from=task.warm_start_from, warm_start_used=warm_used,
                       code_version=code_version())
    summary = run.summary().with_section("batch", batch)
    t = summary.times
    row = {
        "batch": task.batch, "grp": task.group, "params": task.params,
        "scenario_hash": summary.scenario.hash, "problem_hash": ph,
        "code_version": code_version(), "status": summary.status,
        "termination": summary.termination, "objective": summary.objective,
        "bound": summary.bound, "gap": summary.gap, "cost_musd": summary.cost_musd,
        "budget_musd": summary.budget_musd, "defended_weight": summary.defended_weight,
        "total_weight": summary.total_weight, "defended_share": summary.defended_share,
        "n_chosen": summary.n_chosen_sites, "coverage_s": t.coverage_s,
        "build_s": t.build_s, "solve_s": t.solve_s, "verify_s": t.verify_s,
        "total_s": t.total_s, "wall_s": round(wall, 3), "coverage_saved_s": round(saved, 3),
        "problem_reused": reused, "warm_start_from": task.warm_start_from,
        "warm_start_used": warm_used, "error": None, "worker": worker,
        "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
    chosen = run.chosen_sites()
    plans = chosen[["site_id", "asset_type", "domain", "role", "cost_musd", "lon", "lat", "partner",
                    "pattern"]].to_dict("records")
    files = {"plan.gpkg": _gpkg_bytes(run), "summary.json": summary_json(summary.to_json()).encode()}
    if task.extra.get("report", True):
        files["report.html"] = _report_html(run)
    partners = [dataclasses.asdict(p) for p in summary.per_partner]
    return RunRecord(task.key, task.name, row, plans, partners, allocations(summary), files,
                     x=run.x.copy())


def _report_html(run: Any) -> bytes:
    """The run's own report.html: the interactive map (no static PNGs, to keep batches fast)."""
    from planner.run.pipeline import plan_bundle
    from reports.html import render_html

    return render_html(plan_bundle(run)).encode("utf-8")


def execute_run(task: RunTask) -> RunRecord:
    """Run one task and return its record; a failure becomes a ``failed`` record, never an exception.

    Spawn-safe (a module-level function of an importable module): local process pools and Dask
    workers call it directly.
    """
    from planner.run.pipeline import run_scenario

    t0 = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    ph = problem_hash(task.scenario)
    try:
        problem, reused, saved = cached_problem(task.scenario, task.reuse)
        t1 = time.perf_counter()
        x0 = None
        if task.warm_start is not None:
            x0 = problem.sites["site_id"].isin(task.warm_start).to_numpy()
        run = run_scenario(task.scenario, problem=problem, warm_start=x0)
        run.times["coverage_s"] = round(t1 - t0, 3)
        run.times["total_s"] = round(time.perf_counter() - t0, 3)
        return _record(task, run, ph=ph, reused=reused, saved=saved,
                       wall=time.perf_counter() - t0, worker=worker)
    except Exception as err:  # noqa: BLE001 - a failing run is recorded, never raised
        if isinstance(err, InputError) and err.file is None:
            err = err.with_file(f"{task.batch} [run {task.name}]")
        return failed_record(task, one_line(err), wall=time.perf_counter() - t0, worker=worker)


def failed_record(task: RunTask, error: str, *, wall: float = 0.0, worker: str = "") -> RunRecord:
    """The record of a run that failed with ``error``."""
    row = {"batch": task.batch, "grp": task.group, "params": task.params,
           "scenario_hash": task.scenario.digest(), "problem_hash": problem_hash(task.scenario),
           "code_version": code_version(), "status": "failed",
           "budget_musd": task.scenario.budget_musd, "wall_s": round(wall, 3), "error": error,
           "worker": worker, "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
    return RunRecord(task.key, task.name, row)
