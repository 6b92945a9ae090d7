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


_REGISTRY: dict[str, Callable[..., Engine]] = {"highs": _highs, "pyomo": _pyomo, "cpsat": _cpsat}


def names() -> list[str]:
    """Every registered engine name, available here or not."""
    return list(_REGISTRY)


def register(name: str, factory: Callable[..., Engine]) -> None:
    """Register another engine factory under ``name``."""
    _REGISTRY[name] = factory


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
    "Engine",
    "EngineError",
    "EngineRun",
    "EngineUnavailableError",
    "UnknownEngineError",
    "UnsupportedModelError",
    "available",
    "get",
    "names",
    "register",
]
