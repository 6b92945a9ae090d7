"""A verified plan's figures as a :class:`reports.summary.PlanSummary` (written as ``summary.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from planner.problem.build import space_sampling
from planner.scenario.schema import SpaceAsset
from reports.summary import (
    AssetTypeRow,
    CoreVerdict,
    CostShareFigures,
    CostSharePartner,
    LayerWeights,
    PartnerRow,
    PlanSummary,
    RunTimes,
    ScenarioInfo,
    SolverInfo,
    SummarySection,
    ThreatRow,
    Verification,
    VerificationCheck,
)

if TYPE_CHECKING:
    from planner.costshare.bills import CostShareResult
    from planner.run.pipeline import PlanRun


def plan_summary(run: PlanRun, sections: Mapping[str, SummarySection] | None = None) -> PlanSummary:
    """The summary of ``run``; ``sections`` are further blocks written after cost sharing."""
    from planner.run.pipeline import NOTIONAL_NOTE, weight_unit

    r, cert, sc = run.result, run.certificate, run.scenario
    pts = run.points()
    total = float(run.problem.demand["weight"].sum())
    s = sc.solver
    return PlanSummary(
        scenario=ScenarioInfo(sc.name, sc.display_title, run.source, sc.digest(), sc.report.distribution),
        weight_unit=weight_unit(sc),
        status=r.status,
        termination=r.termination.value,
        objective=r.objective,
        bound=r.bound,
        gap=r.gap,
        cost_musd=cert.cost_musd,
        budget_musd=sc.budget_musd,
        defended_weight=cert.defended_weight,
        total_weight=total,
        defended_share=cert.defended_weight / total if total else 0.0,
        n_points=int(len(pts)),
        n_candidate_sites=int(len(run.problem.sites)),
        n_chosen_sites=int(run.x.sum()),
        requirement=sc.requirement,
        per_partner=per_partner(run),
        per_layer=LayerWeights(
            float(pts.loc[pts["sensor_covered"], "weight"].sum()),
            float(pts.loc[pts["interceptor_covered"], "weight"].sum()),
            cert.defended_weight,
        ),
        per_asset_type=per_asset_type(run),
        times=RunTimes.from_stages(run.times),
        solver=SolverInfo(
            r.engine,
            r.solver,
            r.solver_version,
            s.threads,
            s.time_limit_s,
            s.mip_rel_gap,
            s.seed,
            r.node_count,
            r.raw_status,
        ),
        versions=run.versions,
        verification=Verification(
            cert.ok,
            cert.defended_weight,
            cert.cost_musd,
            tuple(VerificationCheck(c.name, c.ok, c.detail) for c in cert.checks),
        ),
        threats=threat_rows(run),
        notional_note=NOTIONAL_NOTE,
        cost_sharing=None if run.cost_sharing is None else cost_share_figures(run.cost_sharing),
        sections=sections or {},
    )


def per_partner(run: PlanRun) -> tuple[PartnerRow, ...]:
    """Weight, defended weight and cost on territory for each partner."""
    pts = run.points()
    chosen = run.chosen_sites()
    names = dict(zip(run.problem.partners["iso_a3"], run.problem.partners["name"], strict=True))
    rows = []
    for code in run.scenario.partner_codes:
        p = pts[pts["partner"] == code]
        total = float(p["weight"].sum())
        dw = float(p.loc[p["defended"], "weight"].sum())
        rows.append(
            PartnerRow(
                iso_a3=code,
                name=names.get(code, code),
                total_weight=total,
                defended_weight=dw,
                defended_share=dw / total if total else 0.0,
                sensor_covered_weight=float(p.loc[p["sensor_covered"], "weight"].sum()),
                interceptor_covered_weight=float(p.loc[p["interceptor_covered"], "weight"].sum()),
                cost_musd_on_territory=float(chosen.loc[chosen["partner"] == code, "cost_musd"].sum()),
            )
        )
    return tuple(rows)


def per_asset_type(run: PlanRun) -> tuple[AssetTypeRow, ...]:
    """How many units of each type the plan buys and what they cost."""
    chosen = run.chosen_sites()
    rows = []
    for asset in run.scenario.asset_types:
        c = chosen[chosen["asset_type"] == asset.name]
        space = isinstance(asset, SpaceAsset)
        sampling = space_sampling(asset) if isinstance(asset, SpaceAsset) else None
        rows.append(
            AssetTypeRow(
                asset_type=asset.name,
                label=asset.label or asset.name,
                domain=asset.domain,
                role=asset.role,
                chosen=(", ".join(c["pattern"]) or "none") if space else int(len(c)),
                max_count=1 if isinstance(asset, SpaceAsset) else asset.max_count,
                unit_cost_musd=asset.unit_cost_musd,
                cost_musd=float(c["cost_musd"].sum()),
                coverage_sampling=None
                if sampling is None
                else {k: v.describe() for k, v in sampling.items()},
            )
        )
    return tuple(rows)


def threat_rows(run: PlanRun) -> tuple[ThreatRow, ...] | None:
    """Per launch area: tracks, tracked fraction and warning time; ``None`` without threats."""
    table = run.threat_corridors()
    if table is None:
        return None
    return tuple(
        ThreatRow(
            launch_area=area,
            tracks=int(len(g)),
            mean_tracked_fraction=float(g["tracked_fraction"].mean()),
            share_of_tracks_seen=float((g["tracked_fraction"] > 0).mean()),
            mean_warning_time_s=float(g["warning_time_s"].mean()),
            min_warning_time_s=float(g["warning_time_s"].min()),
        )
        for area, g in table.groupby("launch_area", sort=False)
    )


def cost_share_figures(cs: CostShareResult) -> CostShareFigures:
    """What the reports read of the cost sharing, with its ``summary.json`` block."""
    document: dict[str, Any] = cs.summary()
    return CostShareFigures(
        bill_musd=float(cs.bill_musd),
        allocations={rule: {p: float(v) for p, v in split.items()} for rule, split in cs.allocations.items()},
        min_cost_musd=cs.min_cost_musd,
        partners=tuple(CostSharePartner(**vars(f)) for f in cs.facts),
        core={
            rule: CoreVerdict(chk.in_core, chk.blocking_coalition, float(chk.max_violation))
            for rule, chk in cs.core.items()
        },
        core_empty=cs.core_empty,
        least_core_epsilon=cs.least_core_epsilon,
        notes=tuple(cs.notes),
        checks=document["checks"],
        joint_plan=document["joint_plan"],
        document=document,
    )
