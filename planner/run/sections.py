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
    return costshare_section(
        figures, cs.allocations_frame(), cs.whatif, cs.coalitions, weight_label=cs.weight_label
    )


def engagement_report_section(run: PlanRun) -> Any:
    """The raid against the kill chain: leakage curve, shots per layer, engagement map."""
    out = run.engagement
    if out is None:
        return None
    import geopandas as gpd

    from reports.engagement import engagement_section

    partners = gpd.GeoDataFrame(
        run.problem.partners[["iso_a3", "name", "geometry"]], geometry="geometry", crs="EPSG:4326"
    )
    return engagement_section(out.to_json(), out.tracks_frame(), out.intercepts_frame(), partners)


def space_interceptor_report_section(run: PlanRun) -> Any:
    """The space interceptor layer: P(>= k in reach) by constellation size and launch area."""
    if run.space_interceptors is None:
        return None
    from reports.space_interceptors import space_interceptor_section

    return space_interceptor_section(run.space_interceptors.to_json())


def schedule_report_section(run: PlanRun) -> Any:
    """The build-out year by year: timeline, spending, defended value, cumulative bills."""
    if run.schedule_report is None:
        return None
    from reports.schedule import schedule_section

    sched, png = run.schedule_report
    return schedule_section(sched, png)


def adversary_report_section(run: PlanRun) -> Any:
    """The attacker who reads the plan: worst-case raids, the robust plan, losses of assets."""
    if run.adversary is None:
        return None
    import geopandas as gpd

    from reports.adversary import adversary_map, adversary_section

    summary = run.adversary.to_json()
    partners = gpd.GeoDataFrame(
        run.problem.partners[["iso_a3", "geometry"]], geometry="geometry", crs="EPSG:4326"
    )
    png = adversary_map(partners, run.sites_frame(), run.points_frame(), summary)
    return adversary_section(summary, png)


SECTION_BUILDERS: tuple[SectionBuilder, ...] = (
    cost_sharing_section,
    engagement_report_section,
    adversary_report_section,
    space_interceptor_report_section,
    schedule_report_section,
)
"""Builders of the optional sections, in page order."""


def report_sections(run: PlanRun) -> tuple[Any, ...]:
    """The optional sections of a run's report (those whose builder returns one)."""
    return tuple(s for s in (build(run) for build in SECTION_BUILDERS) if s is not None)
