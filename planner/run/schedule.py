"""The build-out stage: scenario ``schedule:`` → multi-period MILP → verified year-by-year plan.

::

    Scenario + CoverageProblem + single-period plan
        ──schedule_instance──▶ ScheduleInstance ──solve_schedule──▶ SolveResult (funding years)
        ──verify_schedule──▶ ScheduleCertificate ──yearly_bills──▶ YearlyBills ──▶ ScheduleRun

:class:`ScheduleRun` is the value ``summary.json["schedule"]``, ``schedule.csv``, the XLSX sheet
and the four charts are made from.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models import SolveOptions
from models.formulations.schedule import solve_schedule
from models.schedule import CATEGORIES, ScheduleInstance
from planner.errors import InputError, VerificationError
from planner.problem.build import CoverageProblem
from planner.run.lifecycle import LifecycleTotals, lifecycle_totals, nominal_factor
from planner.run.schedule_verify import ScheduleCertificate, verify_schedule
from planner.scenario.schedule import Schedule
from planner.scenario.schema import Scenario

Stage = Callable[[str], None]

VALUE_NOTE = (
    "Value defended per year = population under layered coverage (a sensor and an interceptor in "
    "service cover the point); the objective is the discounted sum of population-years. Expected "
    "leakage against a design raid can replace it once the engagement model exists "
    "(models.formulations.schedule.YearValue)."
)


def schedule_instance(scenario: Scenario, problem: CoverageProblem) -> ScheduleInstance:
    """Pack the scenario's schedule and the coverage problem as arrays for the model."""
    sch = scenario.schedule
    assert sch is not None
    names = problem.type_names
    lives = [sch.life(t) for t in names]
    sites = problem.sites
    per_unit = np.array([sch.life(t).om_per_year_musd for t in sites["asset_type"]])
    units = np.where(sites["domain"].to_numpy() == "space", sites["n_satellites"].to_numpy(float), 1.0)
    years = np.arange(len(sch.years))
    index = {t: k for k, t in enumerate(names)}
    return ScheduleInstance(
        base=problem.to_instance(),
        budget=np.array(sch.budgets()),
        carry_over=sch.carry_over,
        discount=(1.0 + sch.discount_rate) ** -years,
        lead=np.array([lc.lead_time_years for lc in lives]),
        life=np.array([lc.service_life_years or 0 for lc in lives]),
        replace=np.array([lc.replace for lc in lives]),
        replacement_fraction=np.array([lc.replacement_cost_fraction for lc in lives]),
        om=per_unit * units,
        existing=sites["existing"].to_numpy(bool),
        share_milestones=tuple(
            (m.year - sch.first_year, m.min_defended_share)
            for m in sch.milestones
            if m.enforce and m.min_defended_share is not None
        ),
        type_milestones=tuple(
            (m.year - sch.first_year, index[m.asset_type], m.min_count)
            for m in sch.milestones
            if m.enforce and m.asset_type is not None
        ),
        year_labels=sch.years,
    )


@dataclass(frozen=True)
class ScheduleYear:
    """One year of the build-out (constant M USD of the base year unless said)."""

    year: int
    budget_musd: float
    spend_musd: float
    acquisition_musd: float
    operations_musd: float
    replacement_musd: float
    nominal_spend_musd: float
    in_service: dict[str, int]
    funded: dict[str, int]
    defended_weight: float
    defended_share: float
    bills: dict[str, dict[str, float]] = field(default_factory=dict)
    core_ok: bool | None = None
    blocking_coalition: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the ``years`` rows of ``summary.json["schedule"]``)."""
        d = dict(vars(self))
        d["blocking_coalition"] = None if self.blocking_coalition is None else list(self.blocking_coalition)
        return d


@dataclass(frozen=True)
class MilestoneStatus:
    """A milestone and the first year from which it holds in the plan."""

    label: str
    year: int
    first_year_met: int | None
    ok: bool
    min_defended_share: float | None = None
    asset_type: str | None = None
    enforced: bool = True


@dataclass(frozen=True, eq=False)
class ScheduleRun:
    """A verified build-out: years, builds, life-cycle totals, milestones, bills, solve facts."""

    years: tuple[ScheduleYear, ...]
    builds: pd.DataFrame
    totals: LifecycleTotals
    milestones: tuple[MilestoneStatus, ...]
    solve: dict[str, Any]
    certificate: ScheduleCertificate
    settings: Schedule
    bills: Any = None
    """:class:`planner.costshare.yearly.YearlyBills`, ``None`` with one partner."""
    notes: tuple[str, ...] = ()

    def time_to_milestones(self) -> int | None:
        """First year from which every milestone holds (``None`` without milestones or if never)."""
        met = [m.first_year_met for m in self.milestones]
        return None if not met or None in met else max(m for m in met if m is not None)

    @property
    def money(self) -> str:
        """What the money figures are: constant M USD of the base year, and the inflation used."""
        s = self.settings
        return f"constant M USD of {s.base_year} (nominal: inflation {s.inflation_rate:.1%}/yr)"

    def to_json(self) -> dict[str, Any]:
        """``summary.json["schedule"]``."""
        s = self.settings
        return {
            "first_year": s.first_year,
            "last_year": s.last_year,
            "base_year": s.base_year,
            "money": self.money,
            "carry_over": s.carry_over,
            "discount_rate": s.discount_rate,
            "years": [y.to_json() for y in self.years],
            "lifecycle_totals": self.totals.to_json(),
            "milestones": [vars(m) for m in self.milestones],
            "time_to_milestones": self.time_to_milestones(),
            "builds": self.builds.to_dict(orient="records"),
            "reference_lines": [r.model_dump() for r in s.reference_lines],
            "solve": self.solve,
            "verification": self.certificate.summary(),
            "bills": None if self.bills is None else self.bills.to_json(),
            "value": VALUE_NOTE,
            "notes": list(self.notes),
        }

    def frame(self) -> pd.DataFrame:
        """``schedule.csv``: one row per year, in-service counts and bills flattened into columns."""
        rows = []
        for y in self.years:
            row = {k: v for k, v in y.to_json().items() if k not in ("in_service", "funded", "bills")}
            row["blocking_coalition"] = "+".join(y.blocking_coalition or ())
            row |= {f"in_service_{t}": n for t, n in y.in_service.items()}
            row |= {f"funded_{t}": n for t, n in y.funded.items()}
            row |= {f"bill_{r}_{p}_musd": v for r, b in y.bills.items() for p, v in b.items()}
            rows.append(row)
        return pd.DataFrame(rows)


def _solve(
    scenario: Scenario, problem: CoverageProblem, inst: ScheduleInstance, single_plan: np.ndarray
) -> Any:
    sch = scenario.schedule
    assert sch is not None
    s = scenario.solver
    options = SolveOptions(
        time_limit_s=sch.time_limit_s, mip_rel_gap=s.mip_rel_gap, threads=s.threads, seed=s.seed
    )
    rules = problem.rules
    res = solve_schedule(inst, options, engine=s.engine, rules=rules, single_period_plan=single_plan)
    if res.x is None:
        conflicts = res.diagnosis.conflicts if res.diagnosis is not None else ()
        rows = [c.text for c in conflicts if not c.is_bound]
        rows.sort(key=lambda text: "cover[" in text)  # budgets and milestones first, then points
        why = ("; ".join(rows[:4])) if rows else f"the solver stopped with no plan ({res.status})"
        raise InputError(f"no schedule satisfies the budgets and milestones: {why}", field="schedule")
    return res


def _milestones(
    sch: Schedule, inst: ScheduleInstance, share: np.ndarray, service: np.ndarray
) -> tuple[MilestoneStatus, ...]:
    out = []
    for m in sch.milestones:
        if m.min_defended_share is not None:
            holds = share >= m.min_defended_share - 1e-9
        else:
            mine = inst.base.site_type == inst.base.type_names.index(m.asset_type)
            holds = service[mine].sum(axis=0) >= m.min_count
        # First year from which it holds through the end of the horizon.
        tail = np.flatnonzero(~holds)
        first = 0 if not tail.size else int(tail[-1]) + 1
        met = sch.years[first] if first < len(holds) else None
        out.append(
            MilestoneStatus(
                m.label,
                m.year,
                met,
                met is not None and met <= m.year,
                m.min_defended_share,
                m.asset_type,
                m.enforce,
            )
        )
    return tuple(out)


def _builds(
    problem: CoverageProblem, inst: ScheduleInstance, funded: np.ndarray, sch: Schedule
) -> pd.DataFrame:
    assert inst.existing is not None  # filled by ScheduleInstance.__post_init__
    idx = np.flatnonzero((funded >= 0) | inst.existing)
    rows = []
    for j in idx:
        site = problem.sites.iloc[j]
        life = sch.life(site["asset_type"])
        start = sch.first_year + (0 if inst.existing[j] else int(funded[j]) + life.lead_time_years)
        retire = None if life.service_life_years is None or life.replace else start + life.service_life_years
        rows.append(
            {
                "site_id": site["site_id"],
                "asset_type": site["asset_type"],
                "partner": site["partner"],
                "existing": bool(inst.existing[j]),
                "funded_year": None if inst.existing[j] else sch.first_year + int(funded[j]),
                "in_service_year": start,
                "retires_year": retire,
                "unit_cost_musd": float(inst.base.c[j]),
                "om_per_year_musd": float(inst.om[j]),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "site_id",
            "asset_type",
            "partner",
            "existing",
            "funded_year",
            "in_service_year",
            "retires_year",
            "unit_cost_musd",
            "om_per_year_musd",
        ],
    )


def run_schedule(
    scenario: Scenario,
    problem: CoverageProblem,
    single_plan: np.ndarray,
    *,
    stage: Stage | None = None,
    cost_sharing: bool = True,
) -> ScheduleRun:
    """Solve, verify and bill the scenario's build-out.

    Raises
    ------
    InputError
        When no schedule satisfies the budgets and milestones (with the conflicting rows).
    VerificationError
        When the independent recomputation disagrees with the model.
    """
    say = stage or (lambda _msg: None)
    sch = scenario.schedule
    assert sch is not None
    say(f"Schedule: {sch.first_year}-{sch.last_year}, multi-period MILP")
    inst = schedule_instance(scenario, problem)
    t0 = time.perf_counter()
    res = _solve(scenario, problem, inst, single_plan)
    t1 = time.perf_counter()
    funded = inst.funding_years(res.x)
    ledger = inst.ledger(funded)
    claimed = {c: ledger[c].sum(axis=0) for c in CATEGORIES}
    w = inst.base.w
    say("Schedule: verifying every year")
    cert = verify_schedule(
        scenario, problem, funded, claimed, w @ inst.defended_by_year(funded), res.objective, inst.discount
    )
    if not cert.ok:
        bad = "; ".join(f"{c.name}: {c.detail}" for c in cert.checks if not c.ok)
        raise VerificationError(f"schedule refused, its recomputation disagrees: {bad}")
    t2 = time.perf_counter()
    bills = None
    if cost_sharing and len(scenario.partners) >= 2:
        from planner.costshare.yearly import yearly_bills

        say("Schedule: each year's bill and core check")
        bills = yearly_bills(scenario, problem, inst, funded, ledger)
    t3 = time.perf_counter()
    return _assemble(
        scenario,
        problem,
        inst,
        res,
        funded,
        ledger,
        cert,
        bills,
        {"solve_s": round(t1 - t0, 3), "verify_s": round(t2 - t1, 3), "bills_s": round(t3 - t2, 3)},
    )


def _assemble(
    scenario: Scenario,
    problem: CoverageProblem,
    inst: ScheduleInstance,
    res: Any,
    funded: np.ndarray,
    ledger: dict[str, np.ndarray],
    cert: ScheduleCertificate,
    bills: Any,
    times: dict[str, float],
) -> ScheduleRun:
    sch = scenario.schedule
    assert sch is not None
    w = problem.demand["weight"].to_numpy(float)
    got = w @ cert.defended
    share = got / w.sum()
    years = np.array(sch.years)
    nom = nominal_factor(years, sch.base_year, sch.inflation_rate)
    spend = {c: ledger[c].sum(axis=0) for c in CATEGORIES}
    service = ledger["service"] > 0.5
    names = problem.type_names
    st = inst.base.site_type
    rows = []
    for k, year in enumerate(sch.years):
        total = float(sum(spend[c][k] for c in CATEGORIES))
        rows.append(
            ScheduleYear(
                year=year,
                budget_musd=float(inst.budget[k]),
                spend_musd=total,
                acquisition_musd=float(spend["acquisition"][k]),
                operations_musd=float(spend["operations"][k]),
                replacement_musd=float(spend["replacement"][k]),
                nominal_spend_musd=total * float(nom[k]),
                in_service={t: int(service[st == i, k].sum()) for i, t in enumerate(names)},
                funded={t: int(((funded == k) & (st == i)).sum()) for i, t in enumerate(names)},
                defended_weight=float(got[k]),
                defended_share=float(share[k]),
                bills={} if bills is None else bills.year_bills(year),
                core_ok=None if bills is None else bills.core_ok(year),
                blocking_coalition=None if bills is None else bills.blocking(year),
            )
        )
    cost_range = np.array([sch.life(t).cost_range for t in names])
    totals = lifecycle_totals(
        ledger, st, names, cost_range, years, sch.base_year, sch.inflation_rate, inst.discount
    )
    solve = {
        "status": res.status,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "engine": res.engine,
        "start_objective": res.extra.get("start_objective"),
        "start_source": res.extra.get("start_source"),
        # The single-period plan scheduled greedily (None: it missed a milestone or a budget).
        "warm_start_objective": res.extra.get("heuristic_objective"),
        "presolve": None if res.presolve is None else res.presolve.to_dict(),
        "variables": int(inst.n * inst.years),
        **times,
    }
    notes = [VALUE_NOTE]
    if bills is not None:
        notes += list(bills.notes)
    return ScheduleRun(
        tuple(rows),
        _builds(problem, inst, funded, sch),
        totals,
        _milestones(sch, inst, share, service),
        solve,
        cert,
        sch,
        bills,
        tuple(notes),
    )
