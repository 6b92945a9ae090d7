"""Everything ``run`` checks before solving, in the order it checks it, for ``validate`` too.

``domeplan validate`` calls :func:`preflight`, and ``run`` / ``coverage`` / a batch run the same
checks before any work (:func:`check_solver` before the coverage, :func:`planner.scenario.limits
.check_size` at the start of :func:`planner.problem.build.build_problem`), so a file that
validates does not fail on its input at run time.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from pathlib import Path

from planner.errors import InputError
from planner.scenario.limits import SizeEstimate, check_size
from planner.scenario.schema import LandAsset, Scenario, SeaAsset


@functools.cache
def engine_available(engine: str, solver: str = "highs") -> bool:
    """Whether ``engine`` (and for ``pyomo``, the Pyomo ``solver``) can run here (cached, quiet)."""
    from models import engines

    quiet = logging.getLogger("pyomo")  # Pyomo logs a warning and a traceback for a missing solver
    level = quiet.level
    quiet.setLevel(logging.CRITICAL + 1)
    try:
        eng = engines.get(engine, solver=solver) if engine == "pyomo" else engines.get(engine)
        return bool(eng.available())
    except Exception:  # noqa: BLE001 - an engine that cannot even load is unavailable
        return False
    finally:
        quiet.setLevel(level)


def check_solver(scenario: Scenario, file: str | Path | None = None) -> None:
    """Refuse a scenario whose engine (or Pyomo solver) is not installed here.

    Raises
    ------
    InputError
        Naming ``solver.solver`` (pyomo engine) or ``solver.engine`` and the value.
    """
    s = scenario.solver
    if engine_available(s.engine, s.solver):
        return
    if s.engine == "pyomo":
        raise InputError(
            "Pyomo cannot find this solver here; install it, or use solver: highs",
            file=file,
            field="solver.solver",
            value=s.solver,
        )
    raise InputError(
        "this engine is not installed here (see the README's engine table)",
        file=file,
        field="solver.engine",
        value=s.engine,
    )


def check_solvers(scenarios: Iterable[Scenario], file: str | Path | None = None) -> None:
    """:func:`check_solver` for every distinct engine and solver of a batch's runs."""
    seen: set[tuple[str, str]] = set()
    for sc in scenarios:
        key = (sc.solver.engine, sc.solver.solver)
        if key not in seen:
            seen.add(key)
            check_solver(sc, file)


def check_partner_lists(scenario: Scenario, partners: object) -> None:
    """Refuse candidate or area-grid partner lists naming a country that is not a partner."""
    from planner.problem.build import _territory

    for k, asset in enumerate(scenario.asset_types):
        if isinstance(asset, LandAsset | SeaAsset) and asset.candidates.partners is not None:
            _territory(partners, asset.candidates.partners, k, "partners")
    grid = scenario.defended.area_grid
    if grid is not None and grid.partners is not None:
        _territory(partners, grid.partners, None, "defended.area_grid.partners")


def preflight(scenario: Scenario, source: str | Path | None = None) -> SizeEstimate:
    """Check what ``run`` would check before solving: solver, partners, sizes, point files.

    The defended points are built (point files read and parsed, area grid gridded: bounded by
    the size limits checked first); the coverage is not.

    Raises
    ------
    InputError
        The first problem found, naming ``source``, the field and the value.
    """
    from planner.problem.build import build_demand, load_partners
    from planner.scenario.threats import check_engagement_names

    base_dir = Path(source).parent if source is not None else None
    try:
        check_solver(scenario)
        check_engagement_names(scenario)
        partners = load_partners(scenario)
        check_partner_lists(scenario, partners)
        estimate = check_size(scenario, partners, base_dir)
        build_demand(scenario, partners, base_dir)
    except InputError as err:
        raise (err.with_file(source) if err.file is None and source is not None else err) from None
    return estimate
