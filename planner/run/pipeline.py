"""The pipeline: scenario → coverage problem → solve → verified plan → outputs.

Each step is a function with typed input and output::

    Scenario ──build_problem──▶ CoverageProblem ──solve──▶ SolveResult
             ──verify_plan──▶ Certificate ──PlanRun.bundle──▶ reports.write_outputs

Length: ``run_scenario`` is the pipeline itself, one stage after another with its timing; PlanRun's
frames live beside it.
"""

from __future__ import annotations

import importlib.metadata as md
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.orbits import Walker
from models import SolveOptions, SolveResult, names, solve_layered
from planner.errors import InputError
from planner.problem.build import CoverageProblem, build_problem
from planner.run.verify import Certificate, verify_plan
from planner.scenario.schema import Scenario, SpaceAsset
from reports.summary import PlanSummary

Stage = Callable[[str], None]

NOTIONAL_NOTE = (
    "All asset parameters (ranges, heights, orbits, costs) are notional and illustrative, derived "
    "from public physics and round-number costs. They are not data about any real system."
)


def weight_unit(scenario: Scenario) -> str:
    """Unit of the defended weights: people (populated places), km² (an area grid) or weight (mixed)."""
    d = scenario.defended
    present = {
        "people": d.populated_places is not None,
        "km²": d.area_grid is not None,
        "weight": bool(d.points or d.files),
    }
    kinds = {unit for unit, given in present.items() if given}
    return kinds.pop() if len(kinds) == 1 else "weight"


def solve_options(scenario: Scenario) -> SolveOptions:
    """The shared solver options of a scenario."""
    s = scenario.solver
    return SolveOptions(
        time_limit_s=s.time_limit_s, mip_rel_gap=s.mip_rel_gap, threads=s.threads, seed=s.seed
    )


def versions() -> dict[str, str]:
    """Versions of domeplan, Python and the libraries that shape a result."""
    out = {"python": platform.python_version()}
    for dist in (
        "domeplan",
        "numpy",
        "scipy",
        "pyomo",
        "highspy",
        "ortools",
        "geopandas",
        "shapely",
        "pyproj",
        "pydantic",
    ):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:  # pragma: no cover - a source checkout without install
            out[dist] = "unknown"
    return out


@dataclass(frozen=True, eq=False)
class PlanRun:
    """A scenario solved and verified: the value every output is made from."""

    scenario: Scenario
    problem: CoverageProblem
    result: SolveResult
    certificate: Certificate
    times: dict[str, float]
    source: str | None = None
    versions: dict[str, str] = field(default_factory=versions)
    cost_sharing: Any = None
    """The cost-sharing result (:class:`planner.costshare.bills.CostShareResult`), ``None`` when skipped."""
    engagement: Any = None
    """The raid against the kill chain (:class:`planner.run.leakage.EngagementOutcome`), ``None`` without."""
    space_interceptors: Any = None
    """The space interceptor layer (:class:`planner.run.space_interceptors.SpaceInterceptorResult`)."""
    schedule: Any = None
    """The build-out year by year (:class:`planner.run.schedule.ScheduleRun`), ``None`` without one."""
    adversary: Any = None
    """The attacker who reads the plan (:class:`planner.run.adversary.AdversaryOutcome`), or ``None``."""

    @property
    def x(self) -> np.ndarray:
        """Boolean mask of the chosen sites."""
        assert self.result.x is not None
        return np.asarray(self.result.x, dtype=bool)

    def chosen_sites(self) -> pd.DataFrame:
        """The chosen sites (ground, sea and constellation options)."""
        return self.problem.sites[self.x].reset_index(drop=True)

    def points(self) -> pd.DataFrame:
        """Defended points with their recomputed coverage status."""
        d = self.problem.demand.copy()
        cert = self.certificate
        d["sensor_covered"] = cert.sensor_covered
        d["interceptor_covered"] = cert.interceptor_covered
        d["defended"] = cert.defended
        frac = self.problem.space_fraction[:, self.x].toarray()
        d["space_fraction"] = (
            frac.max(axis=1) if frac.shape[1] and (self.chosen_sites()["domain"] == "space").any() else np.nan
        )
        return d

    def threat_corridors(self) -> pd.DataFrame | None:
        """Per threat track: tracked fraction and warning time with the plan's sensors.

        Ground and sea sensors by refracted line of sight; a chosen constellation by line of sight
        clearing the Earth and its atmosphere margin, averaged over launch times spread over a day
        (:mod:`geodata.space_tracking`). ``None`` without threats in the scenario.
        """
        from geodata.space_tracking import space_tracking
        from geodata.threats import corridor_summary, sensor_tracking

        tracks = self.problem.tracks
        if tracks is None:
            return None
        assets = {a.name: a for a in self.scenario.asset_types if not isinstance(a, SpaceAsset)}
        space = {a.name: a for a in self.scenario.asset_types if isinstance(a, SpaceAsset)}
        chosen = self.chosen_sites()
        chosen = chosen[chosen["role"].isin(["sensor", "both"])]
        ground = chosen[chosen["domain"] != "space"]
        types = ground["asset_type"]
        tracked = sensor_tracking(
            tracks,
            ground["lon"].to_numpy(),
            ground["lat"].to_numpy(),
            np.asarray([assets[t].mast_height_m for t in types], float),
            np.asarray([assets[t].sensor_range_km for t in types], float),
            np.asarray([assets[t].min_elevation_deg for t in types], float),
        )
        for _, row in chosen[chosen["domain"] == "space"].iterrows():
            asset = space[row["asset_type"]]
            tracked = tracked | space_tracking(
                tracks,
                Walker.parse(row["pattern"]),
                asset.altitude_km,
                asset.sensor_range_km,
                asset.atmosphere_margin_km,
            )
        return corridor_summary(tracks, tracked)

    def summary(self) -> PlanSummary:
        """The plan's figures, built once (``summary.json`` is its :meth:`PlanSummary.to_json`)."""
        return self._summary

    @cached_property
    def schedule_report(self) -> tuple[dict[str, Any], bytes] | None:
        """The build-out as written (JSON-ready) and its four-panel chart, drawn once per run."""
        if self.schedule is None:
            return None
        from reports.schedule import schedule_chart
        from reports.writers import jsonable

        sched = jsonable(self.schedule.to_json())
        return sched, schedule_chart(sched)

    @cached_property
    def _summary(self) -> PlanSummary:
        from planner.run.summary import plan_summary

        stages = {
            "engagement": self.engagement,
            "space_interceptors": self.space_interceptors,
            "schedule": self.schedule,
            "adversary": self.adversary,
        }
        return plan_summary(self, sections={k: v for k, v in stages.items() if v is not None})

    def sites_frame(self) -> gpd.GeoDataFrame:
        """Ground and sea candidate sites with a ``chosen`` flag, as points.

        A sea site's ``partner`` is the partner whose waters it is in, or "international waters".
        """
        from planner.run.sitefacts import sea_waters

        frame = self.problem.sites_frame(self.x)
        ground = self.problem.sites[self.problem.sites["domain"] != "space"].reset_index()
        waters = sea_waters(self)
        sea = (ground["domain"] == "sea").to_numpy()
        if sea.any():
            frame.loc[sea, "partner"] = waters.loc[ground.loc[sea, "index"]].to_numpy()
        return frame

    def constellations_frame(self) -> pd.DataFrame:
        """Constellation options of the scenario's menus with a ``chosen`` flag."""
        return self.problem.constellations_frame(self.x)

    def points_frame(self) -> gpd.GeoDataFrame:
        """Defended points with coverage status, as points."""
        p = self.points()
        cols = [
            "demand_id",
            "name",
            "partner",
            "weight",
            "sensor_covered",
            "interceptor_covered",
            "defended",
            "space_fraction",
        ]
        return gpd.GeoDataFrame(p[cols], geometry=gpd.points_from_xy(p["lon"], p["lat"]), crs="EPSG:4326")


def solve_problem(
    scenario: Scenario, problem: CoverageProblem, warm_start: np.ndarray | None = None
) -> SolveResult:
    """Solve a problem with the scenario's engine and options."""
    s = scenario.solver
    inst = problem.to_instance()
    rules = problem.rules
    if scenario.objective == "min_cost":
        from models.formulations.layered_mincost import solve_layered_min_cost

        required = (inst.a_sensor.sum(axis=1) > 0) & (inst.a_interceptor.sum(axis=1) > 0)
        return solve_layered_min_cost(
            inst,
            np.asarray(required).ravel(),
            solve_options(scenario),
            engine=s.engine,
            warm_start=warm_start,
            rules=rules,
        )
    return solve_layered(
        inst,
        solve_options(scenario),
        engine=s.engine,
        solver=s.solver,
        warm_start=warm_start,
        rules=rules,
        tie_break=s.tie_break,
    )


def run_scenario(
    scenario: Scenario,
    *,
    source: str | Path | None = None,
    stage: Stage | None = None,
    problem: CoverageProblem | None = None,
    warm_start: np.ndarray | None = None,
    cost_sharing: bool | None = None,
) -> PlanRun:
    """Run a scenario end to end and return its verified plan.

    ``problem`` skips the coverage step with a problem already built for this scenario (batches
    reuse one across a budget or cost sweep); ``warm_start`` is a plan to start the solver from
    (used when feasible). ``cost_sharing`` overrides ``scenario.cost_sharing.enabled`` (a batch
    sweeping budgets may pass ``False``); it runs only with at least two partners.

    Raises
    ------
    planner.errors.InputError
        For a scenario that cannot be turned into a problem (see :func:`build_problem`).
    planner.errors.VerificationError
        If the recomputation of the plan disagrees with the solver (the plan is refused).
    """
    say = stage or (lambda _msg: None)
    t0 = time.perf_counter()
    from planner.problem.preflight import check_solver
    from planner.scenario.threats import check_engagement_names

    check_solver(scenario, source)  # before any work: not after minutes of coverage
    try:
        check_engagement_names(scenario)
    except InputError as err:
        raise (err.with_file(source) if err.file is None and source is not None else err) from None
    if problem is None:
        try:
            base_dir = Path(source).parent if source is not None else None
            problem = build_problem(scenario, stage=say, base_dir=base_dir)
        except InputError as err:
            raise (err.with_file(source) if err.file is None and source is not None else err) from None
    t1 = time.perf_counter()
    say("Solving")
    result = solve_problem(scenario, problem, warm_start=warm_start)
    t2 = time.perf_counter()
    if not result.has_solution:
        # Without side rules the empty plan is feasible; with quotas, existing sites or partner
        # shares the scenario itself may admit no plan: say which of its rules conflict.
        found = () if result.diagnosis is None else result.diagnosis.conflicts
        # The scenario's limits first, then the points that cannot be covered.
        rows = [
            c.text
            for c in sorted((c for c in found if not c.is_bound), key=lambda c: c.block in names.POINT_BLOCKS)
        ]
        more = f"; and {len(rows) - 4} more" if len(rows) > 4 else ""
        why = (
            ("these constraints cannot all hold: " + "; ".join(rows[:4]) + more)
            if rows
            else f"the solver stopped with no plan ({result.status})"
        )
        raise InputError(f"no plan satisfies this scenario: {why}", file=source)
    assert result.x is not None  # has_solution
    say("Verifying the plan")
    cert = verify_plan(scenario, problem, result.x, result.objective)
    cert.raise_if_failed()
    t3 = time.perf_counter()
    shares = None
    if (scenario.cost_sharing.enabled if cost_sharing is None else cost_sharing) and len(
        scenario.partners
    ) >= 2:
        from planner.costshare.bills import compute_cost_sharing

        say("Cost sharing")
        shares = compute_cost_sharing(scenario, problem, result.x, stage=say)
    t4 = time.perf_counter()
    t_sbi = time.perf_counter()
    sbi = None
    if scenario.space_interceptors is not None:
        from planner.run.space_interceptors import space_interceptor_stage

        say("Space-based interceptors")
        try:
            sbi = space_interceptor_stage(scenario)
        except InputError as err:
            raise (err.with_file(source) if err.file is None and source is not None else err) from None
    t_eng = time.perf_counter()
    outcome = None
    raid = scenario.threats.engagement if scenario.threats is not None else None
    if raid is not None and raid.enabled:
        from planner.run.leakage import run_engagement

        try:
            outcome = run_engagement(scenario, problem, say, space=sbi)
        except InputError as err:
            raise (err.with_file(source) if err.file is None and source is not None else err) from None
    t_adv = time.perf_counter()
    adversary = None
    if scenario.adversary is not None and outcome is not None:
        from planner.run.adversary import run_adversary

        adversary = run_adversary(scenario, problem, outcome, say)
    t5 = time.perf_counter()
    sched = None
    if scenario.schedule is not None:
        from planner.run.schedule import run_schedule

        try:
            sched = run_schedule(
                scenario,
                problem,
                result.x,
                stage=say,
                cost_sharing=scenario.cost_sharing.enabled if cost_sharing is None else cost_sharing,
            )
        except InputError as err:
            raise (err.with_file(source) if err.file is None and source is not None else err) from None
    t7 = time.perf_counter()
    times = {
        "coverage_s": round(t1 - t0, 3),
        "build_s": round(result.build_time_s, 3),
        "solve_s": round(result.wall_time_s, 3),
        "verify_s": round(t3 - t2, 3),
        "cost_sharing_s": round(t4 - t3, 3),
    }
    optional = (
        ("space_interceptors_s", sbi, t_eng - t_sbi),
        ("engagement_s", outcome, t_adv - t_eng),
        ("adversary_s", adversary, t5 - t_adv),
        ("schedule_s", sched, t7 - t5),
    )
    times |= {key: round(s, 3) for key, ran, s in optional if ran is not None}  # only stages that ran
    times["total_s"] = round(t7 - t0, 3)
    return PlanRun(
        scenario,
        problem,
        result,
        cert,
        times,
        source=str(source) if source is not None else None,
        cost_sharing=shares,
        engagement=outcome,
        space_interceptors=sbi,
        schedule=sched,
        adversary=adversary,
    )


def plan_bundle(run: PlanRun) -> Any:
    """Everything the reports draw, as a :class:`reports.PlanBundle`."""
    from geodata import naturalearth as ne
    from planner.run.sections import report_sections
    from planner.run.sitefacts import site_facts
    from reports import PlanBundle

    partners = run.problem.partners[["iso_a3", "name", "geometry"]]
    cs = run.cost_sharing
    return PlanBundle(
        scenario_name=run.scenario.name,
        title=run.scenario.display_title,
        notional_note=NOTIONAL_NOTE,
        partners=gpd.GeoDataFrame(partners, geometry="geometry", crs="EPSG:4326"),
        sites=run.sites_frame(),
        constellations=run.constellations_frame(),
        points=run.points_frame(),
        summary=run.summary(),
        basemap=ne.land(),
        sections=report_sections(run),
        allocations=None if cs is None else cs.allocations_frame(),
        site_facts=site_facts(run),
        partner_facts=_partner_facts(run),
        layers=_engagement_layers(run),
        extra_files=_schedule_files(run),
    )


def _schedule_files(run: PlanRun) -> tuple[tuple[str, bytes], ...]:
    """``schedule.csv``, ``schedule.xlsx`` and ``schedule.png`` of a build-out (none without one)."""
    if run.schedule is None or run.schedule_report is None:
        return ()
    from reports.schedule import schedule_xlsx

    sched, png = run.schedule_report
    frame = run.schedule.frame()
    csv = frame.to_csv(index=False, lineterminator="\n").encode()
    xlsx = schedule_xlsx(frame, run.schedule.builds, sched["lifecycle_totals"], note=NOTIONAL_NOTE)
    return (("schedule.csv", csv), ("schedule.xlsx", xlsx), ("schedule.png", png))


def _engagement_layers(run: PlanRun) -> tuple[tuple[str, gpd.GeoDataFrame], ...]:
    """GeoPackage layers of the raid: threat tracks and intercept points (none without a raid)."""
    out = run.engagement
    if out is None:
        return ()
    return (("threat_tracks", out.tracks_frame()), ("intercept_points", out.intercepts_frame()))


def _partner_facts(run: PlanRun) -> pd.DataFrame:
    """Population, GDP, cap and bills of every partner (the GeoPackage's partner attributes)."""
    cs = run.cost_sharing
    if cs is None:
        return pd.DataFrame(
            {
                "iso_a3": list(run.scenario.partner_codes),
                "budget_cap_musd": [p.budget_musd for p in run.scenario.partners],
            }
        )
    rows = []
    for f in cs.facts:
        row = {
            "iso_a3": f.iso_a3,
            "population": f.population,
            "gdp_musd": f.gdp_musd,
            "budget_cap_musd": f.budget_cap_musd,
        }
        row.update({f"bill_{rule}_musd": float(a[f.iso_a3]) for rule, a in cs.allocations.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def run_folder_name(scenario: Scenario) -> str:
    """``<name>`` for a scenario as its file gives it, ``<name>--<8 hex of its hash>`` once overridden.

    So a ``--set`` run (or ``with_overrides`` from Python) never overwrites the plain run's folder,
    and two runs of one changed scenario share theirs.
    """
    return f"{scenario.name}--{scenario.digest()[:8]}" if scenario.overridden else scenario.name


def write_run(
    run: PlanRun, out_root: str | Path = "out", *, pdf: bool = False, folder: str | Path | None = None
) -> dict[str, Path]:
    """Write the plan's outputs atomically and return file name -> path.

    The folder is ``folder`` when given, else ``out_root/<run_folder_name>`` (``out/<name>/`` for the
    scenario as its file gives it, ``out/<name>--<hash>/`` once overrides changed it).
    """
    from reports import write_outputs

    target = Path(folder) if folder is not None else Path(out_root) / run_folder_name(run.scenario)
    return write_outputs(plan_bundle(run), target, pdf=pdf)
