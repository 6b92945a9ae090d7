"""Scenario schema v1: what a planner writes in YAML, validated strictly.

Every model is a frozen pydantic v2 model with ``extra="forbid"``; attribute docstrings become field
descriptions in the exported JSON Schema (``domeplan schema``). Units are in field names (``_km``,
``_m``, ``_musd`` for millions of US dollars, ``_deg``, ``_s``).

All asset parameters shipped with domeplan are notional and illustrative.

Length: the scenario's core schema is one pydantic model tree with attribute docstrings; its newer
blocks live in their own modules (threats, schedule, adversary, ...).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from models.costshare.registry import rule_names
from planner.errors import InputError
from planner.scenario.adversary import Adversary
from planner.scenario.limits import Limits
from planner.scenario.report import ReportSettings
from planner.scenario.schedule import Schedule
from planner.scenario.space_interceptors import INTERCEPTOR_ROLE_REFUSED, SpaceInterceptors
from planner.scenario.strict import BOOL_ERROR, StrictModel, check_ring, check_walker_menu
from planner.scenario.threat_trajectory import Trajectory
from planner.scenario.threats import Engagement

SCHEMA_VERSION = 1

IsoA3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 country code.")]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=64)]
Money = Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)]  # le: sums stay finite
Km = Annotated[float, Field(gt=0, le=1e5, allow_inf_nan=False)]


class Partner(StrictModel):
    """A partner nation."""

    iso_a3: IsoA3
    """ISO 3166-1 alpha-3 code (Natural Earth ``ADM0_A3``), e.g. ``USA``, ``CAN``."""
    budget_musd: Money | None = None
    """The partner's budget cap in M USD (used by cost sharing); ``None`` for no cap."""
    min_defended_share: float | None = Field(default=None, ge=0, le=1)
    """Minimum share of the partner's defended weight the plan must defend (``max_defended`` only)."""
    population: float | None = Field(default=None, gt=0, le=1e11, allow_inf_nan=False)
    """Population for cost sharing; ``None``: Natural Earth ``POP_EST`` (its year is stated)."""
    gdp_musd: Money | None = None
    """GDP in M USD for cost sharing; ``None``: Natural Earth ``GDP_MD`` (its year is stated)."""


class PopulatedPlaces(StrictModel):
    """Defended points taken from Natural Earth's populated places of the partners."""

    min_population: float = Field(default=0.0, ge=0)
    """Keep places whose population (``pop_max``) is at least this; weight = population."""


class ExplicitPoint(StrictModel):
    """A named point to defend."""

    name: str = Field(min_length=1)
    lon: float = Field(ge=-180, le=180)
    """Longitude, degrees WGS84."""
    lat: float = Field(ge=-90, le=90)
    """Latitude, degrees WGS84."""
    weight: float = Field(gt=0, le=1e15, allow_inf_nan=False)
    """Weight of the point in the objective (e.g. people, or a value score)."""
    partner: IsoA3 | None = None
    """Partner the point belongs to (for per-partner results); ``None``: nearest partner territory."""


class PointFile(StrictModel):
    """Weighted defended points read from a file (GeoJSON, GeoPackage, Shapefile, or CSV with lon/lat)."""

    path: str = Field(min_length=1)
    """File path, relative to the scenario file."""
    weight_column: str
    """Column holding each point's weight."""
    id_column: str | None = None
    """Column of unique point ids (default: file stem and row number)."""
    layer: str | None = None
    """Layer inside a multi-layer GeoPackage."""
    partner: IsoA3 | None = None
    """Partner the points belong to; ``None``: the partner whose territory contains each point."""


class AreaGrid(StrictModel):
    """Equal-area cells over partner territory, weighted by area (km²).

    Use it alone to ask what share of a territory is defended or under sensor coverage: its weights
    are km², which do not mix meaningfully with people.
    """

    cell_km: Km
    """Side of each square cell in a Lambert azimuthal equal-area plane."""
    partners: tuple[IsoA3, ...] | None = None
    """Grid these partners' territory; ``None``: all partners."""


class Defended(StrictModel):
    """What the network defends: populated places, explicit points, point files, an area grid."""

    populated_places: PopulatedPlaces | None = None
    points: tuple[ExplicitPoint, ...] = ()
    files: tuple[PointFile, ...] = ()
    area_grid: AreaGrid | None = None

    @model_validator(mode="after")
    def _something(self) -> Defended:
        if self.populated_places is None and not self.points and not self.files and self.area_grid is None:
            raise ValueError("give populated_places, points, files or area_grid")
        return self


class GridCandidates(StrictModel):
    """Candidate land sites on a grid inside partner territory."""

    spacing_km: Km
    """Grid spacing in km (geodesic)."""
    partners: tuple[IsoA3, ...] | None = None
    """Restrict candidates to these partners' territory; ``None``: all partners."""


class SeaCandidates(GridCandidates):
    """Candidate sea stations on a grid over ocean, near a partner's coast."""

    within_km: Km = 370.0
    """Maximum geodesic distance to a partner's coast (370 km = 200 nautical miles)."""


Role = Literal["sensor", "interceptor", "both"]


class _AssetBase(StrictModel):
    name: Name
    """Unique name of the asset type, used in results."""
    role: Role
    """``sensor``, ``interceptor`` or ``both``."""
    unit_cost_musd: Money
    """Cost of one unit in M USD (notional). For space: cost per satellite."""
    label: str | None = None
    """Human label for reports."""


class ExistingSite(StrictModel):
    """An asset already in place: it stays in every plan and its cost counts."""

    name: str | None = None
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class _GroundAsset(_AssetBase):
    max_count: int = Field(ge=0)
    """Maximum number of units of this type in a plan (existing sites included)."""
    min_count: int = Field(default=0, ge=0)
    """Minimum number of units of this type in a plan (a quota)."""
    existing_sites: tuple[ExistingSite, ...] = ()
    """Sites already built: kept in every plan, added to the candidates."""
    min_separation_km: Km | None = None
    """Two units of this type closer than this exclude each other."""
    sensor_range_km: Km | None = None
    """Instrumented range of the sensor; the reach is min(range, radar horizon)."""
    mast_height_m: float = Field(default=20.0, ge=0, allow_inf_nan=False)
    """Height of the sensor above the surface, for the radar horizon."""
    target_altitude_m: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Altitude of the object the sensor must see, for the two-ended radar horizon."""
    horizon_k: float | None = Field(default=None, gt=0)
    """``None`` (default): line of sight by a ray trace through a standard exponential atmosphere,
    refraction inside the air and straight lines above it; a number: a k-effective Earth over the
    whole path (4/3 holds only for targets inside the atmosphere: it overstates the reach to a
    100 km target by 9 %)."""
    min_elevation_deg: float = Field(default=0.0, ge=0, lt=90)
    """Lowest elevation at which the sensor sees a target. Default 0: down to the refracted horizon
    (the pre-existing behaviour, right for surface and ship radars); early-warning radars have a
    few degrees (3° cuts a 30 m radar's reach to a 100 km target from 1,212 to 855 km)."""
    engagement_range_km: Km | None = None
    """Ground range within which an interceptor defends a point (terminal radius); with threat
    corridors, the slant range within which it engages a threat."""
    engagement_min_altitude_km: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Lowest altitude at which the interceptor engages (threat corridors only)."""
    engagement_max_altitude_km: float = Field(default=150.0, gt=0, allow_inf_nan=False)
    """Highest altitude at which the interceptor engages (threat corridors only)."""

    @model_validator(mode="after")
    def _counts(self) -> _GroundAsset:
        if self.min_count > self.max_count:
            raise ValueError(
                f"asset type '{self.name}': min_count {self.min_count} > max_count {self.max_count}"
            )
        if len(self.existing_sites) > self.max_count:
            raise ValueError(
                f"asset type '{self.name}': {len(self.existing_sites)} existing sites "
                f"> max_count {self.max_count}"
            )
        return self

    @model_validator(mode="after")
    def _role_parameters(self) -> _GroundAsset:
        if self.role in ("sensor", "both") and self.sensor_range_km is None:
            raise ValueError(f"asset type '{self.name}' is a sensor: give sensor_range_km")
        if self.role in ("interceptor", "both") and self.engagement_range_km is None:
            raise ValueError(f"asset type '{self.name}' is an interceptor: give engagement_range_km")
        return self


class LandAsset(_GroundAsset):
    """A land-based sensor or interceptor battery, placed on a grid inside partner territory."""

    domain: Literal["land"]
    candidates: GridCandidates


class SeaAsset(_GroundAsset):
    """A sea station (a ship on station), placed on a grid over ocean near a partner's coast."""

    domain: Literal["sea"]
    candidates: SeaCandidates


class SpaceAsset(_AssetBase):
    """A satellite constellation: a menu of Walker patterns, at most one of which is chosen."""

    domain: Literal["space"]
    altitude_km: Km
    """Circular orbit altitude."""
    min_elevation_deg: float = Field(default=10.0, ge=0, lt=90)
    """Minimum elevation above the horizon at which a point sees a satellite."""
    constellations: tuple[str, ...] = Field(min_length=1)
    """Menu of Walker delta patterns ``i:t/p/f`` (inclination deg : satellites / planes / phasing)."""
    coverage_threshold: float = Field(default=0.9, gt=0, le=1)
    """Time-averaged fraction of the horizon with a satellite in view at which a point counts as
    covered."""
    horizon_s: float | None = Field(default=None, gt=0, le=2_000_000, allow_inf_nan=False)
    """Horizon of the time averages and revisit gaps, s. Default ``None``: one sidereal day
    (86,164 s), or the constellation's ground-track repeat cycle when shorter (per-point coverage
    depends on longitude; one orbit is far too short)."""
    sensor_range_km: Km | None = None
    """Range within which a satellite tracks a threat (notional); ``None``: no limit but the Earth
    and atmosphere."""
    atmosphere_margin_km: float = Field(default=20.0, ge=0, le=200, allow_inf_nan=False)
    """A satellite tracks a threat when the straight line between them clears the Earth plus this
    layer (default 20 km: weather and water vapour lie below the tropopause, 10-18 km)."""
    time_step_s: float | None = Field(default=None, gt=0, le=3600, allow_inf_nan=False)
    """Sample spacing, s. Default ``None``: the footprint crossing time 2λ/n over 40 (21.9 s at
    1,200 km and 10°), so no pass is missed."""

    @model_validator(mode="after")
    def _samples(self) -> SpaceAsset:
        if (
            self.horizon_s is not None
            and self.time_step_s is not None
            and self.horizon_s / self.time_step_s > 200_000
        ):
            raise ValueError(
                f"asset type '{self.name}': horizon_s / time_step_s = "
                f"{self.horizon_s / self.time_step_s:,.0f} samples, more than 200,000"
            )
        return self

    @field_validator("constellations")
    @classmethod
    def _walker(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_walker_menu(value)

    @field_validator("role")
    @classmethod
    def _sensor_only(cls, value: str) -> str:
        if value != "sensor":
            raise ValueError(INTERCEPTOR_ROLE_REFUSED.format(role=value))
        return value


AssetType = Annotated[LandAsset | SeaAsset | SpaceAsset, Field(discriminator="domain")]


class LaunchAreaSpec(StrictModel):
    """A named, notional launch area: a point (``lon``, ``lat``) or a polygon sampled on a grid."""

    name: Name
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    polygon: tuple[tuple[float, float], ...] | None = Field(default=None, min_length=3)
    """Exterior ring as ``[lon, lat]`` pairs (degrees)."""
    spacing_km: Km = 200.0
    """Spacing of launch points inside a polygon."""
    repair: bool = False
    """Repair an invalid (e.g. self-intersecting) polygon with ``shapely.make_valid`` instead of
    refusing it."""

    @model_validator(mode="after")
    def _ring(self) -> LaunchAreaSpec:
        if self.polygon is not None:
            try:
                check_ring(self.polygon, repair=self.repair)
            except ValueError as err:
                raise ValueError(f"launch area '{self.name}': polygon: {err}") from None
        return self

    @model_validator(mode="after")
    def _point_or_polygon(self) -> LaunchAreaSpec:
        point = self.lon is not None and self.lat is not None
        if point == (self.polygon is not None) or (self.lon is None) != (self.lat is None):
            raise ValueError(f"launch area '{self.name}': give lon and lat, or a polygon")
        return self


class Threats(StrictModel):
    """Notional threat corridors: great-circle ballistic tracks from launch areas to every point."""

    launch_areas: tuple[LaunchAreaSpec, ...] = Field(min_length=1)
    interceptor_coverage: Literal["terminal", "corridor"] = "corridor"
    """``corridor``: an interceptor covers a point when it can engage some threat track toward it
    (within its engagement range and altitude band); ``terminal``: within its engagement range of
    the point."""
    n_samples: int = Field(default=48, ge=4, le=1000)
    """Samples along each track."""
    engage: Literal["any", "all"] = "any"
    """Cover a point when the interceptor can engage ``any`` of its tracks, or ``all`` of them."""
    trajectory: Trajectory = Trajectory()
    """Two-body trajectory of the tracks: minimum energy from the launch point by default."""
    engagement: Engagement | None = None
    """A raid against the kill chain (optional): plan, leakage curve, Monte Carlo check."""


class SolverSettings(StrictModel):
    """How to solve: engine, solver and shared options."""

    engine: str = "highs"
    """Engine from the registry: ``highs`` (the model as arrays straight to HiGHS, the fastest),
    ``pyomo`` (the same model as a readable Pyomo model, any Pyomo solver) or ``cpsat`` (OR-Tools)."""
    solver: str = "highs"
    """For the ``pyomo`` engine: any Pyomo solver by name (``highs``, ``gurobi``, ``scip``, ``cbc``)."""

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        from models import engines

        if value not in engines.names():
            raise ValueError(f"unknown engine; choose one of {', '.join(engines.names())}")
        return value

    time_limit_s: float | None = Field(default=60.0, gt=0)
    """Wall-clock limit; stopped early, the best plan is returned with its gap."""
    mip_rel_gap: float = Field(default=1e-4, ge=0, lt=1)
    """Relative optimality gap at which to stop."""
    threads: int | None = Field(default=1, ge=1)
    """Solver threads (``None``: solver default)."""
    seed: int = Field(default=0, ge=0)
    """Random seed for reproducible runs."""
    tie_break: bool = True
    """Among plans of equal value, return the one a second solve prefers (the cheapest, then a
    fixed order of site ids: :mod:`models.tiebreak`), so that a plan never depends on a warm
    start or on which runs of a batch finished first. ``max_defended`` only."""


SHARE_RULES: tuple[str, ...] = rule_names()
# The registry is the one vocabulary of rules; a Literal built from it keeps the JSON Schema's enum.
ShareRule = Literal[SHARE_RULES]  # type: ignore[valid-type]  # built at import: mypy cannot see it


class JointPlanSettings(StrictModel):
    """A second plan chosen together with each partner's contribution (``models.formulations.joint_plan``)."""

    enabled: bool = True
    """Compute the joint plan."""
    rule: Literal["gdp", "equal", "population", "benefit"] = "gdp"
    """Rule the contributions follow: fixed shares (``gdp``, capped by ``gdp_cap_share``;
    ``equal``; ``population``: a MILP on HiGHS) or ``benefit`` (shares proportional to defended
    weight: bilinear, solved on CP-SAT with integer shares)."""
    tolerance: float = Field(default=0.1, ge=0, le=1)
    """Each contribution stays within ``±tolerance`` (relative) of the rule's amount."""
    individual_rationality: bool = True
    """Every partner defended at least as well as it would be alone (its benefit-game value)."""
    core_constraints: bool | Literal["auto"] = "auto"
    """Every coalition defended at least as well as alone; ``auto``: on for at most 6 partners."""
    budget: Literal["network", "pooled"] = "network"
    """Most the joint plan may cost: the scenario's ``budget_musd`` (``network``), or the sum of
    the partners' budget caps (``pooled``; a partner without a cap counts as ``budget_musd``)."""
    time_limit_s: float = Field(default=60.0, gt=0)
    """Time limit of the joint solve."""


class CostSharing(StrictModel):
    """Who pays what: coalition games, allocation rules, core check, what-ifs and the joint plan."""

    enabled: bool = True
    """Compute cost sharing (needs at least two partners)."""
    rules: tuple[ShareRule, ...] = SHARE_RULES
    """Allocation rules to report, in this order."""
    in_kind_fraction: float = Field(default=0.0, ge=0, le=1)
    """Share of the cost of the sites a partner hosts credited to it as in-kind contribution (its
    cash due is its share less this credit)."""
    gdp_cap_share: float | None = Field(default=None, gt=0, le=1)
    """Cap on any partner's share under the GDP rule, the excess redistributed by GDP (as NATO
    caps its common-funding formula); ``None`` for no cap."""
    exact_up_to: int = Field(default=12, ge=1, le=16)
    """Partners up to which every coalition is solved; beyond, the Shapley value is sampled."""
    n_permutations: int = Field(default=500, ge=2)
    """Random orders of arrival sampled for the Shapley value beyond ``exact_up_to``."""
    workers: int = Field(default=1, ge=1)
    """Threads solving coalition MILPs side by side. HiGHS releases the GIL while it runs, but
    each small coalition MILP spends about half its time in Python (presolve, model build,
    starting plan): measured on 8 partners (510 MILPs of 20-40 ms), 2 threads gained nothing."""
    joint_plan: JointPlanSettings = JointPlanSettings()
    """The plan chosen with the split in mind."""

    @field_validator("rules")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("give at least one rule")
        if len(set(value)) != len(value):
            raise ValueError("a rule is listed twice")
        return value


class Scenario(StrictModel):
    """A domeplan scenario (schema v1)."""

    schema_version: Literal[1] = 1
    """Version of this schema."""
    name: Name
    """Short name; outputs go to ``out/<name>/``."""
    title: str | None = None
    """Human title for reports."""
    description: str | None = None
    partners: tuple[Partner, ...] = Field(min_length=1)
    """Partner nations sharing the network."""
    budget_musd: Money
    """Total budget of the network in M USD."""
    defended: Defended
    """What the network defends."""
    asset_types: tuple[AssetType, ...] = Field(min_length=1)
    """The kinds of asset that may be placed."""
    objective: Literal["max_defended", "min_cost"] = "max_defended"
    """``max_defended``: the most weight defended within the budget (budgeted layered maximal
    covering). ``min_cost``: the least cost of defending every point that any plan can defend —
    what full coverage costs (the budget is then not a constraint; the report compares against it).
    """
    requirement: Literal["sensor_and_interceptor", "sensor", "interceptor"] = "sensor_and_interceptor"
    """When a point counts as defended: covered by at least one chosen sensor and one chosen
    interceptor (layered defence, the default), or by one layer alone."""
    threats: Threats | None = None
    """Notional threat corridors (optional): warning times, tracked fractions, and interceptor
    coverage by engagement along the tracks."""
    solver: SolverSettings = SolverSettings()
    """Solver options."""
    cost_sharing: CostSharing = CostSharing()
    """How the partners share the bill (computed when there are at least two partners)."""
    limits: Limits = Limits()
    """Most the scenario may build (sites, points, pairs), checked before building anything."""
    report: ReportSettings = ReportSettings()
    """What the report says about itself: the distribution line of the cover and page footers."""
    _origin: str | None = PrivateAttr(default=None)
    """Digest of the scenario as its file says (set by :func:`load_scenario`, kept by overrides)."""

    def derived_from(self, origin: Scenario) -> Scenario:
        """Return this scenario marked as an override of ``origin`` (for :attr:`overridden`)."""
        self._origin = origin._origin or origin.digest()
        return self

    @property
    def overridden(self) -> bool:
        """Whether overrides changed the scenario its file gives (``False`` when not from a file)."""
        origin = (self.__pydantic_private__ or {}).get("_origin")  # None: unpickled from an older version
        return origin is not None and origin != self.digest()

    space_interceptors: SpaceInterceptors | None = None
    """A boost-phase layer of space-based interceptors (optional), sized by its geometry."""
    schedule: Schedule | None = None
    """A build-out year by year (optional): annual budgets, life cycles, milestones, yearly bills."""
    adversary: Adversary | None = None
    """An attacker who reads the plan (optional, needs ``threats.engagement``): worst-case raids,
    the robust plan and its price, the loss of sites and sensors."""

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        codes = [p.iso_a3 for p in self.partners]
        for k, c in enumerate(codes):
            if c in codes[:k]:
                raise ValueError(
                    f"partners[{k}].iso_a3 = {c!r}: partner listed twice (first as "
                    f"partners[{codes.index(c)}])"
                )
        names = [a.name for a in self.asset_types]
        for k, n in enumerate(names):
            if n in names[:k]:
                raise ValueError(
                    f"asset_types[{k}].name = {n!r}: asset type name used twice (first "
                    f"as asset_types[{names.index(n)}])"
                )
        cap = self.cost_sharing.gdp_cap_share
        if cap is not None and len(self.partners) >= 2 and cap * len(self.partners) < 1:
            raise ValueError(
                f"cost_sharing.gdp_cap_share = {cap} is below 1/{len(self.partners)} "
                "partners: the shares could not sum to 1"
            )
        roles = {a.role for a in self.asset_types}
        need = {
            "sensor_and_interceptor": ("sensor", "interceptor"),
            "sensor": ("sensor",),
            "interceptor": ("interceptor",),
        }[self.requirement]
        for r in need:
            if r not in roles and "both" not in roles:
                raise ValueError(f"requirement '{self.requirement}' needs an asset type with role {r}")
        if self.schedule is not None:
            self.schedule.check_names(tuple(names), tuple(codes))
        if self.adversary is not None:
            self.adversary.check(self.threats)
        return self

    @property
    def partner_codes(self) -> tuple[str, ...]:
        """ISO A3 codes of the partners, in scenario order."""
        return tuple(p.iso_a3 for p in self.partners)

    @property
    def display_title(self) -> str:
        """The title, or the name when no title is given."""
        return self.title or self.name

    def canonical_json(self) -> str:
        """Canonical JSON of the fully resolved scenario (defaults filled, limits left out), for hashing."""
        data = self.model_dump(mode="json", exclude={"limits"})  # limits never change a result
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: the scenario's identity in results."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def with_overrides(self, patch: dict[str, Any], *, file: str | Path | None = None) -> Scenario:
        """Return a new scenario with ``patch`` deep-merged into this one, validated after the merge.

        See :func:`deep_merge` for the rules (``{"asset_types": {"sea_station": {...}}}`` patches one
        asset type by name).

        Raises
        ------
        InputError
            Naming ``file``, the field path and the value, when the patch does not fit or makes the
            scenario invalid.
        """
        try:
            data = deep_merge(self.model_dump(mode="json"), patch)
        except InputError as err:
            raise err.with_file(file) if file is not None else err from None
        return parse_scenario(data, file=file).derived_from(self)


LIST_KEYS = ("name", "iso_a3")
"""Fields that identify the items of a list of mappings in a patch (asset types, points; partners)."""


def _list_key(items: list[Any]) -> str | None:
    for key in LIST_KEYS:
        if items and all(isinstance(it, dict) and key in it for it in items):
            return key
    return None


def _merge_list(base: list[Any], patch: dict[Any, Any], field: str) -> list[Any]:
    key = _list_key(base)
    index = {it[key]: k for k, it in enumerate(base)} if key else {}
    out: list[Any] = list(base)
    removed: set[int] = set()
    for name, value in patch.items():
        if isinstance(name, int) and not isinstance(name, bool):
            if not -len(base) <= name < len(base):
                raise InputError(
                    f"index out of range (the list has {len(base)} items)", field=f"{field}[{name}]"
                )
            k = name % len(base)
        elif name in index:
            k = index[name]
        else:
            known = ", ".join(repr(n) for n in index) or "none (the list has no named items)"
            what = f"no item with {key} {name!r}" if key else f"cannot patch {name!r} into a list"
            raise InputError(f"{what}; known: {known}", field=field, value=name)
        if value is None:
            removed.add(k)
        else:
            out[k] = deep_merge(base[k], value, field=f"{field}[{name}]")
    return [it for k, it in enumerate(out) if k not in removed]


def deep_merge(base: Any, patch: Any, *, field: str = "") -> Any:
    """Merge ``patch`` into ``base`` and return the result (neither argument is changed).

    The rules, applied recursively:

    - a mapping patched with a mapping merges key by key (new keys are added);
    - a list of mappings patched with a *mapping* merges each entry into one item, found by its
      ``name`` (asset types, explicit points) or ``iso_a3`` (partners), or by an integer index;
      an entry whose value is ``null`` removes that item. So
      ``{"asset_types": {"sea_station": {"unit_cost_musd": 500}}}`` changes one cost and
      ``{"partners": {"CAN": None}}`` drops a partner;
    - anything else (a scalar, a list patched with a list) is replaced by the patch.

    Parameters
    ----------
    base, patch
        Plain data (parsed YAML or ``model_dump(mode="json")``).
    field
        Path of ``base`` inside the whole document, for error messages.

    Raises
    ------
    InputError
        When a mapping patch names an item the list does not have.
    """
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            sub = f"{field}.{key}" if field else str(key)
            out[key] = deep_merge(base[key], value, field=sub) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, dict):
        return _merge_list(base, patch, field)
    return patch


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of :class:`Scenario`, for editors and validation tools."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "domeplan scenario (schema v1)"
    return schema


# --------------------------------------------------------------------------- loading and errors

_TAGS = {"land", "sea", "space"}


def _path(loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into ``asset_types[2].candidates.spacing_km``."""
    out = ""
    prev_int = False
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            prev_int = True
            continue
        if prev_int and part in _TAGS:  # discriminated-union tag pydantic inserts; not a field
            prev_int = False
            continue
        prev_int = False
        if str(part).startswith(("function-", "model-")):
            continue
        out += f".{part}" if out else str(part)
    return out


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        elif isinstance(part, str) and part in _TAGS:
            continue
        else:
            return ...
    return data


@functools.cache
def _field_names() -> frozenset[str]:
    """Every field name of the scenario schema (for "did you mean" hints)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}) or {})
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(Scenario.model_json_schema())
    return frozenset(names)


def validation_error(err: ValidationError, data: Any, file: str | Path | None) -> InputError:
    """Turn the first pydantic error into one :class:`InputError` line (file, field path, value)."""
    errors = err.errors(include_url=False)
    # An unknown key explains a "missing" one beside it (a typo): report the unknown key first.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(first["loc"])
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        siblings = [
            str(e["loc"][-1]) for e in errors if e["type"] == "missing" and tuple(e["loc"][:-1]) == loc[:-1]
        ]
        close = difflib.get_close_matches(key, siblings, n=1, cutoff=0.5) or difflib.get_close_matches(
            key, sorted(_field_names()), n=1, cutoff=0.75
        )
        hint = f" (did you mean {close[0]}?)" if close else ""
        return InputError(f"unknown key {key}{hint}", file=file, field=_path(loc))
    if first["type"] == "missing":
        return InputError("required field is missing", file=file, field=_path(loc))
    if first["type"] == BOOL_ERROR:
        loc = (*loc, first["ctx"]["field"])
        return InputError(first["msg"], file=file, field=_path(loc), value=_value_at(data, loc))
    value = first.get("input", ...)
    msg = msg.removeprefix("Value error, ")
    if isinstance(value, dict) and first["type"].startswith(("value_error", "assertion")):
        # a model-level rule: the whole mapping says nothing useful
        return InputError(msg, file=file, field=_path(loc) or None)
    return InputError(
        msg,
        file=file,
        field=_path(loc) or None,
        value=value if value is not ... else _value_at(data, loc) if loc else ...,
    )


def parse_scenario(data: Any, file: str | Path | None = None) -> Scenario:
    """Validate a mapping (already parsed YAML) into a :class:`Scenario`.

    Raises
    ------
    InputError
        With the file, the field path and the bad value.
    """
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise InputError(f"a scenario must be a YAML mapping, got {kind}", file=file)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise validation_error(err, data, file) from None


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file strictly and within the size cap (:func:`planner.scenario.safe_yaml.read_yaml`)."""
    from planner.scenario.safe_yaml import read_yaml as read_strict

    return read_strict(path)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Examples
    --------
    >>> from planner import load_scenario
    >>> sc = load_scenario("scenarios/north_america.yaml")  # doctest: +SKIP
    >>> sc.with_overrides({"budget_musd": 8000}).budget_musd  # doctest: +SKIP
    8000.0
    """
    scenario = parse_scenario(read_yaml(path), file=path)
    scenario = scenario.derived_from(scenario)  # its own origin: not overridden
    return scenario
