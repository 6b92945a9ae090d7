"""Fuzzing the scenario reader and the CLI with mutations of the small scenario (issue #17).

Hypothesis mutates one place of the scenario (a value of another type or range, a key removed, an
unknown key, a key given twice, unicode, huge sizes) and checks the contract: a valid scenario, or
one line naming the file — never a traceback, never more than one line, within a time bound
(hypothesis' deadline). Derandomized: the same examples every run.
"""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.scenario.safe_yaml import loads
from planner.scenario.schema import parse_scenario
from tests.conftest import SMALL
from tests.test_cli_errors import run_cli


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            out += _paths(v, (*prefix, k))
    return out


PATHS = _paths(SMALL)

VALUES = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -1e-308, 2**63, math.nan, math.inf]),
    st.text(max_size=30),
    st.sampled_from(["", "é" * 5, "\u202e", "🛰️", "USA", "x" * 100_000, "\ud7ff", "NaN", "1e9999"]),
    st.lists(st.integers(), max_size=5),
    st.just(["x"] * 20_000),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(SMALL)
    path = draw(st.sampled_from(PATHS))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    kind = draw(st.sampled_from(["replace", "delete", "extra_key"]))
    if kind == "replace" or not isinstance(parent, dict):
        parent[last] = draw(VALUES)
    elif kind == "delete":
        del parent[last]
    else:
        parent[draw(st.text(min_size=1, max_size=12))] = draw(VALUES)
    return data


def _check(data: Any) -> None:
    try:
        parse_scenario(data, file="fuzz.yaml")
    except InputError as err:
        line = err.line()
        assert line.startswith("fuzz.yaml") and "\n" not in line and len(line) < 1100, line


@settings(
    max_examples=300,
    derandomize=True,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_parse_scenario_valid_or_one_line(data):
    _check(data)


@settings(max_examples=60, derandomize=True, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), st.data())
def test_yaml_text_mutations_one_line(path, data):
    """Key given twice, unicode and odd scalars written as YAML text, through the strict reader."""
    text = yaml.safe_dump(SMALL, sort_keys=False, allow_unicode=True)
    lines = text.splitlines(keepends=True)
    key = str(path[-1])
    hits = [k for k, line in enumerate(lines) if line.lstrip(" -").startswith(f"{key}:")]
    if hits:
        k = data.draw(st.sampled_from(hits))
        action = data.draw(st.sampled_from(["duplicate", "unicode", "scalar"]))
        if action == "duplicate":
            lines.insert(k + 1, lines[k].replace("- ", "  ", 1))
        else:
            indent = lines[k][: len(lines[k]) - len(lines[k].lstrip(" -"))]
            scalar = data.draw(
                st.sampled_from(
                    [
                        "yes",
                        "~",
                        ".inf",
                        "-.nan",
                        "0x1F",
                        "1_000",
                        "2001-12-14",
                        "'\u00e9\u0301'",
                        "!!binary aGk=",
                        "&a [1, *a]",
                        "*undefined",
                        '"\\x00"',
                        "[" * 200 + "]" * 200,
                    ]
                )
            )
            value = scalar if action == "scalar" else '"\u2603 \U0001f6f0 \u200b"'
            lines[k] = f"{indent}{key}: {value}\n"
    try:
        parsed = loads("".join(lines), file="fuzz.yaml")
    except InputError as err:
        assert "\n" not in err.line() and err.line().startswith("fuzz.yaml")
        return
    _check(parsed)


@settings(
    max_examples=5,
    derandomize=True,
    deadline=30_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.one_of(st.just(SMALL), mutated()))
def test_cli_validate_on_mutations(data):
    """Mutated scenarios through the real CLI: exit 0 with "ok", or exit 2 with one line."""
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "fuzz.yaml"
        file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        result = run_cli("validate", str(file))
    assert "Traceback" not in result.stderr
    if result.exit_code == 0:
        assert result.stdout.startswith("ok")
    else:
        assert result.exit_code == 2, result.output
        assert len(result.stderr.strip().splitlines()) == 1 and str(file) in result.stderr
