"""Optimisation models for domeplan: formulations, engines and cost allocation.

``models`` sees only arrays and ids (never geography): see :mod:`models.instance`.
"""

from models.instance import LayeredInstance
from models.result import SolutionStatus, SolveOptions, SolveResult, Termination

__all__ = ["LayeredInstance", "SolutionStatus", "SolveOptions", "SolveResult", "Termination"]
