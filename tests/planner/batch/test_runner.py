"""Running batches: processes and a Dask LocalCluster agree, a killed batch resumes, runs repeat."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from planner.batch.runner import SUMMARY_FILE, run_batch
from planner.batch.spec import load_batch
from planner.batch.store import ResultStore
from tests.conftest import SMALL

ROOT = Path(__file__).resolve().parents[3]
BUDGETS = [600, 900, 1200, 1500, 2000, 2500]
SHIP_COSTS = [400, 600]


def _write(folder: Path, *, seed: int = 0) -> Path:
    """A 12-run sweep (6 budgets x 2 ship costs) on the small scenario, solved to optimality."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "small.yaml").write_text(yaml.safe_dump(copy.deepcopy(SMALL), sort_keys=False))
    batch = {
        "name": "sweep12",
        "base": "small.yaml",
        "overrides": {
            "exact": {"solver": {"mip_rel_gap": 0.0, "seed": seed}},
            "no_sats": {"asset_types": {"sats": None}},
        },
        "sweeps": [
            {
                "name": "s",
                "overrides": ["exact", "no_sats"],
                "parameters": [
                    {"path": ["budget_musd"], "values": BUDGETS},
                    {"path": ["asset_types", "ship", "unit_cost_musd"], "values": SHIP_COSTS},
                ],
            }
        ],
    }
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(batch, sort_keys=False))
    return path


def _results(folder: Path) -> pd.DataFrame:
    with ResultStore(folder, read_only=True) as store:
        return store.runs().set_index("name")


@pytest.fixture(scope="session")
def on_processes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("processes")
    batch = load_batch(_write(folder), output=folder / "out")
    report = run_batch(batch, workers=2, run_reports=False)  # reports: tests/browser
    return batch, report, _results(batch.output)


def test_sweep_on_processes_stores_every_run(on_processes):
    batch, report, runs = on_processes
    assert (report.total, report.done, report.failed, report.skipped) == (12, 12, 0, 0)
    assert report.executor == "processes"
    assert list(runs.index) == [f"s-{k:03d}" for k in range(12)]
    assert set(runs["status"]) == {"optimal"}
    assert (runs["cost_musd"] <= runs["budget_musd"] + 1e-6).all()
    # more budget never defends less, at either ship cost
    for cost in SHIP_COSTS:
        sub = runs[[json.loads(p)["asset_types[ship].unit_cost_musd"] == cost for p in runs["params"]]]
        assert np.all(np.diff(sub.sort_values("budget_musd")["defended_weight"]) >= -1e-6)
    # every run's folder holds its GeoPackage and summary; plan rows match the chosen count
    with ResultStore(batch.output, read_only=True) as store:
        plans = store.plans().groupby("name").size()
        for name, row in runs.iterrows():
            folder = store.run_folder(name)
            summary = json.loads((folder / "summary.json").read_text())
            assert summary["batch"]["key"] == row["key"] and summary["scenario"]["name"] == name
            assert plans.get(name, 0) == row["n_chosen"] == summary["n_chosen_sites"]
            assert (folder / "plan.gpkg").stat().st_size > 0
        sites = store.layer("s-011", "sites")
        assert int(sites["chosen"].sum()) == runs.loc["s-011", "n_chosen"]  # no constellations here
    # runs of one problem reuse its coverage: at most one build per worker process
    assert report.problems_built <= 2 and report.problems_reused >= 10
    assert report.coverage_saved_s > 0


def test_localcluster_gives_the_same_results(on_processes, tmp_path):
    distributed = pytest.importorskip("distributed")
    batch, _, expected = on_processes
    dask_batch = load_batch(batch.file, output=tmp_path / "dask")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True
    ) as cluster:
        report = run_batch(dask_batch, scheduler=cluster.scheduler_address, run_reports=False)
    assert report.executor == "dask" and (report.done, report.failed) == (12, 0)
    got = _results(dask_batch.output)
    assert list(got.index) == list(expected.index)
    assert list(got["key"]) == list(expected["key"])  # the same resolved scenarios and code
    # solved to optimality: the same defended weight (plans may differ only between equal optima)
    np.testing.assert_allclose(got["defended_weight"], expected["defended_weight"], rtol=1e-9)
    assert list(got["status"]) == list(expected["status"])


def test_comparison_outputs(on_processes):
    from planner.batch.compare import compare_batch, pareto_frontier, write_comparison

    batch, _, runs = on_processes
    c = compare_batch(batch.output)
    assert c.name == "sweep12" and len(c.runs) == 12 and c.stats["ok"] == 12
    front = c.frontier
    # the frontier, recomputed by brute force: no other run defends as much for as little
    ok = runs.reset_index()
    for r in front.itertuples():
        dominated = ok[(ok["budget_musd"] <= r.budget_musd) & (ok["defended_weight"] > r.defended_weight)]
        assert dominated.empty
    assert front["budget_musd"].is_monotonic_increasing
    assert np.all(np.diff(front["defended_weight"]) > 0)
    k = 1 if len(front) > 1 else 0
    if k:
        expect = (front["defended_weight"][1] - front["defended_weight"][0]) / (
            front["budget_musd"][1] - front["budget_musd"][0]
        )
        assert front["marginal_per_musd"][1] == pytest.approx(expect)
    paths = write_comparison(batch.output, c)
    assert paths["frontier.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = paths["summary.html"].read_text()
    assert "data:image/png;base64," in html and "s-011" in html and "http" not in html
    assert len(pd.read_csv(paths["comparison.csv"])) == 12
    toy = pd.DataFrame(
        {
            "status": ["optimal"] * 4,
            "budget_musd": [1, 2, 2, 3],
            "defended_weight": [5, 4, 7, 7],
            "name": list("abcd"),
        }
    )
    assert pareto_frontier(toy)["name"].tolist() == ["a", "c"]


def _plan_sets(folder: Path) -> dict[str, tuple[str, ...]]:
    with ResultStore(folder, read_only=True) as store:
        df = store.query("SELECT r.name, p.site_id FROM plans p JOIN runs r ON p.run_key = r.key")
    return df.groupby("name")["site_id"].apply(lambda s: tuple(sorted(s))).to_dict()


def test_killed_batch_resumes_with_nothing_lost_or_duplicated(tmp_path, on_processes):
    path = _write(tmp_path, seed=1)  # another seed: other keys than the session's runs
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-c",
        "import cli; cli.main()",
        "batch",
        str(path),
        "--out",
        str(out),
        "--workers",
        "0",
        "--quiet",
        "--no-run-reports",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    stderr = proc.stderr
    assert stderr is not None  # piped
    runs_dir = out / "runs"
    seen = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        seen = len([p for p in runs_dir.iterdir() if not p.name.startswith(".")]) if runs_dir.exists() else 0
        if seen >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, f"the batch ended before it could be killed: {stderr.read().decode()}"
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and anything it started, mid-batch
    proc.wait()
    assert 3 <= seen < 12

    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    report = json.loads((out / SUMMARY_FILE).read_text())["batch"]
    assert report["skipped"] >= seen  # finished runs (and a folder without its row) were kept
    assert report["done"] == 12 - report["skipped"] and report["failed"] == 0

    batch = load_batch(path, output=out)
    with ResultStore(out, read_only=True) as store:
        all_rows = store.query("SELECT key, name, status FROM runs")
        counts = store.query("SELECT run_key, count(*) AS n FROM plans GROUP BY run_key")
        chosen = store.query("SELECT key, n_chosen FROM runs")
    assert sorted(all_rows["key"]) == sorted(r.key for r in batch.runs)  # none lost, none extra
    assert all_rows["key"].is_unique and set(all_rows["status"]) == {"optimal"}
    merged = chosen.merge(counts, left_on="key", right_on="run_key", how="left").fillna(0)
    assert (merged["n"] == merged["n_chosen"]).all()  # no partial plan
    leftovers = [p.name for p in runs_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == [] and len(list(runs_dir.iterdir())) == 12
    # Independent of history (issue #17): another solver seed, a kill and a resume (so other warm
    # starts) give the very plans of the uninterrupted batch on two processes: ties are broken by
    # the second, lexicographic solve of models.tiebreak, not by the solver's path.
    assert _plan_sets(out) == _plan_sets(on_processes[0].output)


def test_same_run_twice_same_plan(on_processes):
    """Deterministic: a run solved twice from scratch (no cache, no warm start) gives one plan."""
    from planner.batch.worker import RunTask, clear_cache, execute_run

    batch, _, runs = on_processes
    spec = batch.run("s-007")
    plans = []
    for _ in range(2):
        clear_cache()
        rec = execute_run(
            RunTask(spec.key, spec.name, batch.name, spec.group, spec.params, spec.scenario, reuse=False)
        )
        assert rec.ok and not rec.row["problem_reused"]
        plans.append(sorted(p["site_id"] for p in rec.plans))
        assert rec.row["defended_weight"] == pytest.approx(runs.loc["s-007", "defended_weight"], rel=1e-9)
    assert plans[0] == plans[1]
    clear_cache()
