"""``allocate_file`` and ``domeplan allocate`` on textbook games, and their one-line errors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from planner.commands.allocate import allocate_file, parse_methods
from planner.errors import InputError

runner = CliRunner()


def game_dict(kind: str, players: list[str], f, **extra) -> dict:
    coalitions = [{"members": list(c), "value": f(set(c))}
                  for k in range(1, len(players) + 1) for c in itertools.combinations(players, k)]
    return {"kind": kind, "players": players, "coalitions": coalitions, **extra}


RUNWAY = {"A": 1.0, "B": 2.0, "C": 4.0}
AIRPORT = game_dict("cost", list(RUNWAY), lambda s: max(RUNWAY[p] for p in s),
                    weights={"A": 1, "B": 1, "C": 2}, benefits={"A": 2, "B": 2, "C": 4})
CLAIMS = {"d100": 100.0, "d200": 200.0, "d300": 300.0}
TALMUD_200 = game_dict("value", list(CLAIMS),
                       lambda s: max(0.0, 200 - sum(d for p, d in CLAIMS.items() if p not in s)))
MAJORITY = game_dict("value", ["a", "b", "c"], lambda s: float(len(s) >= 2))


@pytest.fixture
def write(tmp_path: Path):
    def _write(obj, name: str = "game.json") -> Path:
        path = tmp_path / name
        path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
        return path
    return _write


def test_airport_textbook_answers(write):
    out = allocate_file(write(AIRPORT), ["shapley", "nucleolus", "scrb", "gdp", "equal"])
    assert list(out) == ["shapley", "nucleolus", "scrb", "gdp", "equal", "core", "core_by_method"]
    assert list(out["shapley"].values()) == pytest.approx([1 / 3, 5 / 6, 17 / 6])
    assert list(out["nucleolus"].values()) == pytest.approx([0.5, 0.75, 2.75], abs=1e-7)
    assert list(out["scrb"].values()) == pytest.approx([0.4, 0.8, 2.8])
    assert list(out["gdp"].values()) == pytest.approx([1, 1, 2])
    assert out["core"]["method"] == "shapley" and out["core"]["in_core"] is True
    assert out["core"]["least_core_epsilon"] == pytest.approx(-0.5)
    assert out["core"]["blocking_coalition"] is None and out["core"]["core_empty"] is False
    assert out["core_by_method"]["equal"]["blocking_coalition"] == ["A", "B"]
    assert out["core_by_method"]["equal"]["in_core"] is False
    json.dumps(out)  # JSON-ready: no numpy scalars, no tuples needing care


def test_proportional_prefers_benefits_then_standalone(write):
    with_b = allocate_file(write(AIRPORT), ["proportional"])
    assert list(with_b["proportional"].values()) == pytest.approx([1, 1, 2])
    plain = {k: v for k, v in AIRPORT.items() if k != "benefits"}
    without = allocate_file(write(plain), ["proportional"])
    assert list(without["proportional"].values()) == pytest.approx([4 / 7, 8 / 7, 16 / 7])
    assert without["core"]["method"] == "proportional"  # no Shapley: the first method is checked


def test_majority_game_core_is_empty(write):
    out = allocate_file(write(MAJORITY), ["nucleolus"])
    assert list(out["nucleolus"].values()) == pytest.approx([1 / 3] * 3, abs=1e-7)
    core = out["core"]
    assert core["in_core"] is False and core["core_empty"] is True
    assert core["least_core_epsilon"] == pytest.approx(1 / 3)
    assert core["blocking_coalition"] == ["a", "b"]


def test_methods_repeat_and_comma_lists():
    assert parse_methods(["shapley,nucleolus", "SCRB", "shapley", " equal "]) == (
        "shapley", "nucleolus", "scrb", "equal")
    with pytest.raises(InputError) as info:
        parse_methods(["shapley,banzhaf"])
    assert info.value.field == "--method" and info.value.value == "banzhaf"
    with pytest.raises(InputError):
        parse_methods([","])


def test_gdp_without_weights_names_the_field(write):
    plain = {k: v for k, v in AIRPORT.items() if k != "weights"}
    path = write(plain)
    with pytest.raises(InputError) as info:
        allocate_file(path, ["gdp"])
    assert info.value.field == "weights" and str(path) in str(info.value)


def test_unknown_player_becomes_an_input_error_with_file_and_field(write):
    bad = json.loads(json.dumps(AIRPORT))
    bad["coalitions"][3]["members"] = ["A", "XYZ"]
    path = write(bad)
    with pytest.raises(InputError) as info:
        allocate_file(path, ["shapley"])
    assert str(info.value) == (f"{path}: coalitions[3].members = ['A', 'XYZ']: "
                               "unknown player 'XYZ'")


# -- the command ----------------------------------------------------------------------------------
def run_cli(*args: str):
    return runner.invoke(app, ["allocate", *args], catch_exceptions=False)


def test_cli_json_reproduces_the_talmud(write):
    result = run_cli("--game", str(write(TALMUD_200)), "--method", "nucleolus,shapley", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out["nucleolus"].values()) == pytest.approx([50, 75, 75], abs=1e-6)
    assert out["core"]["method"] == "shapley" and out["core"]["in_core"] is True
    assert set(out["core_by_method"]) == {"nucleolus", "shapley"}


def test_cli_table(write):
    result = run_cli("--game", str(write(AIRPORT)), "-m", "shapley", "-m", "equal")
    assert result.exit_code == 0, result.output
    assert "shapley" in result.stdout and "equal" in result.stdout and "0.8333" in result.stdout
    assert "core check (shapley): in the core" in result.stdout


def _drop(obj: dict, index: int) -> dict:
    out = json.loads(json.dumps(obj))
    del out["coalitions"][index]
    return out


def _edit(obj: dict, fn) -> dict:
    out = json.loads(json.dumps(obj))
    fn(out)
    return out


BAD = {
    "missing_coalition": (_drop(AIRPORT, 5), ["coalitions", "missing coalition ['B', 'C']"]),
    "unknown_player": (_edit(AIRPORT, lambda d: d["coalitions"][0].update(members=["ZZZ"])),
                       ["coalitions[0].members = ['ZZZ']", "unknown player 'ZZZ'"]),
    "duplicate_coalition": (_edit(AIRPORT, lambda d: d["coalitions"].append(
        {"members": ["C", "A"], "value": 9})), ["coalitions[7].members", "duplicate coalition"]),
    "duplicate_player": (_edit(AIRPORT, lambda d: d.update(players=["A", "B", "A"])),
                         ["players[2] = 'A'", "duplicate player"]),
    "wrong_kind": (_edit(AIRPORT, lambda d: d.update(kind="benefit")), ["kind = 'benefit'"]),
    "not_json": ('{"kind": "cost", ', ["invalid JSON", "line 1"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_cli_bad_game_one_line_exit_2(write, case):
    obj, fragments = BAD[case]
    path = write(obj)
    result = run_cli("--game", str(path), "--method", "shapley")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"error: {path}: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.stdout == ""


def test_cli_unknown_method_and_missing_file(write, tmp_path):
    result = run_cli("--game", str(write(AIRPORT)), "--method", "shapley,banzhaf")
    assert result.exit_code == 2 and "--method = 'banzhaf'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = run_cli("--game", str(tmp_path / "nope.json"), "--method", "shapley")
    assert result.exit_code == 2 and "nope.json: file not found" in result.stderr
