"""A typed ``solve_ivp`` event: the attributes solve_ivp reads, on an object that declares them.

solve_ivp reads ``terminal`` and ``direction`` off each event callable; set on a bare function they
are attributes a type checker cannot see, so the reference integrations wrap their events here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Event:
    """The event ``fn(t, y) = 0`` for ``scipy.integrate.solve_ivp``.

    Attributes
    ----------
    fn
        The event function of time and state.
    terminal
        Stop the integration at the first crossing.
    direction
        Which crossings count: -1 from positive to negative, 1 the reverse, 0 both.
    """

    fn: Callable[[float, np.ndarray], float]
    terminal: bool = False
    direction: int = 0

    def __call__(self, t: float, y: np.ndarray) -> float:
        """Evaluate the event function."""
        return self.fn(t, y)
