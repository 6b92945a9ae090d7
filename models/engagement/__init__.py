"""Engagement: raids against layered interceptors, as arrays (no geography).

:mod:`models.engagement.instance` holds the instance, the plan and the exact leakage evaluator;
the MILP is :func:`models.formulations.engagement.engagement`.
"""

from models.engagement.instance import (
    LAYERS,
    NO_BOOST,
    EngagementInstance,
    EngagementPlan,
    engaged,
    expected_leakage,
    fire_control_from_track,
    leak_probability,
    plan_cost,
    plan_violations,
)

__all__ = [
    "LAYERS",
    "NO_BOOST",
    "EngagementInstance",
    "EngagementPlan",
    "engaged",
    "expected_leakage",
    "fire_control_from_track",
    "leak_probability",
    "plan_cost",
    "plan_violations",
]
