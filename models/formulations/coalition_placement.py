r"""The two coalition games of a shared placement, computed with the placement MILPs.

Players :math:`N` (partners). Each demand point :math:`i` belongs to one partner :math:`o(i)`
(or none, ``-1``); each candidate site :math:`j` is hosted by one partner :math:`h(j)` or is
shared (``-1``: international waters, space). The grand plan :math:`x^*` defends the points
:math:`D^*`.

**Cost game.** :math:`c(S)` is the least cost of a plan that defends every point of :math:`S`
that :math:`x^*` defends (:mod:`models.formulations.layered_mincost`), using *any* candidate site within the
per-type maximum counts:

.. math::
    c(S) = \min\{c^\top x : x \text{ defends } D^* ∩ o^{-1}(S)\}, \qquad c(N) = c^\top x^*.

Any site is allowed because the question is what *serving* :math:`S` at its grand-plan level
costs, not where :math:`S` may build (that is the benefit game); it keeps every :math:`c(S)`
finite and :math:`c` monotone, and :math:`x^*` is feasible for every :math:`S`. The grand value
is the bill actually incurred, :math:`c^\top x^*`, which may exceed the least cost of the same
coverage (a maximal-covering plan does not minimise cost); :attr:`PlacementGames.min_cost_grand`
keeps the latter so the difference can be reported.

**Benefit game.** :math:`v(S)` is the most weight :math:`S` defends alone, with its pooled budget
:math:`B(S) = \min(B, Σ_{p∈S} \bar B_p)` (:math:`\bar B_p = B` for a partner without a cap) and
only the sites it could use alone, :math:`h(j) ∈ S ∪ \{-1\}`:

.. math::
    v(S) = \max\{\textstyle\sum_{o(i)∈S} w_i y_i : x_j = 0 \text{ if } h(j) ∉ S ∪ \{-1\},\
    c^\top x ≤ B(S),\ \text{layered cover, type limits}\},

the budgeted layered maximal-covering MILP of :func:`models.solve_layered`.

**Warm starts (which are valid).** Every coalition of size ``k`` is solved before any of size
``k + 1`` (:func:`models.costshare.coalitions.evaluate`). For the benefit game a subset's plan is
feasible for a superset (fewer sites, smaller budget, same type limits), and so is the union of
the plans of :math:`S∖\{i\}` and :math:`\{i\}` when it fits :math:`B(S)` and the type limits. For
the cost game a superset's plan is feasible for a subset (fewer points to defend): :math:`x^*`
always is; the union of the plans of :math:`S∖\{i\}` and :math:`\{i\}` is too when it fits the
type limits. The cheapest (cost game) or best (benefit game) valid candidate is passed to the
solver; infeasible candidates are never passed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import scipy.sparse as sp

from models.api import solve_layered
from models.costshare.coalitions import EXACT_UP_TO, CoalitionCache, build_game
from models.costshare.game import Game, GameError
from models.formulations.layered_mincost import solve_layered_min_cost
from models.instance import LayeredInstance
from models.result import SolveOptions, SolveResult

__all__ = ["CoalitionSolve", "PlacementData", "PlacementGames"]


@dataclass(frozen=True, eq=False)
class PlacementData:
    """The arrays a placement's coalition games are made from (no geography).

    Attributes
    ----------
    instance
        The layered instance of the whole network (its ``budget`` is the network budget).
    players
        Partner ids, in player (bit) order.
    point_owner
        Index into ``players`` of each demand point's partner, ``-1`` for none; shape ``(m,)``.
    site_host
        Index into ``players`` of each site's host, ``-1`` for a shared site (sea, space).
    caps
        Budget cap of each player, ``inf`` for none; shape ``(len(players),)``.
    plan
        The grand plan: boolean mask over the instance's sites.
    """

    instance: LayeredInstance
    players: tuple[str, ...]
    point_owner: np.ndarray
    site_host: np.ndarray
    caps: np.ndarray
    plan: np.ndarray

    def __post_init__(self) -> None:
        inst, n_p = self.instance, len(self.players)
        set_ = object.__setattr__
        set_(self, "players", tuple(self.players))
        owner = np.asarray(self.point_owner, dtype=np.int64)
        host = np.asarray(self.site_host, dtype=np.int64)
        caps = np.asarray(self.caps, dtype=float)
        plan = np.asarray(self.plan, dtype=bool)
        if owner.shape != (inst.m,) or host.shape != (inst.n,) or plan.shape != (inst.n,):
            raise ValueError("point_owner, site_host and plan must match the instance's points and sites")
        if caps.shape != (n_p,):
            raise ValueError(f"caps has shape {caps.shape}, expected {(n_p,)}")
        for name, arr in (("point_owner", owner), ("site_host", host)):
            if arr.size and (arr.min() < -1 or arr.max() >= n_p):
                raise ValueError(f"{name} refers to a player outside players")
        if (caps <= 0).any() or np.isnan(caps).any():
            raise ValueError("budget caps must be positive (inf for none)")
        set_(self, "point_owner", owner)
        set_(self, "site_host", host)
        set_(self, "caps", caps)
        set_(self, "plan", plan)

    def mask(self, coalition: frozenset[str]) -> int:
        """Bitmask of a coalition given by player ids."""
        index = {p: i for i, p in enumerate(self.players)}
        try:
            return sum(1 << index[p] for p in coalition)
        except KeyError as err:
            raise GameError(f"unknown player {err.args[0]!r}", field="coalition") from None

    def members(self, mask: int) -> np.ndarray:
        """Boolean membership vector of a coalition mask."""
        return ((int(mask) >> np.arange(len(self.players))) & 1).astype(bool)

    def points_of(self, mask: int) -> np.ndarray:
        """Boolean mask of the points belonging to the coalition."""
        inside = self.members(mask)
        return (self.point_owner >= 0) & inside[np.maximum(self.point_owner, 0)]

    def sites_of(self, mask: int) -> np.ndarray:
        """Boolean mask of the sites the coalition may use alone: its own territory and shared sites."""
        inside = self.members(mask)
        return (self.site_host < 0) | inside[np.maximum(self.site_host, 0)]

    def pooled_budget(self, mask: int) -> float:
        """``B(S) = min(B, Σ_{p∈S} cap_p)``, an uncapped partner counting as ``B``."""
        b = float(self.instance.budget)
        caps = np.minimum(self.caps, b)
        return float(min(b, caps[self.members(mask)].sum()))

    def defended_weight(self, x: np.ndarray) -> np.ndarray:
        """Defended weight of each player under plan ``x``, recomputed from the matrices."""
        d = self.instance.defended(x) & (self.point_owner >= 0)
        return np.bincount(self.point_owner[d], weights=self.instance.w[d], minlength=len(self.players))


@dataclass(frozen=True)
class CoalitionSolve:
    """How one coalition value was obtained.

    Attributes
    ----------
    value
        ``c(S)`` or ``v(S)``.
    status
        The solver's one-word status (``optimal``, ``feasible`` ...), or ``"grand plan"``.
    gap
        Relative gap of the solve (``None`` when not from a solver).
    plan
        Mask over the instance's sites of the plan achieving ``value``.
    warm_start
        Where the warm start came from (``grand``, ``subset``, ``union``, ``none``).
    """

    value: float
    status: str
    gap: float | None
    plan: np.ndarray = field(repr=False)
    warm_start: str = "none"


class PlacementGames:
    """Evaluate the cost game and the benefit game of a placement, coalition by coalition.

    :meth:`cost` and :meth:`value` solve each coalition once and remember it (with its plan, used
    to warm-start larger coalitions); they are thread-safe (each solve builds its own model, and
    HiGHS releases the GIL while it runs), so they can back a
    :class:`~models.costshare.coalitions.CoalitionCache` evaluated by a pool of threads.

    Parameters
    ----------
    data
        The arrays.
    options
        Solver options of each coalition MILP (``threads=1`` suits a pool of workers).
    engine
        Engine of the coalition MILPs (``"highs"``: the fastest route for many small models).
    """

    def __init__(
        self, data: PlacementData, options: SolveOptions | None = None, *, engine: str = "highs"
    ) -> None:
        self.data = data
        self.options = options or SolveOptions(threads=1)
        self.engine = engine
        self.grand_mask = (1 << len(data.players)) - 1
        self.cost_solves: dict[int, CoalitionSolve] = {}
        self.value_solves: dict[int, CoalitionSolve] = {}
        self._lock = threading.Lock()
        self._defended = data.instance.defended(data.plan)
        self._min_cost_grand: CoalitionSolve | None = None

    # ------------------------------------------------------------------ warm starts
    def _unions(self, mask: int, solved: dict[int, CoalitionSolve]) -> list[np.ndarray]:
        out = []
        for i in np.flatnonzero(self.data.members(mask)):
            rest, single = mask & ~(1 << int(i)), 1 << int(i)
            if rest and rest in solved and single in solved:
                out.append(solved[rest].plan | solved[single].plan)
        return out

    def _type_ok(self, x: np.ndarray) -> bool:
        inst = self.data.instance
        return bool((np.bincount(inst.site_type[x], minlength=inst.type_max.shape[0]) <= inst.type_max).all())

    # ------------------------------------------------------------------ cost game
    def _cost_solve(self, mask: int) -> CoalitionSolve:
        data, inst = self.data, self.data.instance
        required = self._defended & data.points_of(mask)
        starts = [("grand", data.plan)] + [("union", u) for u in self._unions(mask, self.cost_solves)]
        starts = [(k, s) for k, s in starts if self._type_ok(s) and not (required & ~inst.defended(s)).any()]
        source, ws = min(starts, key=lambda ks: float(inst.c[ks[1]].sum()))
        res = solve_layered_min_cost(inst, required, self.options, engine=self.engine, warm_start=ws)
        return _record(res, source, what="cost")

    def cost(self, coalition: frozenset[str]) -> float:
        """``c(S)``: least cost of defending ``S``'s grand-plan coverage; ``c(N)`` is the bill."""
        mask = self.data.mask(coalition)
        if mask == 0:
            return 0.0
        if mask in self.cost_solves:
            return self.cost_solves[mask].value
        if mask == self.grand_mask:
            x = self.data.plan
            rec = CoalitionSolve(float(self.data.instance.c[x].sum()), "grand plan", None, x, "none")
        else:
            rec = self._cost_solve(mask)
        with self._lock:
            self.cost_solves[mask] = rec
        return rec.value

    @property
    def min_cost_grand(self) -> CoalitionSolve:
        """Least cost of the grand plan's whole coverage (solved once, on first use)."""
        if self._min_cost_grand is None:
            self._min_cost_grand = self._cost_solve(self.grand_mask)
        return self._min_cost_grand

    # ------------------------------------------------------------------ benefit game
    def sub_instance(self, mask: int) -> tuple[LayeredInstance, np.ndarray, np.ndarray]:
        """Coalition ``S``'s own instance: its points, the sites it may use, budget ``B(S)``.

        Returns the instance and the indices of the points and sites it keeps.
        """
        data, inst = self.data, self.data.instance
        rows = np.flatnonzero(data.points_of(mask))
        cols = np.flatnonzero(data.sites_of(mask))
        sub = LayeredInstance(
            w=inst.w[rows],
            c=inst.c[cols],
            a_sensor=sp.csr_array(inst.a_sensor[rows][:, cols]),
            a_interceptor=sp.csr_array(inst.a_interceptor[rows][:, cols]),
            site_type=inst.site_type[cols],
            type_max=inst.type_max,
            budget=data.pooled_budget(mask),
            demand_ids=inst.demand_ids[rows],
            site_ids=inst.site_ids[cols],
            type_names=inst.type_names,
        )
        return sub, rows, cols

    def _value_solve(self, mask: int) -> CoalitionSolve:
        data, inst = self.data, self.data.instance
        sub, _, cols = self.sub_instance(mask)
        allowed = data.sites_of(mask)
        subsets = [
            ("subset", self.value_solves[mask & ~(1 << int(i))].plan)
            for i in np.flatnonzero(data.members(mask))
            if (mask & ~(1 << int(i))) in self.value_solves
        ]
        starts = subsets + [("union", u) for u in self._unions(mask, self.value_solves)]
        if mask == self.grand_mask:
            starts.append(("grand", data.plan))
        starts = [(k, s) for k, s in starts if not (s & ~allowed).any() and sub.is_feasible(s[cols])]
        source, ws = "none", None
        if starts:
            source, full = max(
                starts, key=lambda ks: float(data.defended_weight(ks[1])[data.members(mask)].sum())
            )
            ws = full[cols]
        res = solve_layered(sub, self.options, engine=self.engine, warm_start=ws)
        rec = _record(res, source, what="value")
        x = np.zeros(inst.n, dtype=bool)
        x[cols] = rec.plan
        return replace(rec, plan=x)

    def value(self, coalition: frozenset[str]) -> float:
        """``v(S)``: the most weight ``S`` defends alone with its pooled budget and its own sites."""
        mask = self.data.mask(coalition)
        if mask == 0:
            return 0.0
        if mask in self.value_solves:
            return self.value_solves[mask].value
        rec = self._value_solve(mask)
        with self._lock:
            self.value_solves[mask] = rec
        return rec.value

    # ------------------------------------------------------------------ both games
    def games(
        self,
        *,
        workers: int = 1,
        exact_up_to: int = EXACT_UP_TO,
        which: Sequence[Literal["cost", "value"]] = ("cost", "value"),
    ) -> dict[str, Game]:
        """Build the requested games exactly (every coalition), smallest coalitions first.

        Raises
        ------
        GameError
            Beyond ``exact_up_to`` players (sample with ``coalitions.shapley_estimate`` and
            :meth:`cost_cache` / :meth:`value_cache` instead).
        """
        out: dict[str, Game] = {}
        players = self.data.players
        for kind in which:
            cache = self.cost_cache() if kind == "cost" else self.value_cache()
            out[kind] = build_game(players, cache, kind, workers=workers, exact_up_to=exact_up_to)
        return out

    def cost_cache(self) -> CoalitionCache:
        """A cache over :meth:`cost`, for sampling beyond the exact limit."""
        return CoalitionCache(self.cost)

    def value_cache(self) -> CoalitionCache:
        """A cache over :meth:`value`, for sampling beyond the exact limit."""
        return CoalitionCache(self.value)

    def unproven(self) -> list[tuple[str, tuple[str, ...], str, float | None]]:
        """Coalitions whose value was not proven optimal: ``(game, members, status, gap)``."""
        out = []
        for kind, solves in (("cost", self.cost_solves), ("value", self.value_solves)):
            for mask, rec in sorted(solves.items()):
                if rec.status not in ("optimal", "grand plan"):
                    members = tuple(p for i, p in enumerate(self.data.players) if (mask >> i) & 1)
                    out.append((kind, members, rec.status, rec.gap))
        return out


def _record(res: SolveResult, source: str, *, what: str) -> CoalitionSolve:
    if not res.has_solution or res.objective is None:
        # The grand plan (cost) or the empty plan (value) is always feasible: a solver without a
        # plan here failed, and a coalition value cannot be guessed.
        raise RuntimeError(f"{what} coalition solve returned no plan ({res.status}, {res.raw_status})")
    assert res.x is not None
    return CoalitionSolve(float(res.objective), res.status, res.gap, np.asarray(res.x, dtype=bool), source)
