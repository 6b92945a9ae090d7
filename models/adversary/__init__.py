"""An adversary who reads the plan: worst-case raids, losses of assets, robust plans.

Arrays only (:class:`AdversaryInstance`); see each module's docstring for its model and the
argument that its decomposition converges.
"""

from models.adversary.engagement import DefenderSolution, Response, Scenario, solve_engagement
from models.adversary.instance import AdversaryError, AdversaryInstance, DefencePlan, Raid
from models.adversary.interdiction import (
    FortifiedPlan,
    Interdiction,
    fortified_plan,
    interdict,
    interdiction_table,
)
from models.adversary.raid import WorstRaid, worst_case_raid
from models.adversary.robust import RobustPlan, nominal_plan, robust_plan

__all__ = [
    "AdversaryError",
    "AdversaryInstance",
    "DefencePlan",
    "DefenderSolution",
    "FortifiedPlan",
    "Interdiction",
    "Raid",
    "Response",
    "RobustPlan",
    "Scenario",
    "WorstRaid",
    "fortified_plan",
    "interdict",
    "interdiction_table",
    "nominal_plan",
    "robust_plan",
    "solve_engagement",
    "worst_case_raid",
]
