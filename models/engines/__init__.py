"""Engines behind one small interface: a registry by name.

>>> from models import engines
>>> engines.available()          # doctest: +SKIP
['highs', 'pyomo', 'cpsat']
>>> engine = engines.get("pyomo", solver="highs")   # doctest: +SKIP

Every engine solves a :class:`~models.linear.LinearModel` under the shared
:class:`~models.result.SolveOptions` and returns an :class:`~models.engines.base.EngineRun`;
:func:`models.solve.solve_formulation` maps that back to one :class:`~models.result.SolveResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models.engines.base import (
    Engine,
    EngineError,
    EngineRun,
    EngineUnavailableError,
    UnsupportedModelError,
)

DEFAULT_ENGINE = "highs"


class UnknownEngineError(ValueError):
    """No engine of that name is registered."""


def _highs(**kw: Any) -> Engine:
    from models.engines.highs_engine import HighsEngine

    return HighsEngine(**kw)


def _pyomo(**kw: Any) -> Engine:
    from models.engines.pyomo_engine import PyomoEngine

    return PyomoEngine(**kw)


def _cpsat(**kw: Any) -> Engine:
    from models.engines.cpsat_engine import CpSatEngine

    return CpSatEngine(**kw)


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do; callers ask this instead of testing engine names."""

    solver_choice: bool = False
    """Drives an external solver chosen by name (``solver=``), e.g. Pyomo's solver plugins."""
    continuous: bool = True
    """Takes truly continuous variables (CP-SAT needs every variable integer or scaled)."""
    in_process_highs: bool = False
    """Solves in this process on highspy, so decompositions and callbacks can drive the model."""
    infeasibility_diagnosis: bool = False
    """Can explain an infeasible model (an irreducible infeasible subsystem)."""
    integer_shares: bool = False
    """Solves models with integer share variables and products of them (bilinear cost shares)."""


_REGISTRY: dict[str, Callable[..., Engine]] = {"highs": _highs, "pyomo": _pyomo, "cpsat": _cpsat}
_CAPABILITIES: dict[str, Capabilities] = {
    "highs": Capabilities(in_process_highs=True, infeasibility_diagnosis=True),
    "pyomo": Capabilities(solver_choice=True),
    "cpsat": Capabilities(continuous=False, integer_shares=True),
}


def names() -> list[str]:
    """Every registered engine name, available here or not."""
    return list(_REGISTRY)


def register(name: str, factory: Callable[..., Engine], capabilities: Capabilities | None = None) -> None:
    """Register another engine factory under ``name`` with what it can do."""
    _REGISTRY[name] = factory
    _CAPABILITIES[name] = capabilities or Capabilities()


def capabilities(name: str) -> Capabilities:
    """What the engine ``name`` can do.

    Raises
    ------
    UnknownEngineError
        If no engine is registered under ``name``.
    """
    if name not in _REGISTRY:
        raise UnknownEngineError(f"unknown engine {name!r}; choose one of {', '.join(_REGISTRY)}")
    return _CAPABILITIES.get(name, Capabilities())


def get(name: str, **config: Any) -> Engine:
    """Return a new engine by name; ``config`` goes to its constructor (e.g. ``solver=`` for pyomo).

    Raises
    ------
    UnknownEngineError
        If no engine is registered under ``name``.
    """
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise UnknownEngineError(
            f"unknown engine {name!r}; choose one of {', '.join(_REGISTRY)}"
        ) from None
    return factory(**config)


def available() -> list[str]:
    """Names of the engines that can run on this machine."""
    out = []
    for name in _REGISTRY:
        try:
            if get(name).available():
                out.append(name)
        except Exception:  # noqa: BLE001 - an engine that cannot even load is unavailable
            continue
    return out


__all__ = [
    "DEFAULT_ENGINE",
    "Capabilities",
    "Engine",
    "EngineError",
    "EngineRun",
    "EngineUnavailableError",
    "UnknownEngineError",
    "UnsupportedModelError",
    "available",
    "capabilities",
    "get",
    "names",
    "register",
]
