"""Strict, bounded YAML and the schema's strictness (issue #17): duplicates, aliases, bytes, booleans."""

from __future__ import annotations

import copy

import pytest
import yaml

from planner.errors import InputError
from planner.scenario.safe_yaml import StrictLoader, check_expansion, loads, read_yaml
from planner.scenario.schema import parse_scenario
from tests.conftest import SMALL


def _error(text: str) -> str:
    with pytest.raises(InputError) as info:
        loads(text, file="f.yaml")
    return info.value.line()


def _laughs(levels: int) -> str:
    text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for k in range(1, levels):
        text += f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]\n"
    return text


def test_libyaml_is_used_when_pyyaml_has_it():
    if yaml.__with_libyaml__:
        assert issubclass(StrictLoader, yaml.CSafeLoader)
    assert issubclass(StrictLoader, yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("a: 1\nb: 2\na: 3\n", "lines 1 and 3"),
        ("x:\n  y: 1\n  z: 2\n  y: 2\n", "lines 2 and 4"),
        ("- {k: 1, k: 2}\n", "lines 1 and 1"),
    ],
)
def test_duplicate_keys_name_both_lines(text, lines):
    assert lines in _error(text) and "given twice" in _error(text)


def test_anchors_merge_keys_and_equal_keys_in_different_mappings_are_fine():
    data = loads("base: &b {p: 1, q: 2}\nx: {<<: *b, p: 3}\ny: [*b, *b]\nz: {p: 1}\n")
    assert data["x"] == {"p": 3, "q": 2} and data["y"] == [{"p": 1, "q": 2}] * 2


def test_alias_budget():
    node = yaml.compose(_laughs(4), Loader=yaml.SafeLoader)
    assert node is not None and check_expansion(node) > 9**4
    loads(_laughs(5))  # 9^5 = 59,049 strings: under the budget of 100,000 extra nodes
    line = _error(_laughs(9) + "title: *a8\n")
    assert "aliases expand to" in line and "at most 100,000 more" in line


def test_recursion_and_depth_refused():
    assert "recursive alias" in _error("a: &r [1, *r]\n")
    deep = "".join("  " * k + f"k{k}:\n" for k in range(150)) + "  " * 150 + "v\n"
    assert "nested deeper than 100" in _error(deep)
    assert "line 1" in _error("[" * 5000 + "]" * 5000)  # libyaml's own nesting limit, one line


def test_code_tags_refused():
    assert "python/object/apply" in _error("a: !!python/object/apply:os.system ['true']\n")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"name: x\ntitle: a\x00b\n", "NUL byte at line 2, column 9"),
        ("name: x\n".encode("utf-16"), "UTF-16"),
        (b"name: x\ntitle: caf\xe9\n", "not UTF-8: byte 0xe9 at line 2, column 11"),
        (b"", "file is empty"),
    ],
)
def test_bytes_named(tmp_path, data, fragment):
    path = tmp_path / "s.yaml"
    path.write_bytes(data)
    with pytest.raises(InputError, match=fragment):
        read_yaml(path)


def test_size_cap_and_its_override(tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\ndescription: " + "y" * 2_000_000 + "\n")
    monkeypatch.setenv("DOMEPLAN_MAX_FILE_MB", "1.5")
    with pytest.raises(InputError, match=r"is 2\.0 MB; the limit is 1\.5 MB"):
        read_yaml(path)
    monkeypatch.setenv("DOMEPLAN_MAX_FILE_MB", "3")
    assert read_yaml(path)["name"] == "x"
    monkeypatch.setenv("DOMEPLAN_MAX_FILE_MB", "lots")
    with pytest.raises(InputError, match="DOMEPLAN_MAX_FILE_MB = 'lots'"):
        read_yaml(path)


def test_shown_values_are_bounded_whatever_their_size():
    bomb: list = ["lol"] * 9
    for _ in range(8):
        bomb = [bomb] * 9  # 9^9 strings if rendered in full
    for value in (bomb, "x" * 10_000_000, list(range(10**6)), {k: k for k in range(10**5)}):
        text = InputError("bad", file="f", field="title", value=value).line()
        assert len(text) < 100


def _parse(mutate) -> str | None:
    data = copy.deepcopy(SMALL)
    mutate(data)
    try:
        parse_scenario(data, file="s.yaml")
    except InputError as err:
        return err.line()
    return None


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d.update(budget_musd=True), "budget_musd = True"),
        (lambda d: d["asset_types"][1].update(max_count=False), "asset_types[1].max_count = False"),
        (lambda d: d["solver"].update(threads=True), "solver.threads = True"),
        (lambda d: d["partners"][0].update(budget_musd=True), "partners[0].budget_musd = True"),
        (
            lambda d: d["asset_types"][1]["candidates"].update(spacing_km=True),
            "asset_types[1].candidates.spacing_km = True",
        ),
    ],
)
def test_booleans_never_numbers(mutate, fragment):
    line = _parse(mutate)
    assert line is not None and fragment in line and "boolean" in line


def test_booleans_where_booleans_are_meant():
    assert (
        _parse(lambda d: d.update(cost_sharing={"enabled": False, "joint_plan": {"core_constraints": True}}))
        is None
    )


@pytest.mark.parametrize("word", ["yes", "No", "on", "OFF", "y", "n"])
def test_yaml11_words_are_text_not_booleans(word):
    """YAML 1.2: only true/false are booleans ("the Norway problem": partner code NO is not false)."""
    assert loads(f"a: {word}\nb: [{word}]\n") == {"a": word, "b": [word]}
    assert loads("a: true\nb: False\nc: TRUE\n") == {"a": True, "b": False, "c": True}


def test_enabled_yes_is_refused_in_one_line():
    line = _parse(lambda d: d.update(cost_sharing={"enabled": "yes"}))
    assert line is not None and "cost_sharing.enabled" in line and "'yes'" in line


def _area(polygon, **kw):
    return lambda d: d.update(threats={"launch_areas": [{"name": "n", "polygon": polygon, **kw}]})


@pytest.mark.parametrize(
    ("polygon", "fragment"),
    [
        ([[500, 100], [-60, 60], [-70, 65]], "vertex 0 (500.0, 100.0) is outside"),
        ([[-60, 60], [-60, 95], [-70, 65]], "vertex 1 (-60.0, 95.0) is outside"),
        ([[-60, 60], [-60, 65], [float("nan"), 65]], "vertex 2 (nan, 65.0) is not finite"),
        ([[-60, 60], [-60, 65], [float("inf"), 65]], "is not finite"),
        ([[-70, 60], [-60, 65], [-60, 60], [-70, 65]], "Self-intersection"),
        ([[-70, 60], [-60, 60], [-65, 60]], "invalid polygon"),  # collinear: no area
    ],
)
def test_launch_polygons_checked(polygon, fragment):
    line = _parse(_area(polygon))
    assert line is not None and "threats.launch_areas[0]" in line and fragment in line


def test_invalid_polygon_repaired_only_when_asked():
    assert _parse(_area([[-70, 60], [-60, 65], [-60, 60], [-70, 65]], repair=True)) is None
    assert _parse(_area([[500, 60], [-60, 65], [-60, 60]], repair=True)) is not None  # range: always


def test_limits_do_not_change_the_scenario_digest():
    a = parse_scenario(copy.deepcopy(SMALL))
    b = parse_scenario({**copy.deepcopy(SMALL), "limits": {"max_sites": 10**7}})
    assert a.digest() == b.digest() and b.limits.max_sites == 10**7


def _scenario_models():
    import inspect

    from pydantic import BaseModel

    from planner.scenario import (
        adversary,
        report,
        schedule,
        schema,
        space_interceptors,
        threat_trajectory,
        threats,
    )

    for mod in (adversary, report, schedule, schema, space_interceptors, threat_trajectory, threats):
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, BaseModel) and cls.__module__ == mod.__name__:
                yield cls


def test_every_scenario_block_is_strict():
    from planner.scenario.strict import StrictModel

    models = list(_scenario_models())
    assert len(models) > 20
    assert [m.__name__ for m in models if not issubclass(m, StrictModel)] == []


@pytest.mark.parametrize(
    ("model", "data"),
    [
        ("planner.scenario.adversary:Adversary", {"max_iterations": True}),
        ("planner.scenario.threats:MissileClass", {"name": "x", "boost_duration_s": True}),
        ("planner.scenario.space_interceptors:KillVehicle", {"delta_v_mps": True}),
    ],
)
def test_blocks_refuse_a_boolean_for_a_number(model, data):
    import importlib

    from pydantic import ValidationError

    mod, name = model.split(":")
    with pytest.raises(ValidationError, match="boolean"):
        getattr(importlib.import_module(mod), name)(**data)
