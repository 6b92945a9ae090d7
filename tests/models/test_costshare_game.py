"""Game construction and validation of the JSON file format."""

import numpy as np
import pytest

from models.costshare import Game, GameError


def airport_dict() -> dict:
    return {
        "kind": "cost",
        "players": ["A", "B", "C"],
        "coalitions": [
            {"members": ["A"], "value": 1},
            {"members": ["B"], "value": 2},
            {"members": ["C"], "value": 4},
            {"members": ["A", "B"], "value": 2},
            {"members": ["C", "A"], "value": 4},
            {"members": ["B", "C"], "value": 4},
            {"members": ["A", "B", "C"], "value": 4},
        ],
    }


def test_from_dict_indexes_by_bitmask():
    g = Game.from_dict(airport_dict())
    assert g.n == 3 and g.grand == 4.0 and g.kind == "cost"
    assert g.values.tolist() == [0, 1, 2, 2, 4, 4, 4, 4]  # mask 5 = {A, C}, listed as [C, A]
    assert g.value(["C", "A"]) == 4.0 and g.value(3) == 2.0
    assert g.members(6) == ("B", "C")
    assert g.standalone().tolist() == [1, 2, 4]


def test_from_function_matches_from_dict_and_round_trips():
    costs = {"A": 1, "B": 2, "C": 4}
    g = Game.from_function("ABC", "cost", lambda s: max(costs[p] for p in s))
    assert np.array_equal(g.values, Game.from_dict(airport_dict()).values)
    again = Game.from_dict(g.to_dict())
    assert np.array_equal(again.values, g.values) and again.players == g.players


def test_values_are_read_only():
    g = Game.from_dict(airport_dict())
    with pytest.raises(ValueError):
        g.values[1] = 7.0


def _error(obj: dict) -> str:
    with pytest.raises(GameError) as info:
        Game.from_dict(obj)
    return str(info.value)


def test_unknown_player_names_field_and_value():
    obj = airport_dict()
    obj["coalitions"][3]["members"] = ["A", "XYZ"]
    assert _error(obj) == "coalitions[3].members = ['A', 'XYZ']: unknown player 'XYZ'"


def test_missing_coalition_is_named():
    obj = airport_dict()
    del obj["coalitions"][5]
    msg = _error(obj)
    assert msg.startswith("coalitions: missing coalition ['B', 'C']") and "\n" not in msg


def test_duplicate_coalition_points_at_the_first():
    obj = airport_dict()
    obj["coalitions"].append({"members": ["B", "A"], "value": 3})
    assert _error(obj) == ("coalitions[7].members = ['B', 'A']: duplicate coalition (same as coalitions[3])")


def test_duplicate_player():
    obj = airport_dict()
    obj["players"] = ["A", "B", "A"]
    assert _error(obj) == "players[2] = 'A': duplicate player (same as players[0])"


def test_member_listed_twice():
    obj = airport_dict()
    obj["coalitions"][3]["members"] = ["A", "A"]
    assert "player 'A' listed twice" in _error(obj)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "3", True, None])
def test_non_finite_or_non_numeric_value(bad):
    obj = airport_dict()
    obj["coalitions"][2]["value"] = bad
    assert _error(obj).startswith("coalitions[2].value = ")


def test_wrong_kind():
    obj = airport_dict()
    obj["kind"] = "price"
    assert _error(obj) == "kind = 'price': must be 'cost' or 'value'"


def test_unknown_top_level_field_and_missing_field():
    obj = airport_dict()
    obj["extra"] = 1
    assert _error(obj).startswith("extra: unknown field")
    obj = airport_dict()
    del obj["kind"]
    assert _error(obj) == "kind: required field missing"


def test_weights_must_cover_players_and_be_non_negative():
    obj = airport_dict()
    obj["weights"] = {"A": 1, "B": 2}
    assert _error(obj) == "weights: no entry for player 'C'"
    obj["weights"] = {"A": 1, "B": 2, "C": -1}
    assert _error(obj) == "weights.C = -1: must be non-negative"
    obj["weights"] = {"A": 1, "B": 2, "C": 1, "D": 1}
    assert _error(obj) == "weights.D = 1: unknown player 'D'"


def test_constructor_rejects_wrong_length_and_nan():
    with pytest.raises(GameError, match="expected 4 values"):
        Game(("a", "b"), "cost", np.zeros(3))
    with pytest.raises(GameError, match=r"values\[2\]"):
        Game(("a", "b"), "cost", np.array([0, 1, np.nan, 2]))
