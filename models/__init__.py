"""Optimisation models for domeplan: formulations, engines and cost allocation.

``models`` sees only arrays and ids (never geography): see :mod:`models.instance`.
"""

from models.api import solve_cover, solve_layered
from models.instance import CoverInstance, LayeredInstance, PlanRules
from models.result import SolutionStatus, SolveOptions, SolveResult, Termination

__all__ = [
    "CoverInstance",
    "LayeredInstance",
    "PlanRules",
    "SolutionStatus",
    "SolveOptions",
    "SolveResult",
    "Termination",
    "solve_cover",
    "solve_layered",
]
