"""Run a batch: on local processes (default) or a Dask cluster, skipping finished runs.

The parent process owns the results store: it reconciles it, submits the runs that are not finished
yet (at most as many as there are workers, so later runs can warm-start from earlier ones), and
stores each record as it arrives. Workers only compute (:func:`planner.batch.worker.execute_run`).

Local processes are started with the ``spawn`` method, so a script that calls :func:`run_batch`
needs an ``if __name__ == "__main__":`` guard (workers re-import the script).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from planner.batch.spec import Batch, RunSpec
from planner.batch.store import Reconciled, ResultStore, code_version
from planner.batch.worker import RunTask, execute_run, failed_record, one_line, problem_hash

SUMMARY_FILE = "batch_summary.json"


@dataclass
class BatchProgress:
    """Counts shown while a batch runs."""

    total: int
    """Runs in the batch."""
    skipped: int = 0
    """Finished in an earlier invocation (not run again)."""
    done: int = 0
    """Finished now, successfully."""
    failed: int = 0
    """Finished now, failed."""
    running: int = 0
    """Submitted and not finished."""
    last: str | None = None
    """Name of the last run finished."""

    @property
    def finished(self) -> int:
        """Runs out of the way (skipped, done or failed)."""
        return self.skipped + self.done + self.failed


@dataclass(frozen=True)
class BatchReport:
    """What a call of :func:`run_batch` did."""

    batch: str
    folder: Path
    total: int
    skipped: int
    done: int
    failed: int
    wall_s: float
    """Wall-clock time of this invocation."""
    run_s: float
    """Sum of the runs' own wall times (work done by all workers)."""
    coverage_saved_s: float
    """Coverage time not spent thanks to reused problems."""
    problems_built: int
    problems_reused: int
    warm_starts_used: int
    workers: int
    executor: str
    reconciled: Reconciled = field(default_factory=Reconciled)
    errors: dict[str, str] = field(default_factory=dict)
    """One-line error of each run that failed now, by run name."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (written to ``batch_summary.json``)."""
        d = asdict(self)
        d["folder"] = str(self.folder)
        d["code_version"] = code_version()
        return d


# --------------------------------------------------------------------------- executors


class _Inline:
    """Runs each task in this process as it is submitted (``workers=0``: debugging, notebooks)."""

    name = "inline"
    capacity = 1

    def submit(self, task: RunTask) -> Future:
        fut: Future = Future()
        fut.set_result(execute_run(task))
        return fut

    def reset(self) -> None:
        """Nothing to reset."""

    def close(self) -> None:
        """Nothing to close."""


class _Local:
    """A pool of spawned local processes."""

    name = "processes"

    def __init__(self, workers: int) -> None:
        self.capacity = workers
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.capacity, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, task: RunTask) -> Future:
        return self.pool.submit(execute_run, task)

    def reset(self) -> None:
        """Replace a broken pool (a worker process died)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new()

    def close(self) -> None:
        """Shut the pool down, cancelling what has not started."""
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    """A Dask cluster through a ``distributed.Client``."""

    name = "dask"

    def __init__(self, scheduler: Any, workers: int | None) -> None:
        try:
            from distributed import Client
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise RuntimeError("--scheduler needs Dask: pip install 'domeplan[dask]'") from err
        self.own = isinstance(scheduler, str)
        self.client = Client(scheduler) if self.own else scheduler
        threads = sum(self.client.nthreads().values())
        self.capacity = max(1, workers or threads)

    def submit(self, task: RunTask) -> Any:
        return self.client.submit(execute_run, task, pure=False,
                                  key=f"domeplan-{task.name}-{uuid.uuid4().hex[:8]}")

    def reset(self) -> None:
        """Dask replaces lost workers itself."""

    def close(self) -> None:
        """Close the client if this runner opened it (never the cluster)."""
        if self.own:
            self.client.close()


# --------------------------------------------------------------------------- warm starts


class _WarmStarts:
    """Finished plans by coverage problem, to start each new run from the nearest one."""

    def __init__(self) -> None:
        self.plans: dict[str, list[tuple[float, str, tuple[str, ...]]]] = {}

    def add(self, ph: str, budget: float, name: str, site_ids: tuple[str, ...]) -> None:
        self.plans.setdefault(ph, []).append((budget, name, site_ids))

    def load(self, store: ResultStore) -> None:
        """Plans already in the store (this code version only: site ids must mean the same)."""
        df = store.query(
            "SELECT r.problem_hash, r.budget_musd, r.name, list(p.site_id ORDER BY p.site_id) AS ids "
            "FROM runs r LEFT JOIN plans p ON p.run_key = r.key "
            "WHERE r.status <> 'failed' AND r.code_version = ? "
            "GROUP BY r.problem_hash, r.budget_musd, r.name, r.key", [code_version()])
        for ph, budget, name, ids in df.itertuples(index=False):
            self.add(ph, float(budget), name, tuple(i for i in ids if i is not None))

    def nearest(self, ph: str, budget: float) -> tuple[str, tuple[str, ...]] | None:
        """The nearest finished plan of a problem, or ``None``.

        The plan of the largest budget not above ``budget`` (feasible when costs are equal), else
        of the smallest budget above it.
        """
        plans = self.plans.get(ph)
        if not plans:
            return None
        below = [p for p in plans if p[0] <= budget]
        best = max(below, key=lambda p: p[0]) if below else min(plans, key=lambda p: p[0])
        return best[1], best[2]


# --------------------------------------------------------------------------- the loop


def _order(runs: list[RunSpec]) -> list[RunSpec]:
    """Group runs by coverage problem (first appearance) and sort each group by budget."""
    first: dict[str, int] = {}
    hashes = [problem_hash(r.scenario) for r in runs]
    for k, h in enumerate(hashes):
        first.setdefault(h, k)
    order = sorted(range(len(runs)), key=lambda k: (first[hashes[k]], runs[k].scenario.budget_musd, k))
    return [runs[k] for k in order]


def _executor(workers: int, scheduler: Any) -> _Inline | _Local | _Dask:
    if scheduler is not None:
        return _Dask(scheduler, workers or None)
    if workers == 0:
        return _Inline()
    return _Local(workers)


def run_batch(
    batch: Batch,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    warm_start: bool | None = None,
    retry_failed: bool = True,
    on_progress: Callable[[BatchProgress], None] | None = None,
    run_reports: bool = True,
) -> BatchReport:
    """Run every unfinished run of ``batch`` and store the results in ``batch.output``.

    Parameters
    ----------
    batch
        The runs (see :func:`planner.batch.spec.load_batch`).
    workers
        Local worker processes (default: ``batch.workers``, else the number of CPUs); ``0`` runs
        in this process. With ``scheduler``: the number of runs in flight (default: the cluster's
        threads).
    scheduler
        A Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``: run there.
    warm_start
        Reuse coverage problems and warm-start solves (default: ``batch.warm_start``).
    retry_failed
        Run again the runs stored as failed (a finished run is never rerun).
    on_progress
        Called with the counts whenever they change (and about twice a second).
    run_reports
        Write each run's own ``report.html`` (interactive map, no static images) into its folder,
        linked from ``summary.html``; ``False`` saves a few seconds per run.

    Returns
    -------
    BatchReport
        Counts and times; the results are in ``ResultStore(batch.output)``.
    """
    t0 = time.perf_counter()
    warm = batch.warm_start if warm_start is None else warm_start
    n = batch.workers if workers is None else workers
    n = (os.cpu_count() or 1) if n is None else n
    keys = {r.name: r.key for r in batch.runs}
    report_kw: dict[str, Any] = {}
    with ResultStore(batch.output) as store:
        reconciled = store.reconcile()
        store.set_batch([(r.name, keys[r.name], r.group, r.params) for r in batch.runs])
        status = store.statuses()
        todo = [r for r in batch.runs
                if keys[r.name] not in status or (retry_failed and status[keys[r.name]] == "failed")]
        progress = BatchProgress(total=len(batch.runs), skipped=len(batch.runs) - len(todo))
        warm_index = _WarmStarts()
        if warm:
            warm_index.load(store)
        pending = deque(_order(todo))
        events: queue.SimpleQueue = queue.SimpleQueue()
        inflight: dict[Any, RunTask] = {}
        counts = {"run_s": 0.0, "saved": 0.0, "built": 0, "reused": 0, "warm": 0}
        errors: dict[str, str] = {}
        say = on_progress or (lambda _p: None)
        say(progress)
        pool = _executor(n, scheduler) if pending else None
        broken = False
        try:
            while pending or inflight:
                assert pool is not None
                while pending and len(inflight) < pool.capacity:
                    if broken:
                        pool.reset()
                        broken = False
                    spec = pending.popleft()
                    task = _task(batch, spec, keys[spec.name], warm_index if warm else None, warm,
                                 run_reports)
                    fut = pool.submit(task)
                    inflight[fut] = task
                    fut.add_done_callback(events.put)
                progress.running = len(inflight)
                say(progress)
                try:
                    fut = events.get(timeout=0.5)
                except queue.Empty:
                    continue
                task = inflight.pop(fut)
                try:
                    rec = fut.result()
                except BrokenProcessPool:
                    broken = True
                    rec = failed_record(task, "worker process died (killed, or out of memory)")
                except Exception as err:  # noqa: BLE001 - e.g. a Dask worker lost mid-run
                    rec = failed_record(task, one_line(err))
                store.record(rec)
                if rec.ok:
                    progress.done += 1
                    counts["run_s"] += rec.row.get("wall_s") or 0.0
                    counts["saved"] += rec.row.get("coverage_saved_s") or 0.0
                    counts["reused" if rec.row.get("problem_reused") else "built"] += 1
                    counts["warm"] += bool(rec.row.get("warm_start_used"))
                    warm_index.add(rec.row["problem_hash"], float(rec.row["budget_musd"]), rec.name,
                                   tuple(sorted(p["site_id"] for p in rec.plans)))
                else:
                    progress.failed += 1
                    errors[rec.name] = str(rec.row.get("error"))
                progress.last = rec.name
                progress.running = len(inflight)
                say(progress)
        finally:
            if pool is not None:
                pool.close()
        report_kw = dict(
            batch=batch.name, folder=batch.output, total=progress.total, skipped=progress.skipped,
            done=progress.done, failed=progress.failed, wall_s=round(time.perf_counter() - t0, 3),
            run_s=round(counts["run_s"], 3), coverage_saved_s=round(counts["saved"], 3),
            problems_built=int(counts["built"]), problems_reused=int(counts["reused"]),
            warm_starts_used=int(counts["warm"]), workers=pool.capacity if pool else 0,
            executor=pool.name if pool else "none", reconciled=reconciled, errors=errors)
    report = BatchReport(**report_kw)
    _write_summary(batch, report)
    return report


def _task(batch: Batch, spec: RunSpec, key: str, warm_index: _WarmStarts | None,
          reuse: bool, report: bool = True) -> RunTask:
    ph = problem_hash(spec.scenario)
    near = warm_index.nearest(ph, spec.scenario.budget_musd) if warm_index else None
    return RunTask(key=key, name=spec.name, batch=batch.name, group=spec.group, params=spec.params,
                   scenario=spec.scenario, warm_start=near[1] if near else None,
                   warm_start_from=near[0] if near else None, reuse=reuse,
                   extra={"report": report})


def _write_summary(batch: Batch, report: BatchReport) -> None:
    from reports.atomic import atomic_write_text

    data = {"batch": report.to_dict(), "file": str(batch.file) if batch.file else None,
            "runs": [{"name": r.name, "key": r.key, "group": r.group, "params": r.params}
                     for r in batch.runs]}
    atomic_write_text(Path(batch.output) / SUMMARY_FILE, json.dumps(data, indent=2, default=str) + "\n")
