"""``domeplan allocate``: the cost-allocation rules on a game given directly in a JSON file.

The file format is that of :meth:`models.costshare.Game.from_dict`. The result, ready for JSON::

    {"shapley":   {"USA": 1.5, ...},          # one object per requested method, in request order
     "nucleolus": {"USA": 1.25, ...},
     "core": {"method": "shapley", "in_core": true, "least_core_epsilon": -0.5,
              "blocking_coalition": null, "max_violation": -0.25, "efficiency_gap": 0.0,
              "core_empty": false},
     "core_by_method": {"shapley": {...}, "nucleolus": {...}}}

``core`` checks the Shapley value when it was requested, otherwise the first method requested
(its ``"method"`` says which); ``core_by_method`` checks every method. ``least_core_epsilon`` is
a property of the game (the same in every check): ``≤ 0`` iff the core is non-empty; ``null``
beyond 16 players (its LP has ``2^n`` rows; ``nucleolus`` is refused there too).
``core_empty`` says whether ``least_core_epsilon`` exceeds the tolerance (``null`` when unknown).
``blocking_coalition`` is ``null`` when no coalition objects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.costshare import Game, GameError, core_check, least_core
from models.costshare.core import tolerance
from models.costshare.nucleolus_lp import MAX_NUCLEOLUS_PLAYERS
from models.costshare.registry import RULES, RuleInputs
from planner.errors import InputError

ALIASES = {"proportional": lambda game: "benefit" if game.benefits is not None else "standalone"}
"""``proportional``: benefit-proportional when the file has ``"benefits"``, else stand-alone."""

METHODS: tuple[str, ...] = (*RULES, *ALIASES)
"""Method names accepted by ``--method``: every rule of :data:`models.costshare.registry.RULES`
(the scenario's rules) and the aliases above."""


def game_inputs(game: Game) -> RuleInputs:
    """The registry's inputs from a game file.

    ``weights`` serve the ``gdp`` rule, ``benefits`` the ``benefit`` rule; the bill is the grand
    coalition's value.
    """
    return RuleInputs(players=game.players, bill=float(game.grand), game=game, gdp=game.weights,
                      benefit=game.benefits)


def apply_method(name: str, game: Game) -> dict[str, float]:
    """Apply one method (a registry rule or an alias) to ``game``."""
    rule = ALIASES[name](game) if name in ALIASES else name
    if rule == "gdp" and game.weights is None:
        raise GameError('method "gdp" needs "weights" (e.g. GDP per player) in the game file',
                        field="weights")
    return RULES[rule].apply(game_inputs(game))


def parse_methods(values: Sequence[str]) -> tuple[str, ...]:
    """Return the requested methods: repeated options and comma-separated lists, deduplicated.

    Raises
    ------
    InputError
        Naming ``--method`` and the unknown value, or when no method is given.
    """
    out: list[str] = []
    for value in values:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name not in METHODS:
                raise InputError(f"unknown method (choose from {', '.join(METHODS)})",
                                 file="command line", field="--method", value=name)
            if name not in out:
                out.append(name)
    if not out:
        raise InputError(f"give at least one method ({', '.join(METHODS)})",
                         file="command line", field="--method")
    return tuple(out)


def load_game(path: str | Path) -> Game:
    """Read and validate a game file, turning every problem into a one-line :class:`InputError`."""
    from planner.commands.game_guard import check_game_numbers
    from planner.scenario.safe_yaml import read_text_bounded

    path = Path(path)
    text = read_text_bounded(path, what="game file")  # size cap; binary, UTF-16 and bad bytes named
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg}", file=path,
                         field=f"line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", file=path) from None
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise InputError(f"invalid JSON: {str(err)[:120]}", file=path) from None
    check_game_numbers(obj, path)
    try:
        return Game.from_dict(obj)
    except GameError as err:
        raise InputError(err.reason, file=path, field=err.field, value=err.value) from None


def allocate_game(game: Game, methods: Sequence[str], *, file: str | Path | None = None) -> dict[str, Any]:
    """Run ``methods`` on ``game`` and check each result against the core (format: module docstring)."""
    methods = parse_methods(methods)
    out: dict[str, Any] = {}
    try:
        for name in methods:
            out[name] = apply_method(name, game)
        epsilon = least_core(game)[0] if game.n <= MAX_NUCLEOLUS_PLAYERS else None
    except GameError as err:
        raise InputError(err.reason, file=file, field=err.field, value=err.value) from None
    empty = None if epsilon is None else bool(epsilon > tolerance(game))
    by_method = {name: {"method": name, **core_check(game, out[name], epsilon=epsilon).to_dict(),
                        "core_empty": empty} for name in methods}
    out["core"] = by_method["shapley" if "shapley" in methods else methods[0]]
    out["core_by_method"] = by_method
    return out


def allocate_file(path: str | Path, methods: Sequence[str]) -> dict[str, Any]:
    """Read the game in ``path`` and run ``methods`` on it (see :func:`allocate_game`).

    Raises
    ------
    InputError
        Unreadable or malformed file (naming the field and value), unknown method, or a method
        the game cannot support (e.g. ``gdp`` without ``"weights"``).
    """
    methods = parse_methods(methods)
    return allocate_game(load_game(path), methods, file=path)
