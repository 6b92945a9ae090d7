"""One vocabulary of cost-sharing rules: the scenario, ``allocate`` and the store all use the registry."""

import numpy as np
import pytest

from models.costshare import Game
from models.costshare.registry import RULE_COLUMNS, RULES, RuleInputs
from planner.batch.store import ALLOCATION_COLUMNS
from planner.commands.allocate import METHODS, allocate_game
from planner.scenario.schema import CostSharing, json_schema


def test_every_caller_offers_every_registered_rule():
    assert CostSharing().rules == tuple(RULES)
    assert set(RULES) <= set(METHODS)
    enum = json_schema()["$defs"]["CostSharing"]["properties"]["rules"]["items"]["enum"]
    assert enum == list(RULES)
    assert tuple(ALLOCATION_COLUMNS)[1:] == RULE_COLUMNS


def test_every_rule_splits_the_bill_on_a_three_player_game():
    # Airport game: costs 2, 4, 8 alone; every coalition pays its largest member's cost.
    values = [max([0] + [c for k, c in enumerate((2, 4, 8)) if m >> k & 1]) for m in range(8)]
    game = Game(
        ("A", "B", "C"),
        "cost",
        np.array(values),
        benefits={"A": 1, "B": 1, "C": 2},
        weights={"A": 3, "B": 1, "C": 4},
    )
    inputs = RuleInputs(
        players=game.players,
        bill=8.0,
        game=game,
        gdp=game.weights,
        population={"A": 1, "B": 1, "C": 2},
        benefit=game.benefits,
    )
    for name, rule in RULES.items():
        split = rule.apply(inputs)
        assert sum(split.values()) == pytest.approx(8.0), name
    assert RULES["shapley"].apply(inputs) == pytest.approx({"A": 2 / 3, "B": 5 / 3, "C": 17 / 3})
    assert RULES["gdp"].apply(inputs) == pytest.approx({"A": 3, "B": 1, "C": 4})
    # allocate runs every registered rule on a game file's data (population is not in game files)
    out = allocate_game(game, [r for r in RULES if r != "population"])
    assert out["shapley"] == pytest.approx({"A": 2 / 3, "B": 5 / 3, "C": 17 / 3})


def test_a_rule_without_its_input_says_which():
    inputs = RuleInputs(players=("A", "B"), bill=10.0)
    with pytest.raises(ValueError, match="gdp"):
        RULES["gdp"].apply(inputs)
    with pytest.raises(ValueError, match="every coalition"):
        RULES["nucleolus"].apply(inputs)
    assert RULES["equal"].apply(inputs) == {"A": 5.0, "B": 5.0}
