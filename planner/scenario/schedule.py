"""The ``schedule:`` block of a scenario: a build-out year by year.

Years, annual budgets, carry-over, discounting, milestones, each asset type's life cycle (lead
time, service life, operations and support, replacement) and reference lines for the charts.
Money is in **constant M USD of** ``base_year`` (notional); nominal figures are derived with
``inflation_rate``. Hooked into :class:`planner.scenario.schema.Scenario` by one optional field.

All life-cycle parameters shipped with domeplan are notional and illustrative.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from planner.scenario.strict import StrictModel

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=64)]
"""An asset-type or partner name (as :data:`planner.scenario.schema.Name`)."""


Year = int
"""A calendar year."""


class Lifecycle(StrictModel):
    """One asset type's life cycle (notional, constant dollars of the schedule's base year).

    A unit funded in year :math:`s` is paid for over ``max(lead_time_years, 1)`` years from
    :math:`s` (equal instalments) and is in service from ``s + lead_time_years`` for
    ``service_life_years``. With ``replace`` its replacement is funded ``service_life_years``
    after the original (same instalments, ``replacement_cost_fraction`` of the unit cost) so it
    enters service as the original retires; without, the unit retires.
    """

    lead_time_years: int = Field(default=0, ge=0, le=30)
    """Years from first funding to service (0: in service the year it is funded)."""
    service_life_years: int | None = Field(default=None, ge=1, le=100)
    """Years in service before retirement; ``None``: beyond any horizon."""
    om_per_year_musd: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Operations and support per unit and year in service, M USD (for space: per satellite)."""
    replace: bool = True
    """Replace the unit at the end of its life (funded so the replacement takes over on time)."""
    replacement_cost_fraction: float = Field(default=1.0, ge=0, le=5)
    """Cost of a replacement as a fraction of the unit cost."""
    cost_range: float = Field(default=0.0, ge=0, lt=1)
    """Relative uncertainty of this type's costs: life-cycle totals are also given at
    ``1 − cost_range`` (low) and ``1 + cost_range`` (high) of every cost (acquisition, O&S,
    replacement) of the chosen schedule."""


class Milestone(StrictModel):
    """Something that must hold from ``year`` to the end of the horizon.

    Give one of ``min_defended_share`` (of the total weight, defended by sensors and interceptors
    in service) or ``asset_type`` (at least ``min_count`` units, or one constellation, in service).
    A maximum expected leakage against a design raid is a future hook: it needs the engagement
    model (see :class:`models.formulations.schedule.YearValue`).
    """

    name: str | None = None
    """Label in reports; default from the requirement."""
    year: Year
    """From this year on."""
    min_defended_share: float | None = Field(default=None, gt=0, le=1)
    """Minimum share of the total weight defended in service."""
    asset_type: Name | None = None
    """An asset type that must be in service."""
    min_count: int = Field(default=1, ge=1)
    """Units of ``asset_type`` that must be in service (a constellation counts as one)."""
    enforce: bool = True
    """Impose it as a constraint; ``false``: only report the first year it holds (to compare
    budget profiles by their time to the milestone without making slow ones infeasible)."""

    @model_validator(mode="after")
    def _one(self) -> Milestone:
        if (self.min_defended_share is None) == (self.asset_type is None):
            raise ValueError("give min_defended_share or asset_type (one of them)")
        return self

    @property
    def label(self) -> str:
        """Name, or a description of the requirement."""
        if self.name:
            return self.name
        if self.min_defended_share is not None:
            return f"{self.min_defended_share:.0%} defended by {self.year}"
        return f"{self.asset_type} in service by {self.year}"


class ReferenceLine(StrictModel):
    """A figure a planner wants drawn on the charts (a published total, an announced share)."""

    label: str = Field(min_length=1)
    """Legend text, e.g. ``announced total (notional scale)``."""
    total_musd: float = Field(gt=0, allow_inf_nan=False)
    """The amount, in the schedule's money (constant M USD of ``base_year``)."""
    partner: Name | None = None
    """Draw it on this partner's cumulative bill (ISO A3); ``None``: on the total spending."""


class CoreContributions(StrictModel):
    """Yearly contributions chosen by an LP so every year's cumulative split stays in the core."""

    enabled: bool = True
    """Compute the LP split (needs at least two partners)."""
    reference_rule: str = "shapley"
    """Stay as close as possible (least total absolute deviation) to this rule's yearly bills."""


class Schedule(StrictModel):
    """A build-out year by year: budgets, life cycles, milestones (constant M USD of ``base_year``)."""

    first_year: Year = Field(ge=1900, le=2200)
    """First year of the programme (funding may start this year)."""
    last_year: Year = Field(ge=1900, le=2200)
    """Last year of the horizon (inclusive)."""
    base_year: Year = Field(default=2025, ge=1900, le=2200)
    """Money is in constant dollars of this year."""
    annual_budget_musd: float | tuple[float, ...]
    """Budget per year: one number (grown by ``budget_growth``) or one value per year."""
    budget_growth: float = Field(default=0.0, ge=-0.5, le=1.0)
    """Yearly growth of a single ``annual_budget_musd``: :math:`B_t = B (1 + g)^{t - t_0}`."""
    carry_over: bool = False
    """Unspent money carries over to later years (cumulative spending within cumulative budget)."""
    discount_rate: float = Field(default=0.02, ge=0, lt=1)
    """Real discount rate for present values (the objective weighs year :math:`t` by
    :math:`(1 + r)^{-(t - t_0)}`)."""
    inflation_rate: float = Field(default=0.02, ge=-0.1, le=0.5)
    """To turn constant dollars of ``base_year`` into nominal (then-year) dollars."""
    milestones: tuple[Milestone, ...] = ()
    """Requirements by a year, imposed as constraints."""
    lifecycle: dict[Name, Lifecycle] = Field(default_factory=dict)
    """Life cycle by asset-type name; a type not listed has no lead time, no O&S and no end of life."""
    reference_lines: tuple[ReferenceLine, ...] = ()
    """Figures drawn on the charts."""
    core_contributions: CoreContributions = CoreContributions()
    """The LP split that keeps every year in the core."""
    time_limit_s: float = Field(default=60.0, gt=0)
    """Time limit of the multi-period MILP."""

    @model_validator(mode="after")
    def _years(self) -> Schedule:
        if self.last_year < self.first_year:
            raise ValueError(f"last_year {self.last_year} is before first_year {self.first_year}")
        n = self.last_year - self.first_year + 1
        if n > 60:
            raise ValueError(f"{n} years: at most 60")
        if isinstance(self.annual_budget_musd, tuple):
            if len(self.annual_budget_musd) != n:
                raise ValueError(
                    f"annual_budget_musd has {len(self.annual_budget_musd)} values for "
                    f"{n} years ({self.first_year}-{self.last_year})"
                )
            if any(b < 0 for b in self.annual_budget_musd):
                raise ValueError("annual_budget_musd values must be non-negative")
        elif self.annual_budget_musd < 0:
            raise ValueError("annual_budget_musd must be non-negative")
        for m in self.milestones:
            if not self.first_year <= m.year <= self.last_year:
                raise ValueError(f"milestone year {m.year} is outside {self.first_year}-{self.last_year}")
        return self

    @property
    def years(self) -> tuple[int, ...]:
        """The years of the horizon."""
        return tuple(range(self.first_year, self.last_year + 1))

    def budgets(self) -> tuple[float, ...]:
        """Budget of each year (constant M USD)."""
        if isinstance(self.annual_budget_musd, tuple):
            return tuple(float(b) for b in self.annual_budget_musd)
        b, g = float(self.annual_budget_musd), self.budget_growth
        return tuple(b * (1 + g) ** k for k in range(len(self.years)))

    def life(self, asset_type: str) -> Lifecycle:
        """The life cycle of an asset type (defaults when not listed)."""
        return self.lifecycle.get(asset_type, Lifecycle())

    def check_names(self, asset_types: tuple[str, ...], partners: tuple[str, ...]) -> None:
        """Raise ``ValueError`` naming a life cycle, milestone or reference line that names nothing."""
        for name in self.lifecycle:
            if name not in asset_types:
                raise ValueError(
                    f"schedule.lifecycle.{name}: not an asset type of this scenario "
                    f"({', '.join(asset_types)})"
                )
        for k, m in enumerate(self.milestones):
            if m.asset_type is not None and m.asset_type not in asset_types:
                raise ValueError(
                    f"schedule.milestones[{k}].asset_type = {m.asset_type!r}: not an "
                    "asset type of this scenario"
                )
        for k, r in enumerate(self.reference_lines):
            if r.partner is not None and r.partner not in partners:
                raise ValueError(f"schedule.reference_lines[{k}].partner = {r.partner!r}: not a partner")
