"""Formulations: one function per model, its mathematics in the docstring.

Each returns a :class:`~models.formulations.base.Formulation` (an engine-neutral
:class:`~models.linear.LinearModel` plus plan-level helpers) that any engine can solve.
"""

from models.formulations.base import Formulation
from models.formulations.layered import layered

__all__ = ["Formulation", "layered"]
