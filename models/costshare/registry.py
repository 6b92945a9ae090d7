"""The one vocabulary of cost-sharing rules: name → function, what it needs, what it means.

Every caller — the scenario's ``cost_sharing.rules``, ``domeplan allocate``, the joint plan and the
results store — asks :data:`RULES` and nothing else, so a new rule is one entry here.

A rule maps :class:`RuleInputs` (the bill to split and whatever facts it needs) to
``{partner: amount}`` summing to the bill. ``needs`` says which inputs must be present:

- ``"game"``: the characteristic function of every coalition (exact up to the exact-limit of
  players; rules needing it are skipped beyond);
- ``"gdp"``, ``"population"``, ``"benefit"``: one figure per partner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from models.costshare.game import Game, GameError
from models.costshare.rules import (
    nucleolus,
    proportional_to_standalone,
    scrb,
    shapley,
    weight_shares,
)

__all__ = ["RULES", "RULE_COLUMNS", "Rule", "RuleInputs", "rule_names"]

RULE_COLUMNS = ("rule", "partner", "amount_musd")
"""Column names of every allocations table (frame, CSV, XLSX and the results store)."""


@dataclass(frozen=True)
class RuleInputs:
    """What a rule may use: the partners, the bill, their facts and (when exact) the game."""

    players: tuple[str, ...]
    bill: float
    game: Game | None = None
    gdp: Mapping[str, float] | None = None
    population: Mapping[str, float] | None = None
    benefit: Mapping[str, float] | None = None
    cap: float | None = None
    """Largest share any partner may carry under the weight rules (``None``: no cap)."""
    shapley: Mapping[str, float] | None = None
    """A Shapley value already computed (e.g. sampled beyond the exact limit)."""

    def figure(self, name: str) -> np.ndarray:
        """One figure per player, in player order; :class:`GameError` naming it when absent."""
        values = getattr(self, name)
        if values is None:
            raise GameError(f"the {name} rule needs a {name} figure per partner", field=name)
        return np.array([float(values[p]) for p in self.players])

    def split(self, weights: np.ndarray, cap: float | None = None) -> dict[str, float]:
        """The bill in proportion to ``weights`` (shares capped at ``cap``)."""
        shares = weight_shares(weights, cap)
        return dict(zip(self.players, (self.bill * shares).tolist(), strict=True))

    def need_game(self, rule: str) -> Game:
        """The game (its grand value is the bill); :class:`GameError` when it is absent."""
        if self.game is None:
            raise GameError(f"the {rule} rule needs the value of every coalition", field="rules",
                            value=rule)
        return self.game


def _equal(x: RuleInputs) -> dict[str, float]:
    return dict.fromkeys(x.players, x.bill / len(x.players))


def _shapley(x: RuleInputs) -> dict[str, float]:
    if x.shapley is not None:
        return dict(x.shapley)
    return shapley(x.need_game("shapley"))


def _on_game(fn: Callable[[Game], dict[str, float]], name: str) -> Callable[[RuleInputs], dict[str, float]]:
    def apply(x: RuleInputs) -> dict[str, float]:
        return fn(x.need_game(name))

    return apply


@dataclass(frozen=True)
class Rule:
    """A cost-sharing rule: its name, what it needs, its one-line explanation and its function."""

    name: str
    needs: frozenset[str]
    explain: str
    apply: Callable[[RuleInputs], dict[str, float]]


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("equal", frozenset(), "every partner pays the same", _equal),
        Rule("gdp", frozenset({"gdp"}), "in proportion to GDP (shares capped at the cap, if set)",
             lambda x: x.split(x.figure("gdp"), x.cap)),
        Rule("population", frozenset({"population"}), "in proportion to population",
             lambda x: x.split(x.figure("population"))),
        Rule("benefit", frozenset({"benefit"}), "in proportion to what the plan defends for each partner",
             lambda x: x.split(x.figure("benefit"))),
        Rule("standalone", frozenset({"game"}), "in proportion to what each partner would pay alone",
             _on_game(proportional_to_standalone, "standalone")),
        Rule("shapley", frozenset({"game"}),
             "average marginal cost over every order in which partners could join", _shapley),
        Rule("nucleolus", frozenset({"game"}),
             "the split that makes the most aggrieved coalition as well off as possible",
             _on_game(nucleolus, "nucleolus")),
        Rule("scrb", frozenset({"game"}),
             "separable costs plus the remaining benefit shared in proportion (water-resources rule)",
             _on_game(scrb, "scrb")),
    )
}
"""Every rule, in the order reports list them."""


def rule_names() -> tuple[str, ...]:
    """The registered rule names, in report order."""
    return tuple(RULES)
