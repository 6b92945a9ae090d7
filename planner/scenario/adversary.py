"""Scenario block ``adversary``: an attacker who reads the plan (worst-case raids, losses of assets).

Needs ``threats.engagement`` (the kill chain: interceptor and sensor parameters, the design
raid): the adversary aims the same missiles at the same targets as that raid, but where the plan
is thin, and may first take out the plan's sites and sensors. Notional, like every threat
parameter of a scenario.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from planner.scenario.strict import StrictModel


class Adversary(StrictModel):
    """Worst-case raid, robust plan and k-loss interdiction (``models.adversary``)."""

    missiles: int | tuple[int, ...] = Field(default=(), union_mode="left_to_right")
    """Raid sizes :math:`N` the attacker lays down (one number or a list); empty: the design
    raid's size. The first is the one the robust plan is built against."""
    inventory: dict[str, int] | None = None
    """Most missiles each launch area can fire (by launch-area name); ``None``: any area can
    fire the whole raid."""
    targets: int | None = Field(default=40, ge=1)
    """The attacker aims at the ``targets`` heaviest defended points (``None``: all of them).
    Exact within that set; a smaller set keeps the attacker's problem small on big
    geographies."""
    k_losses_max: int = Field(default=2, ge=0, le=6)
    """Interdiction table for the loss of ``k = 1 … k_losses_max`` of the plan's sites and
    sensors (0: none)."""
    robust_plan: bool = True
    """Also find the min–max plan against the worst-case raid (and what robustness costs)."""
    fortify_k: int = Field(default=1, ge=0, le=3)
    """Also find the plan best under any ``fortify_k`` losses (0: skip; small k only)."""
    max_iterations: int = Field(default=40, ge=1, le=1000)
    """Most iterations of each decomposition; stopped early, the gap is reported."""
    time_limit_s: float = Field(default=120.0, gt=0)
    """Time limit of the robust and of the fortified plan's decomposition each; stopped early,
    the best plan found is reported with its exact worst case and the gap to the proven bound."""

    @field_validator("missiles")
    @classmethod
    def _sizes(cls, value: int | tuple[int, ...]) -> tuple[int, ...]:
        sizes = (value,) if isinstance(value, int) else tuple(value)
        if any(n < 1 for n in sizes):
            raise ValueError("raid sizes must be positive")
        if len(set(sizes)) != len(sizes):
            raise ValueError("a raid size is listed twice")
        return sizes

    @field_validator("inventory")
    @classmethod
    def _inventory(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is not None and any(n < 0 for n in value.values()):
            raise ValueError("inventories must be non-negative")
        return value

    def check(self, threats: Any) -> None:
        """Raise unless the scenario has a kill chain and every inventory names a launch area."""
        if threats is None or getattr(threats, "engagement", None) is None:
            raise ValueError("adversary needs threats.engagement (the kill chain the attacker reads)")
        if not threats.engagement.enabled:
            raise ValueError(
                "adversary needs the raid stage: threats.engagement.enabled is false (or drop adversary)"
            )
        names = {a.name for a in threats.launch_areas}
        unknown = sorted(set(self.inventory or {}) - names)
        if unknown:
            raise ValueError(
                f"adversary.inventory names unknown launch areas {unknown}; known: {sorted(names)}"
            )

    @property
    def raid_sizes(self) -> tuple[int, ...]:
        """The raid sizes as a tuple (empty: the design raid's size)."""
        return self.missiles if isinstance(self.missiles, tuple) else (self.missiles,)
