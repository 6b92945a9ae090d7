"""Bounds on a game file's numbers, checked before the game is built.

A coalition value of ``1e308`` is finite, but sums of two overflow to ``inf`` and the LPs of the
nucleolus and the least core fail with "Model error" naming nothing. Values beyond
:data:`MAX_GAME_VALUE` in magnitude (and integers too large for a float) are refused naming the
field. ``1e15`` leaves six significant digits at ``1e9`` for HiGHS's default tolerances
(1e-7 relative) across games of up to 2^16 coalitions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from planner.errors import InputError

MAX_GAME_VALUE = 1e15
"""Largest magnitude of a coalition value, benefit or weight in a game file."""


def _numbers(obj: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(obj, dict):
        return
    coalitions = obj.get("coalitions")
    if isinstance(coalitions, list):
        for k, entry in enumerate(coalitions):
            if isinstance(entry, dict) and "value" in entry:
                yield f"coalitions[{k}].value", entry["value"]
    for name in ("benefits", "weights"):
        mapping = obj.get(name)
        if isinstance(mapping, dict):
            for key, val in mapping.items():
                yield f"{name}.{key}", val


def check_game_numbers(obj: Any, file: Any) -> None:
    """Refuse a number in a game file too large to compute with (see the module docstring).

    Raises
    ------
    InputError
        Naming the file, the field and the value.
    """
    for fld, val in _numbers(obj):
        if isinstance(val, bool) or not isinstance(val, int | float):
            continue  # the game's own reader names the wrong type
        try:
            big = abs(float(val)) > MAX_GAME_VALUE
        except OverflowError:
            big = True
        if big:
            raise InputError(
                f"magnitude above {MAX_GAME_VALUE:g}: sums would overflow; rescale "
                "the game (e.g. M USD instead of USD)",
                file=file,
                field=fld,
                value=val if isinstance(val, float) else f"{str(val)[:20]}...",
            )
