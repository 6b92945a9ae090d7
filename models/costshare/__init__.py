"""Cooperative-game cost allocation: games, allocation rules, the core and the nucleolus.

Works on a game given directly (:class:`Game`, e.g. from a JSON file) or built from an expensive
``coalition_value`` callable (:mod:`models.costshare.coalitions`). Never imports geography.
"""

from models.costshare.coalitions import (
    CoalitionCache,
    ShapleyEstimate,
    build_game,
    shapley_estimate,
)
from models.costshare.core import CoreCheck, core_check, is_core_empty
from models.costshare.game import Game, GameError
from models.costshare.nucleolus_lp import least_core
from models.costshare.rules import (
    SampledShapley,
    equal,
    nucleolus,
    proportional_to_benefit,
    proportional_to_standalone,
    proportional_to_weights,
    scrb,
    shapley,
    shapley_sampled,
)

__all__ = [
    "CoalitionCache",
    "CoreCheck",
    "Game",
    "GameError",
    "SampledShapley",
    "ShapleyEstimate",
    "build_game",
    "core_check",
    "equal",
    "is_core_empty",
    "least_core",
    "nucleolus",
    "proportional_to_benefit",
    "proportional_to_standalone",
    "proportional_to_weights",
    "scrb",
    "shapley",
    "shapley_estimate",
    "shapley_sampled",
]
