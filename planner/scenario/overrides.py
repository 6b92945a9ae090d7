"""Overrides of scenario fields: ``FIELD=VALUE`` on the command line, patches in code.

A field path uses the same notation as error messages: ``budget_musd``,
``asset_types[1].max_count``, ``solver.time_limit_s``. The value is read as YAML (``8000``,
``true``, ``[USA, CAN]``). The scenario is validated again after every override is applied.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.errors import InputError
from planner.scenario.safe_yaml import loads
from planner.scenario.schema import Scenario, validation_error

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """Split ``asset_types[1].max_count`` into ``['asset_types', 1, 'max_count']``."""
    parts: list[str | int] = []
    for piece in path.split("."):
        found = list(_TOKEN.finditer(piece))
        if not found or "".join(m.group(0) for m in found) != piece:
            raise ValueError(f"bad field path {path!r}")
        for m in found:
            parts.append(m.group(1) if m.group(1) else int(m.group(2)))
    return parts


def set_path(data: Any, parts: list[str | int], value: Any) -> None:
    """Set ``value`` at ``parts`` inside nested dicts and lists (in place)."""
    target = data
    for k, part in enumerate(parts[:-1]):
        nxt = parts[k + 1]
        if isinstance(part, int):
            if not isinstance(target, list) or part >= len(target):
                raise KeyError(part)
            target = target[part]
        else:
            if not isinstance(target, dict):
                raise KeyError(part)
            target = target.setdefault(part, [] if isinstance(nxt, int) else {})
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(target, list) or last >= len(target):
            raise KeyError(last)
        target[last] = value
    else:
        if not isinstance(target, dict):
            raise KeyError(last)
        target[last] = value


def apply_cli_overrides(scenario: Scenario, overrides: list[str],
                        file: str | Path | None = None) -> Scenario:
    """Apply ``FIELD=VALUE`` overrides in order and validate the result.

    Raises
    ------
    InputError
        Naming ``--set``, the field and the value when an override is malformed or makes the
        scenario invalid.
    """
    if not overrides:
        return scenario
    data = scenario.model_dump(mode="json", exclude_unset=False)
    for item in overrides:
        field, sep, raw = item.partition("=")
        if not sep or not field.strip():
            raise InputError("expected FIELD=VALUE", field="--set", value=item)
        try:
            parts = parse_path(field.strip())
            value = loads(raw, file="--set") if raw.strip() else None
            set_path(data, parts, value)
        except (ValueError, KeyError):  # InputError (bad YAML) is a ValueError
            raise InputError("no such field, or a bad value", field="--set", value=item) from None
    try:
        return Scenario.model_validate(data).derived_from(scenario)
    except ValidationError as err:
        e = validation_error(err, data, file)
        raise InputError(f"{e.message} (after --set)", file=file, field=e.field,
                         value=e.value) from None
