"""``threats.engagement.enabled``: off, the raid stage is skipped (never called) and leaves no trace."""

from __future__ import annotations

import copy

import pytest

from planner import parse_scenario, run_scenario
from planner.errors import InputError
from planner.run.sections import report_sections
from tests.planner.run.test_engagement_stage import scenario_dict


def _off() -> dict:
    d = scenario_dict()
    d["threats"]["engagement"]["enabled"] = False
    return d


def test_switched_off_the_raid_stage_is_not_called_and_leaves_no_trace(monkeypatch):
    import planner.run.leakage as leakage

    def boom(*_a, **_k):
        raise AssertionError("the engagement stage ran although threats.engagement.enabled is false")

    monkeypatch.setattr(leakage, "run_engagement", boom)
    run = run_scenario(parse_scenario(_off(), file="eng_off.yaml"))
    assert run.engagement is None
    assert "engagement" not in run.summary().to_json()
    assert "engagement_s" not in run.times and list(run.times)[-1] == "total_s"
    assert all(s.key != "engagement" for s in report_sections(run))
    # On, the same scenario calls the stage (so the stub above would have fired).
    with pytest.raises(AssertionError, match="engagement stage ran"):
        d = _off()
        d["threats"]["engagement"]["enabled"] = True
        run_scenario(parse_scenario(d, file="eng_on.yaml"))


@pytest.mark.parametrize("value", [1, 0, "yes", "false", None, 0.0])
def test_schema_refuses_a_non_boolean(value):
    d = _off()
    d["threats"]["engagement"]["enabled"] = value
    with pytest.raises(InputError) as info:
        parse_scenario(d, file="eng.yaml")
    line = info.value.line()
    assert "threats.engagement.enabled" in line and "eng.yaml" in line and "\n" not in line


def test_default_is_on_and_false_is_read():
    d = scenario_dict()
    assert parse_scenario(copy.deepcopy(d), file="a.yaml").threats.engagement.enabled is True
    assert parse_scenario(_off(), file="b.yaml").threats.engagement.enabled is False


def test_adversary_needs_the_raid_stage():
    d = _off()
    d["adversary"] = {}
    with pytest.raises(InputError) as info:
        parse_scenario(d, file="adv.yaml")
    assert "threats.engagement.enabled is false" in info.value.line()


def test_shipped_budget_sweep_turns_the_raid_off_and_the_base_keeps_it():
    from pathlib import Path

    from planner import load_scenario
    from planner.batch.spec import load_batch

    root = Path(__file__).resolve().parents[3] / "scenarios"
    assert load_scenario(root / "north_america.yaml").threats.engagement.enabled is True
    batch = load_batch(root / "budget_sweep.yaml")
    assert len(batch.runs) == 24
    for r in batch.runs:
        threats = r.scenario.threats
        assert threats is not None and threats.engagement is not None
        assert threats.engagement.enabled is False, r.name
