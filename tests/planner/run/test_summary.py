"""summary.json is PlanSummary.to_json(): the same keys, order and values as the dict it replaced."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict
from typing import Any

import pytest

from planner.problem.build import space_sampling
from planner.run.pipeline import NOTIONAL_NOTE, PlanRun, weight_unit
from planner.scenario.schema import SpaceAsset
from reports.summary import PlanSummary, ThreatRow
from reports.writers import summary_json


def _previous_summary(run: Any) -> dict[str, Any]:
    """The summary dict ``PlanRun.summary()`` returned before the typed summary (its code, kept here)."""
    r, cert, sc = run.result, run.certificate, run.scenario
    total = float(run.problem.demand["weight"].sum())
    pts, chosen = run.points(), run.chosen_sites()
    names = dict(zip(run.problem.partners["iso_a3"], run.problem.partners["name"], strict=True))
    partners = []
    for code in sc.partner_codes:
        p = pts[pts["partner"] == code]
        t, dw = float(p["weight"].sum()), float(p.loc[p["defended"], "weight"].sum())
        partners.append({
            "iso_a3": code, "name": names.get(code, code), "total_weight": t, "defended_weight": dw,
            "defended_share": dw / t if t else 0.0,
            "sensor_covered_weight": float(p.loc[p["sensor_covered"], "weight"].sum()),
            "interceptor_covered_weight": float(p.loc[p["interceptor_covered"], "weight"].sum()),
            "cost_musd_on_territory": float(chosen.loc[chosen["partner"] == code, "cost_musd"].sum()),
        })  # fmt: skip
    assets = []
    for a in sc.asset_types:
        c = chosen[chosen["asset_type"] == a.name]
        space = isinstance(a, SpaceAsset)
        assets.append({
            "asset_type": a.name, "label": a.label or a.name, "domain": a.domain, "role": a.role,
            "chosen": (", ".join(c["pattern"]) or "none") if space else int(len(c)),
            "max_count": 1 if space else a.max_count, "unit_cost_musd": a.unit_cost_musd,
            "cost_musd": float(c["cost_musd"].sum()),
            **({"coverage_sampling": {k: v.describe() for k, v in space_sampling(a).items()}}
               if space else {}),
        })  # fmt: skip
    return {
        "scenario": {"name": sc.name, "title": sc.display_title, "file": run.source,
                     "hash": sc.digest(), "distribution": sc.report.distribution},
        "weight_unit": weight_unit(sc), "status": r.status, "termination": r.termination.value,
        "objective": r.objective, "bound": r.bound, "gap": r.gap, "cost_musd": cert.cost_musd,
        "budget_musd": sc.budget_musd, "defended_weight": cert.defended_weight, "total_weight": total,
        "defended_share": cert.defended_weight / total if total else 0.0, "n_points": int(len(pts)),
        "n_candidate_sites": int(len(run.problem.sites)), "n_chosen_sites": int(run.x.sum()),
        "requirement": sc.requirement, "per_partner": partners,
        "per_layer": {"sensor_covered_weight": float(pts.loc[pts["sensor_covered"], "weight"].sum()),
                      "interceptor_covered_weight": float(pts.loc[pts["interceptor_covered"],
                                                                  "weight"].sum()),
                      "defended_weight": cert.defended_weight},
        "per_asset_type": assets, "times": run.times,
        "solver": {"engine": r.engine, "solver": r.solver, "version": r.solver_version,
                   "threads": sc.solver.threads, "time_limit_s": sc.solver.time_limit_s,
                   "mip_rel_gap": sc.solver.mip_rel_gap, "seed": sc.solver.seed,
                   "node_count": r.node_count, "raw_status": r.raw_status},
        "versions": run.versions,
        "verification": {"ok": cert.ok, "recomputed_defended_weight": cert.defended_weight,
                         "recomputed_cost_musd": cert.cost_musd,
                         "checks": [asdict(c) for c in cert.checks]},
        "threats": None, "notional_note": NOTIONAL_NOTE,
        **({"cost_sharing": run.cost_sharing.summary()} if run.cost_sharing is not None else {}),
        **{k: v.to_json() for k in ("engagement", "space_interceptors", "schedule", "adversary")
           if (v := getattr(run, k)) is not None},
    }  # fmt: skip


def _keys(value: Any, path: str = "") -> list[str]:
    """Every key path in document order (so key order is compared at every depth)."""
    if isinstance(value, dict):
        return [q for k, v in value.items() for q in [f"{path}/{k}", *_keys(v, f"{path}/{k}")]]
    if isinstance(value, list):
        return [q for i, v in enumerate(value) for q in _keys(v, f"{path}[{i}]")]
    return []


def test_summary_json_is_the_previous_dict(small_run):
    assert small_run.cost_sharing is not None and small_run.problem.tracks is None
    written = json.loads(summary_json(small_run.summary().to_json()))
    before = json.loads(summary_json(_previous_summary(small_run)))
    assert _keys(written) == _keys(before)
    assert written == before
    assert "cost_sharing" in written and written["threats"] is None
    assert any("coverage_sampling" in a for a in written["per_asset_type"])


def test_summary_is_built_once_and_frozen(small_run: PlanRun) -> None:
    s = small_run.summary()
    assert small_run.summary() is s
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.cost_musd = 0.0  # type: ignore[misc]  # on purpose: a frozen field must refuse
    with pytest.raises(TypeError):
        s.versions["numpy"] = "0"  # type: ignore[index]  # on purpose: a read-only Mapping must refuse


def test_typed_cost_share_figures_match_the_written_block(small_run):
    cs = small_run.summary().cost_sharing
    assert cs is not None
    block = small_run.summary().to_json()["cost_sharing"]
    assert cs.bill_musd == pytest.approx(block["bill_musd"])
    assert list(cs.allocations) == list(block["allocations"])
    for rule, split in cs.allocations.items():
        assert dict(split) == pytest.approx({p: float(v) for p, v in block["allocations"][rule].items()})
    assert {r: cs.in_core(r) for r in cs.core} == {r: c["in_core"] for r, c in block["core"].items()}
    assert [p.iso_a3 for p in cs.partners] == [p["iso_a3"] for p in block["partners"]]
    assert cs.least_core_epsilon == block["least_core_epsilon"] and cs.core_empty == block["core_empty"]
    assert cs.min_cost_musd == block["min_cost_of_same_coverage_musd"]


@dataclasses.dataclass(frozen=True)
class _Section:
    value: int

    def to_json(self) -> dict[str, int]:
        return {"value": self.value}


def test_sections_and_threats_are_written_after_the_standard_keys(small_run):
    threat = ThreatRow("arctic", 3, 0.5, 2 / 3, 600.0, 420.0)
    s: PlanSummary = dataclasses.replace(small_run.summary(), threats=(threat,))
    s = s.with_section("engagement", _Section(1)).with_section("batch", _Section(2))
    doc = s.to_json()
    assert list(doc)[-3:] == ["cost_sharing", "engagement", "batch"]
    assert doc["batch"] == {"value": 2} and doc["engagement"] == {"value": 1}
    assert doc["threats"] == [{"launch_area": "arctic", "tracks": 3, "mean_tracked_fraction": 0.5,
                               "share_of_tracks_seen": 2 / 3, "mean_warning_time_s": 600.0,
                               "min_warning_time_s": 420.0}]  # fmt: skip
    assert "engagement" not in small_run.summary().to_json()  # the run's own summary is untouched
