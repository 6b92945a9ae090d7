"""The build-out stage end to end on the small scenario: years, bills, core, verification, outputs."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import numpy as np
import pytest

from planner import parse_scenario, run_scenario, write_run
from planner.errors import InputError
from planner.run.schedule import schedule_instance
from planner.run.schedule_verify import verify_schedule
from tests.conftest import SMALL

SCHEDULE: dict[str, Any] = {  # the scenario's raw YAML block
    "first_year": 2026,
    "last_year": 2029,
    "base_year": 2025,
    "annual_budget_musd": [900, 900, 700, 700],
    "carry_over": False,
    "discount_rate": 0.03,
    "inflation_rate": 0.02,
    "milestones": [{"year": 2028, "min_defended_share": 0.2}, {"year": 2029, "asset_type": "battery"}],
    "lifecycle": {
        "radar": {"lead_time_years": 1, "service_life_years": 20, "om_per_year_musd": 20, "cost_range": 0.2},
        "battery": {"lead_time_years": 1, "om_per_year_musd": 8},
        "sats": {
            "lead_time_years": 1,
            "service_life_years": 2,
            "om_per_year_musd": 1,
            "replacement_cost_fraction": 0.5,
            "cost_range": 0.5,
        },
    },
    "reference_lines": [
        {"label": "announced", "total_musd": 3000},
        {"label": "CAN share", "total_musd": 500, "partner": "CAN"},
    ],
}


TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def with_schedule(schedule: dict | None = None) -> dict:
    data = copy.deepcopy(SMALL)
    data["schedule"] = copy.deepcopy(schedule or SCHEDULE)
    data["cost_sharing"] = {"joint_plan": {"enabled": False}}
    return data


@pytest.fixture(scope="module")
def sched_run(small_run):
    """The small scenario with a four-year schedule, on the session's coverage problem."""
    sc = parse_scenario(with_schedule(), file="small_schedule.yaml")
    return run_scenario(sc, problem=small_run.problem)


def test_years_fit_budgets_and_are_verified(sched_run):
    s = sched_run.summary().to_json()["schedule"]
    assert s["verification"]["ok"]
    assert s["solve"]["status"] == "optimal"
    years = s["years"]
    assert [y["year"] for y in years] == [2026, 2027, 2028, 2029]
    for y in years:
        assert y["spend_musd"] <= y["budget_musd"] + 1e-6
        parts = y["acquisition_musd"] + y["operations_musd"] + y["replacement_musd"]
        assert y["spend_musd"] == pytest.approx(parts)
        assert set(y["in_service"]) == {"radar", "battery", "ship", "sats"}
    # Milestones hold from their year on, and the recomputed shares say so.
    assert years[2]["defended_share"] >= 0.2 and years[3]["defended_share"] >= 0.2
    assert years[3]["in_service"]["battery"] >= 1
    assert all(m["ok"] for m in s["milestones"])


def test_every_year_recomputed_independently_and_tampering_caught(sched_run):
    sc, problem = sched_run.scenario, sched_run.problem
    inst = schedule_instance(sc, problem)
    builds = sched_run.schedule.builds
    funded = np.full(inst.n, -1)
    ids = problem.sites["site_id"].tolist()
    for b in builds.itertuples():
        if b.funded_year is not None and not np.isnan(b.funded_year):
            funded[ids.index(b.site_id)] = int(b.funded_year) - sc.schedule.first_year
    led = inst.ledger(funded)
    claimed = {c: led[c].sum(axis=0) for c in ("acquisition", "operations", "replacement")}
    weight = inst.base.w @ inst.defended_by_year(funded)
    ok = verify_schedule(sc, problem, funded, claimed, weight, None, inst.discount)
    assert ok.ok
    bad = dict(claimed, operations=claimed["operations"] + np.array([0, 0, 1.0, 0]))
    cert = verify_schedule(sc, problem, funded, bad, weight, None, inst.discount)
    assert [c.name for c in cert.checks if not c.ok] == ["spend[operations]"]


def test_yearly_bills_add_up_and_core_reported(sched_run):
    s = sched_run.summary().to_json()["schedule"]
    for y in s["years"]:
        for rule, split in y["bills"].items():
            assert sum(split.values()) == pytest.approx(y["spend_musd"], abs=1e-6), rule
        assert y["core_ok"] in (True, False, None)
    lp = s["bills"]["core_lp"]
    assert lp is not None
    # With the LP split, every year's cumulative allocation lies in that year's game's core.
    games = sched_run.schedule.bills.games
    cum = np.zeros(2)
    for k, y in enumerate(s["years"]):
        cum += [lp["contributions"][str(y["year"])][p] for p in ("USA", "CAN")]
        g = games[k]
        if lp["all_years_in_core"]:
            assert cum[0] <= g.value(["USA"]) + 1e-6 and cum[1] <= g.value(["CAN"]) + 1e-6
    totals = s["lifecycle_totals"]
    assert totals["range_musd"]["low"] <= totals["range_musd"]["base"] <= totals["range_musd"]["high"]
    assert totals["constant_musd"]["total"] == pytest.approx(sum(y["spend_musd"] for y in s["years"]))
    assert totals["nominal_musd"]["total"] > totals["constant_musd"]["total"]  # 2 % inflation after 2025


def test_one_year_without_lead_time_gives_the_single_period_optimum(small_run):
    one = {
        "first_year": 2026,
        "last_year": 2026,
        "annual_budget_musd": SMALL["budget_musd"],
        "core_contributions": {"enabled": False},
    }
    sc = parse_scenario(with_schedule(one))
    run = run_scenario(sc, problem=small_run.problem, cost_sharing=False)
    assert run.schedule.solve["objective"] == pytest.approx(small_run.result.objective)
    assert run.schedule.years[0].defended_weight == pytest.approx(small_run.certificate.defended_weight)


def test_outputs_written(sched_run, tmp_path, monkeypatch):
    # The map and the plan charts are tested elsewhere; a ready PNG keeps this test to the schedule.
    monkeypatch.setattr("reports.writers.render_map", lambda bundle: TINY_PNG)
    monkeypatch.setattr("reports.writers.render_charts", lambda bundle: TINY_PNG)
    paths = write_run(sched_run, tmp_path)
    for name in ("schedule.csv", "schedule.xlsx", "schedule.png"):
        assert paths[name].stat().st_size > 0
    summary = json.loads(paths["summary.json"].read_text())
    assert len(summary["schedule"]["years"]) == 4
    assert "Build-out year by year" in paths["report.html"].read_text()
    csv = paths["schedule.csv"].read_text().splitlines()
    assert csv[0].startswith("year,budget_musd,spend_musd") and len(csv) == 5


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"lifecycle": {"lasers": {}}}, "schedule.lifecycle.lasers"),
        ({"annual_budget_musd": [1, 2]}, "annual_budget_musd has 2 values"),
        ({"milestones": [{"year": 2040, "min_defended_share": 0.5}]}, "outside 2026-2029"),
        ({"milestones": [{"year": 2027}]}, "give min_defended_share or asset_type"),
    ],
)
def test_bad_schedule_is_one_line(patch, field):
    with pytest.raises(InputError, match=field.replace("[", r"\[")):
        parse_scenario(with_schedule({**SCHEDULE, **patch}), file="x.yaml")


def test_unreachable_milestone_is_an_input_error(small_run):
    hard = {**SCHEDULE, "milestones": [{"year": 2026, "min_defended_share": 0.9}]}
    sc = parse_scenario(with_schedule(hard))
    with pytest.raises(InputError, match="no schedule satisfies"):
        run_scenario(sc, problem=small_run.problem, cost_sharing=False)
    # Reported, not imposed: the run goes through and says the milestone is missed.
    hard["milestones"][0]["enforce"] = False
    run = run_scenario(parse_scenario(with_schedule(hard)), problem=small_run.problem, cost_sharing=False)
    (status,) = run.schedule.milestones
    assert not status.ok and not status.enforced
    assert run.schedule.certificate.ok


def test_the_schedule_chart_is_drawn_once_per_report(sched_run, monkeypatch):
    import reports.schedule
    from planner.run.pipeline import plan_bundle

    calls = []
    real = reports.schedule.schedule_chart

    def counted(sched: dict[str, Any]) -> bytes:
        calls.append(1)
        return real(sched)

    monkeypatch.setattr(reports.schedule, "schedule_chart", counted)
    sched_run.__dict__.pop("schedule_report", None)  # forget any chart an earlier test drew
    bundle = plan_bundle(sched_run)
    assert len(calls) == 1
    png = dict(bundle.extra_files)["schedule.png"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert any(base64.b64encode(png[:60]).decode()[:40] in s.html for s in bundle.sections)  # same image
