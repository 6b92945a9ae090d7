"""End to end on the small scenario: a verified plan, and verification that catches tampering."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from planner import VerificationError, write_run
from planner.problem.build import CoverageProblem
from planner.run.verify import verify_plan


def test_plan_is_verified_and_consistent(small_run):
    run = small_run
    assert run.result.status in ("optimal", "feasible")
    assert run.certificate.ok
    s = run.summary()
    assert s.cost_musd <= run.scenario.budget_musd + 1e-6
    assert s.defended_weight == pytest.approx(run.result.objective, rel=1e-9)
    # per-partner weights add up to the network figures
    assert sum(p.defended_weight for p in s.per_partner) == pytest.approx(s.defended_weight)
    assert sum(p.total_weight for p in s.per_partner) == pytest.approx(s.total_weight)
    # the instance's own evaluation agrees with the recomputation
    weight, cost = run.problem.to_instance().evaluate(run.x)
    assert weight == pytest.approx(run.certificate.defended_weight)
    assert cost == pytest.approx(run.certificate.cost_musd)
    assert 0 < s.defended_share <= 1



@pytest.mark.parametrize("engine", ["pyomo", "cpsat"])
def test_every_engine_reaches_the_same_verified_optimum(small_run, engine):
    """The scenario's engine is a choice of speed, never of answer (HiGHS arrays as reference)."""
    from planner import run_scenario

    assert small_run.scenario.solver.engine == "highs"  # the default
    other = small_run.scenario.with_overrides({"solver": {"engine": engine}})
    run = run_scenario(other, problem=small_run.problem)
    assert run.certificate.ok and run.result.status == "optimal"
    assert run.summary().solver.engine == engine
    assert run.result.objective == pytest.approx(small_run.result.objective, rel=1e-4)

def test_budget_binds_something(small_run):
    """The small scenario's budget cannot buy every candidate, so the optimiser had to choose."""
    run = small_run
    assert run.problem.sites["cost_musd"].sum() > run.scenario.budget_musd
    assert run.x.sum() < len(run.x)


def test_verification_catches_a_wrong_objective(small_run):
    run = small_run
    cert = verify_plan(run.scenario, run.problem, run.x, run.result.objective + 1000.0)
    assert not cert.ok
    assert [c.name for c in cert.checks if not c.ok] == ["objective"]
    with pytest.raises(VerificationError, match="objective"):
        cert.raise_if_failed()


def test_verification_catches_a_tampered_plan(small_run):
    """Add a site the solver did not choose: over budget or over a count, and objective drifts."""
    run = small_run
    x = run.x.copy()
    extra = np.flatnonzero(~x)
    x[extra[: max(1, len(extra) // 2)]] = True
    cert = verify_plan(run.scenario, run.problem, x, run.result.objective)
    failed = {c.name for c in cert.checks if not c.ok}
    assert "budget" in failed


def test_verification_catches_tampered_coverage(small_run):
    """A coverage matrix that claims a chosen interceptor covers everything is caught."""
    run = small_run
    p = run.problem
    chosen_k = np.flatnonzero(run.x & (p.sites["role"].to_numpy() == "interceptor"))
    assert chosen_k.size
    a_k = p.a_interceptor.tolil()
    a_k[:, chosen_k[0]] = 1
    forged = CoverageProblem(p.demand, p.sites, p.a_sensor, sp.csr_array(a_k), p.space_fraction,
                             p.partners, p.type_names, p.type_max, p.site_type)
    inst = forged.to_instance()
    claimed, _ = inst.evaluate(run.x)
    cert = verify_plan(run.scenario, forged, run.x, claimed)
    failed = {c.name for c in cert.checks if not c.ok}
    assert claimed > run.certificate.defended_weight  # the forgery claims more than the truth
    assert {"coverage_matrix"} <= failed


def test_outputs_written(small_run, tmp_path):
    paths = write_run(small_run, tmp_path)
    folder = tmp_path / "small"
    for name in ("report.html", "plan.gpkg", "summary.json", "plan.csv"):
        assert (folder / name).is_file(), name
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["verification"]["ok"] is True
    assert summary["scenario"]["hash"] == small_run.scenario.digest()
    html = (folder / "report.html").read_text()
    assert "data:image/png;base64," in html and "notional" in html.lower()
    assert paths["report.html"] == folder / "report.html"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
