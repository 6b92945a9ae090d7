"""The plan summary: the typed figures of one run that the reports, the CLI and batches read.

The pipeline builds a :class:`PlanSummary` once and hands it over in :class:`reports.PlanBundle`;
readers use its attributes. :meth:`PlanSummary.to_json` is the only place that turns it into the
``summary.json`` document: its keys and their order are the file's contract (tests compare them).

Sections that other stages add (cost sharing, a batch's run facts, ...) are objects with a
``to_json()`` method, written under their key after the standard ones, in insertion order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Protocol


class SummarySection(Protocol):
    """An optional block of ``summary.json``: anything that writes itself as JSON."""

    def to_json(self) -> Any:
        """The JSON-ready value written under the section's key."""
        ...


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class ScenarioInfo:
    """Which scenario was run: name, title, file, content hash, report distribution line."""

    name: str
    title: str
    file: str | None
    hash: str
    distribution: str | None = None


@dataclass(frozen=True)
class PartnerRow:
    """One partner's defended weight, coverage by layer and cost of the assets on its territory."""

    iso_a3: str
    name: str
    total_weight: float
    defended_weight: float
    defended_share: float
    sensor_covered_weight: float
    interceptor_covered_weight: float
    cost_musd_on_territory: float


@dataclass(frozen=True)
class LayerWeights:
    """Weight covered by each layer and by both (defended)."""

    sensor_covered_weight: float
    interceptor_covered_weight: float
    defended_weight: float


@dataclass(frozen=True)
class AssetTypeRow:
    """Units of one asset type bought and their cost.

    ``chosen`` is a count, or for a space layer the chosen constellation patterns (``"none"``);
    ``coverage_sampling`` (space layers only) describes the time sampling of each pattern.
    """

    asset_type: str
    label: str
    domain: str
    role: str
    chosen: int | str
    max_count: int
    unit_cost_musd: float
    cost_musd: float
    coverage_sampling: Mapping[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The row as written (``coverage_sampling`` only for space layers)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "coverage_sampling"}
        if self.coverage_sampling is not None:
            out["coverage_sampling"] = dict(self.coverage_sampling)
        return out


@dataclass(frozen=True)
class SolverInfo:
    """The engine, solver and options that produced the plan."""

    engine: str
    solver: str
    version: str | None
    threads: int | None
    time_limit_s: float | None
    mip_rel_gap: float | None
    seed: int | None = None
    node_count: int | None = None
    raw_status: str | None = None


@dataclass(frozen=True)
class VerificationCheck:
    """One verified statement about the plan."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Verification:
    """The independent recomputation's verdict and figures."""

    ok: bool
    recomputed_defended_weight: float
    recomputed_cost_musd: float
    checks: tuple[VerificationCheck, ...] = ()


@dataclass(frozen=True)
class ThreatRow:
    """Tracking of one launch area's threat tracks by the plan's sensors."""

    launch_area: str
    tracks: int
    mean_tracked_fraction: float
    share_of_tracks_seen: float
    mean_warning_time_s: float
    min_warning_time_s: float


@dataclass(frozen=True)
class RunTimes:
    """Wall time of each stage, s. ``more`` holds stages added later, written before ``total_s``."""

    coverage_s: float
    build_s: float
    solve_s: float
    verify_s: float
    cost_sharing_s: float
    total_s: float
    more: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "more", _frozen(self.more))

    @classmethod
    def from_stages(cls, stages: Mapping[str, float]) -> RunTimes:
        """From ``stage -> seconds`` (the six standard stages required, others kept in ``more``)."""
        names = ("coverage_s", "build_s", "solve_s", "verify_s", "cost_sharing_s", "total_s")
        more = {k: v for k, v in stages.items() if k not in names}
        return cls(**{n: float(stages[n]) for n in names}, more=more)

    def to_json(self) -> dict[str, float]:
        """Stage -> seconds, ``total_s`` last."""
        head = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("more", "total_s")}
        return {**head, **self.more, "total_s": self.total_s}


@dataclass(frozen=True)
class CostSharePartner:
    """A partner's data for cost sharing, with where each figure comes from."""

    iso_a3: str
    name: str
    population: float
    population_source: str
    gdp_musd: float
    gdp_source: str
    budget_cap_musd: float | None


@dataclass(frozen=True)
class CoreVerdict:
    """One rule's split checked against the core (M USD).

    ``max_violation`` is the largest saving a proper group of partners would make on its own
    (``≤ 0``: none objects, ``−max_violation`` is the margin); ``blocking_coalition`` the group
    that objects most, or ``None``.
    """

    in_core: bool
    blocking_coalition: tuple[str, ...] | None
    max_violation: float


@dataclass(frozen=True)
class CostShareFigures:
    """What the reports and the CLI read of the cost sharing, and its ``summary.json`` block.

    Attributes
    ----------
    bill_musd
        The bill shared, M USD.
    min_cost_musd
        The least cost of the same coverage, M USD (``None`` when not computed).
    partners
        Every partner's population, GDP and cap, with sources.
    allocations
        Rule -> partner -> bill, M USD, in the order the scenario asked for the rules.
    core
        Rule -> its core verdict (only the rules that were checked).
    core_empty, least_core_epsilon
        Whether the cost game's core is empty and its least-core ε* (M USD); ``None`` unchecked.
    notes
        Caveats of the computation (sampling, time limits), as sentences.
    checks
        The partner checks as written (``reports.flags`` words them), or ``None``.
    joint_plan
        The joint plan's block as written (``reports.costshare.joint_block`` lays it out), or ``None``.
    document
        The JSON block written under ``cost_sharing`` (built by the planner).
    """

    bill_musd: float
    allocations: Mapping[str, Mapping[str, float]]
    min_cost_musd: float | None = None
    partners: tuple[CostSharePartner, ...] = ()
    core: Mapping[str, CoreVerdict] = field(default_factory=dict)
    core_empty: bool | None = None
    least_core_epsilon: float | None = None
    notes: tuple[str, ...] = ()
    checks: Mapping[str, Any] | None = None
    joint_plan: Mapping[str, Any] | None = None
    document: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allocations", _frozen({r: _frozen(a) for r, a in self.allocations.items()}))
        object.__setattr__(self, "core", _frozen(self.core))

    def in_core(self, rule: str) -> bool | None:
        """Whether ``rule``'s split is in the core; ``None`` when it was not checked."""
        verdict = self.core.get(rule)
        return None if verdict is None else verdict.in_core

    def to_json(self) -> dict[str, Any]:
        """The cost-sharing block as the planner wrote it."""
        return dict(self.document)


@dataclass(frozen=True)
class PlanSummary:
    """The figures of one verified plan (``summary.json``), built once by the pipeline.

    Weights are in ``weight_unit`` (people, km² or weight); money in M USD. ``objective``,
    ``bound`` and ``gap`` are the solver's (``None`` when it reports none).
    """

    scenario: ScenarioInfo
    weight_unit: str
    status: str
    termination: str
    objective: float | None
    bound: float | None
    gap: float | None
    cost_musd: float
    budget_musd: float | None
    defended_weight: float
    total_weight: float
    defended_share: float
    n_points: int
    n_candidate_sites: int
    n_chosen_sites: int
    requirement: str
    per_partner: tuple[PartnerRow, ...]
    per_layer: LayerWeights
    per_asset_type: tuple[AssetTypeRow, ...]
    times: RunTimes
    solver: SolverInfo
    versions: Mapping[str, str]
    verification: Verification
    threats: tuple[ThreatRow, ...] | None
    notional_note: str
    cost_sharing: CostShareFigures | None = None
    sections: Mapping[str, SummarySection] = field(default_factory=dict)
    """Further blocks by ``summary.json`` key, written after ``cost_sharing`` in this order."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "versions", _frozen(self.versions))
        object.__setattr__(self, "sections", _frozen(self.sections))

    def with_section(self, key: str, section: SummarySection) -> PlanSummary:
        """A copy with ``section`` written under ``key`` (after the sections already present)."""
        return replace(self, sections={**self.sections, key: section})

    def to_json(self) -> dict[str, Any]:
        """The ``summary.json`` document, keys in the file's order."""
        out: dict[str, Any] = {"scenario": asdict(self.scenario)}
        for key in (
            "weight_unit",
            "status",
            "termination",
            "objective",
            "bound",
            "gap",
            "cost_musd",
            "budget_musd",
            "defended_weight",
            "total_weight",
            "defended_share",
            "n_points",
            "n_candidate_sites",
            "n_chosen_sites",
            "requirement",
        ):
            out[key] = getattr(self, key)
        out["per_partner"] = [asdict(p) for p in self.per_partner]
        out["per_layer"] = asdict(self.per_layer)
        out["per_asset_type"] = [a.to_json() for a in self.per_asset_type]
        out["times"] = self.times.to_json()
        out["solver"] = asdict(self.solver)
        out["versions"] = dict(self.versions)
        ver = self.verification
        out["verification"] = {**asdict(ver), "checks": [asdict(c) for c in ver.checks]}
        out["threats"] = None if self.threats is None else [asdict(t) for t in self.threats]
        out["notional_note"] = self.notional_note
        if self.cost_sharing is not None:
            out["cost_sharing"] = self.cost_sharing.to_json()
        for key, section in self.sections.items():
            out[key] = section.to_json()
        return out
