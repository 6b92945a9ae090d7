"""Scenario block ``threats.trajectory``: the notional trajectory of every threat track.

Kept in its own module (hooked into :class:`planner.scenario.schema.Threats` by one field) so that other
threat settings can grow beside it. All values are notional and illustrative.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.scenario.strict import StrictModel


class Trajectory(StrictModel):
    """Two-body ballistic trajectory of the threat tracks (``geodata.ballistic``)."""

    missile_class: Literal["keplerian", "srbm", "irbm", "icbm"] = "keplerian"
    """Notional boost preset: ``keplerian`` (default: free flight from the launch point, no boost),
    ``srbm`` (60 s to 30 km), ``irbm`` (120 s to 100 km), ``icbm`` (180 s to 200 km); round numbers
    from public descriptions, not data about any missile."""
    kind: Literal["minimum_energy", "lofted", "depressed"] = "minimum_energy"
    """Minimum-energy trajectory (default), or lofted / depressed by ``loft_deg``."""
    loft_deg: float = Field(default=0.0, ge=0, lt=60)
    """Degrees added to (lofted) or taken from (depressed) the minimum-energy burnout flight-path
    angle."""
    boost_s: float | None = Field(default=None, ge=0, le=600)
    """Boost duration, s; ``None``: the class's."""
    burnout_altitude_km: float | None = Field(default=None, ge=0, le=1000)
    """Burnout altitude, km; ``None``: the class's."""
    earth_rotation: bool = False
    """Launch on the rotating Earth (track drawn in Earth-fixed coordinates)."""

    @model_validator(mode="after")
    def _loft(self) -> Trajectory:
        if (self.kind == "minimum_energy") != (self.loft_deg == 0):
            raise ValueError("loft_deg is for kind 'lofted' or 'depressed' (and they need it > 0)")
        if (self.boost_s is None) != (self.burnout_altitude_km is None):
            raise ValueError("give boost_s and burnout_altitude_km together")
        if self.boost_s is not None and (self.boost_s == 0) != (self.burnout_altitude_km == 0):
            raise ValueError("boost_s and burnout_altitude_km must both be 0 or both positive")
        return self
