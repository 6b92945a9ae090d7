"""The optional sections of ``report.html``, in page order: one builder per section.

A builder takes the :class:`~planner.run.pipeline.PlanRun` and returns a
:class:`reports.ReportSection` (or ``None`` when the run has nothing to show). To add a section
(an engagement curve, a schedule, ...): write its renderer in a new ``reports/<topic>.py`` returning
a ``ReportSection`` (``key`` = its anchor, ``wide=True`` to print it on landscape pages), write a
builder here that feeds it the run's values, and add the builder to :data:`SECTION_BUILDERS`. The
table of contents, the anchors and the PDF follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.run.pipeline import PlanRun

SectionBuilder = Callable[["PlanRun"], Any]


def cost_sharing_section(run: PlanRun) -> Any:
    """Every partner's bill, the checks, the rules, the core and the what-ifs."""
    cs = run.cost_sharing
    if cs is None:
        return None
    from reports.costshare import costshare_section

    figures = run.summary().cost_sharing
    assert figures is not None
    return costshare_section(figures, cs.allocations_frame(), cs.whatif, cs.coalitions,
                             weight_label=cs.weight_label)


SECTION_BUILDERS: tuple[SectionBuilder, ...] = (cost_sharing_section,)
"""Builders of the optional sections, in page order."""


def report_sections(run: PlanRun) -> tuple[Any, ...]:
    """The optional sections of a run's report (those whose builder returns one)."""
    return tuple(s for s in (build(run) for build in SECTION_BUILDERS) if s is not None)
