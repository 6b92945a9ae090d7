"""Scenario block ``report``: what the printed report says about itself (not the plan).

Kept in its own module (hooked into :class:`planner.scenario.schema.Scenario` with one field) so that
the schema's other blocks evolve without touching it.
"""

from __future__ import annotations

from pydantic import Field

from planner.scenario.strict import StrictModel

DEFAULT_DISTRIBUTION = "Notional study: illustrative parameters, not for operational use"


class ReportSettings(StrictModel):
    """Settings of the report (cover page, footers)."""

    distribution: str = Field(default=DEFAULT_DISTRIBUTION, max_length=200)
    """Distribution line printed on the cover and at the foot of every page of the PDF, e.g.
    ``"Releasable to USA, CAN"``. Default: a notional-study line."""
