"""A transferable-utility game given by its characteristic function, stored by bitmask.

Coalition ``S`` of players ``p_0 … p_{n-1}`` is the integer ``mask(S) = Σ_{i∈S} 2^i``; the
characteristic function is one float array ``values`` of length ``2^n`` with ``values[0] = 0``
(the empty coalition). Every rule and check in :mod:`models.costshare` works on that array with
numpy, never with Python loops over coalitions.

Two kinds of game share the type:

* ``"cost"``: ``c(S)`` is what ``S`` would pay to serve itself; an allocation says who pays what
  of ``c(N)``;
* ``"value"``: ``v(S)`` is what ``S`` can obtain alone; an allocation says who receives what of
  ``v(N)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

GameKind = Literal["cost", "value"]
KINDS: tuple[str, ...] = ("cost", "value")
MAX_PLAYERS = 20
"""Largest game stored whole (2^20 coalitions = 8 MB); beyond that, sample (see ``coalitions``)."""

_FILE_KEYS = ("kind", "players", "coalitions", "benefits", "weights")


class GameError(ValueError):
    """A malformed game: ``str(err)`` is one line naming the field path, the bad value and why.

    Attributes
    ----------
    field
        Path of the offending field in the JSON file format, e.g. ``coalitions[3].members``.
    value
        The offending value (``...`` when there is none to show).
    reason
        What is wrong, without the field and value.
    """

    def __init__(self, reason: str, *, field: str | None = None, value: Any = ...) -> None:
        self.reason = reason
        self.field = field
        self.value = value
        where = field or ""
        if field and value is not ...:
            where += f" = {value!r}"
        super().__init__(f"{where}: {reason}" if where else reason)


def popcount(masks: np.ndarray) -> np.ndarray:
    """Return the number of members of each coalition bitmask (vectorised)."""
    masks = np.asarray(masks, dtype=np.int64)
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(masks).astype(np.int64)
    counts = np.zeros(masks.shape, dtype=np.int64)
    work = masks.copy()
    while np.any(work):
        counts += work & 1
        work >>= 1
    return counts


def all_masks(n: int) -> np.ndarray:
    """Return ``0, 1, …, 2^n − 1``: every coalition of ``n`` players, the empty one first."""
    return np.arange(1 << n, dtype=np.int64)


def membership(n: int) -> np.ndarray:
    """Return the ``(2^n, n)`` 0/1 matrix ``A[S, i] = [i ∈ S]``."""
    return ((all_masks(n)[:, None] >> np.arange(n)) & 1).astype(np.float64)


def _freeze(mapping: Mapping[str, float] | None) -> Mapping[str, float] | None:
    return None if mapping is None else dict(mapping)


@dataclass(frozen=True, eq=False)
class Game:
    """A TU game: players, kind, characteristic function by bitmask, optional benefits and weights.

    Attributes
    ----------
    players
        Player ids in bit order: player ``players[i]`` is bit ``i`` of a coalition mask.
    kind
        ``"cost"`` (``values`` are costs to share) or ``"value"`` (values to distribute).
    values
        Read-only float array of length ``2^n``; ``values[mask(S)]`` is ``c(S)`` or ``v(S)``
        and ``values[0] = 0``.
    benefits
        Optional benefit ``b_i`` each player draws from the joint project (SCRB, benefit rule).
    weights
        Optional non-negative weight per player, e.g. GDP or national income (weight rule).
    """

    players: tuple[str, ...]
    kind: GameKind
    values: np.ndarray = field(repr=False)
    benefits: Mapping[str, float] | None = None
    weights: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        players = tuple(self.players)
        _check_players(players)
        if self.kind not in KINDS:
            raise GameError("must be 'cost' or 'value'", field="kind", value=self.kind)
        values = np.array(self.values, dtype=np.float64)
        if values.shape != (1 << len(players),):
            raise GameError(
                f"expected {1 << len(players)} values (one per coalition, the empty one first)",
                field="values",
                value=values.shape,
            )
        if not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise GameError("non-finite value", field=f"values[{bad}]", value=float(values[bad]))
        values[0] = 0.0
        values.flags.writeable = False
        for name in ("benefits", "weights"):
            _check_player_map(getattr(self, name), players, name, nonnegative=name == "weights")
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "benefits", _freeze(self.benefits))
        object.__setattr__(self, "weights", _freeze(self.weights))

    # -- sizes and coalitions -------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.players)

    @property
    def grand_mask(self) -> int:
        """Bitmask of the grand coalition ``N``."""
        return (1 << self.n) - 1

    @property
    def grand(self) -> float:
        """Value of the grand coalition, ``c(N)`` or ``v(N)``."""
        return float(self.values[self.grand_mask])

    @property
    def sign(self) -> int:
        """``+1`` for a cost game, ``−1`` for a value game.

        The *excess* of coalition ``S`` at allocation ``x`` is ``sign · (x(S) − values[S])``:
        how much more ``S`` pays than alone (cost) or receives less than alone (value). A
        positive excess is a complaint; every core and nucleolus computation uses this one sign.
        """
        return 1 if self.kind == "cost" else -1

    def mask(self, coalition: Iterable[str]) -> int:
        """Return the bitmask of ``coalition`` (an iterable of player ids)."""
        index = {p: i for i, p in enumerate(self.players)}
        m = 0
        for p in coalition:
            if p not in index:
                raise GameError(f"unknown player {p!r}", field="coalition", value=p)
            m |= 1 << index[p]
        return m

    def members(self, mask: int) -> tuple[str, ...]:
        """Return the players of coalition ``mask``, in player order."""
        return tuple(p for i, p in enumerate(self.players) if (int(mask) >> i) & 1)

    def value(self, coalition: Iterable[str] | int) -> float:
        """Return ``c(S)`` or ``v(S)`` for a coalition given by ids or by bitmask."""
        m = coalition if isinstance(coalition, int | np.integer) else self.mask(coalition)
        return float(self.values[int(m)])

    def standalone(self) -> np.ndarray:
        """Return ``values[{i}]`` for every player ``i``, in player order."""
        return self.values[1 << np.arange(self.n)]

    def as_vector(self, allocation: Mapping[str, float]) -> np.ndarray:
        """Return ``allocation`` as an array in player order (every player must be present)."""
        missing = [p for p in self.players if p not in allocation]
        if missing:
            raise GameError(f"no amount for player {missing[0]!r}", field="allocation")
        return np.array([float(allocation[p]) for p in self.players])

    def as_dict(self, x: np.ndarray) -> dict[str, float]:
        """Return the array ``x`` (player order) as ``{player: amount}``."""
        return {p: float(v) for p, v in zip(self.players, x, strict=True)}

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_function(
        cls,
        players: Iterable[str],
        kind: GameKind,
        f: Callable[[frozenset[str]], float],
        *,
        benefits: Mapping[str, float] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> Game:
        """Build a game by calling ``f`` once per non-empty coalition, serially.

        For expensive coalition values (each a solve), use
        :func:`models.costshare.coalitions.build_game`: parallel, cached, size-ordered.
        """
        players = tuple(players)
        _check_players(players)
        if len(players) > MAX_PLAYERS:
            raise GameError(f"at most {MAX_PLAYERS} players", field="players", value=len(players))
        values = np.zeros(1 << len(players))
        for m in range(1, 1 << len(players)):
            values[m] = float(f(frozenset(p for i, p in enumerate(players) if (m >> i) & 1)))
        return cls(players, kind, values, benefits=benefits, weights=weights)

    @classmethod
    def from_dict(cls, obj: Any) -> Game:
        """Build a game from the JSON file format, validating every field.

        The format::

            {"kind": "cost" | "value",
             "players": ["USA", "CAN", ...],
             "coalitions": [{"members": ["USA"], "value": 10.0}, ...],
             "benefits": {"USA": 4.0, ...},     # optional
             "weights": {"USA": 27.0, ...}}     # optional, e.g. GDP

        Every non-empty coalition is listed exactly once, in any order.

        Raises
        ------
        GameError
            With the field path and bad value, e.g.
            ``coalitions[3].members = ['USA', 'XYZ']: unknown player 'XYZ'``.
        """
        if not isinstance(obj, Mapping):
            raise GameError("a game must be a JSON object", value=type(obj).__name__)
        for key in obj:
            if key not in _FILE_KEYS:
                raise GameError(f"unknown field (expected one of {', '.join(_FILE_KEYS)})", field=str(key))
        for key in ("kind", "players", "coalitions"):
            if key not in obj:
                raise GameError("required field missing", field=key)
        kind = obj["kind"]
        if kind not in KINDS:
            raise GameError("must be 'cost' or 'value'", field="kind", value=kind)
        raw_players = obj["players"]
        if not isinstance(raw_players, list) or not raw_players:
            raise GameError("must be a non-empty list of player ids", field="players", value=raw_players)
        players = tuple(raw_players)
        _check_players(players)
        n = len(players)
        if n > MAX_PLAYERS:
            raise GameError(f"at most {MAX_PLAYERS} players in a game file", field="players", value=n)
        values, seen = _read_coalitions(obj["coalitions"], players)
        if not seen.all():
            missing = np.flatnonzero(~seen[1:]) + 1
            names = [p for i, p in enumerate(players) if (int(missing[0]) >> i) & 1]
            raise GameError(
                f"missing coalition {names} ({missing.size} of {(1 << n) - 1} coalitions missing;"
                " every non-empty coalition must be listed once)",
                field="coalitions",
            )
        return cls(players, kind, values, benefits=obj.get("benefits"), weights=obj.get("weights"))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON file format of this game (inverse of :meth:`from_dict`)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "players": list(self.players),
            "coalitions": [
                {"members": list(self.members(m)), "value": float(self.values[m])}
                for m in range(1, 1 << self.n)
            ],
        }
        if self.benefits is not None:
            out["benefits"] = dict(self.benefits)
        if self.weights is not None:
            out["weights"] = dict(self.weights)
        return out


def _check_players(players: tuple[Any, ...]) -> None:
    if not players:
        raise GameError("a game needs at least one player", field="players", value=[])
    seen: dict[str, int] = {}
    for i, p in enumerate(players):
        if not isinstance(p, str) or not p:
            raise GameError("player ids are non-empty strings", field=f"players[{i}]", value=p)
        if p in seen:
            raise GameError(f"duplicate player (same as players[{seen[p]}])", field=f"players[{i}]", value=p)
        seen[p] = i


def _check_player_map(mapping: Any, players: tuple[str, ...], name: str, *, nonnegative: bool) -> None:
    if mapping is None:
        return
    if not isinstance(mapping, Mapping):
        raise GameError("must be an object {player: number}", field=name, value=mapping)
    for key, val in mapping.items():
        if key not in players:
            raise GameError(f"unknown player {key!r}", field=f"{name}.{key}", value=val)
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
            raise GameError("must be a finite number", field=f"{name}.{key}", value=val)
        if nonnegative and val < 0:
            raise GameError("must be non-negative", field=f"{name}.{key}", value=val)
    missing = [p for p in players if p not in mapping]
    if missing:
        raise GameError(f"no entry for player {missing[0]!r}", field=name)


def _read_coalitions(raw: Any, players: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Return (values by mask, which masks were given), rejecting bad or duplicate entries."""
    n = len(players)
    if not isinstance(raw, list):
        raise GameError(
            "must be a list of {members, value} objects", field="coalitions", value=type(raw).__name__
        )
    index = {p: i for i, p in enumerate(players)}
    values = np.zeros(1 << n)
    seen = np.zeros(1 << n, dtype=bool)
    seen[0] = True
    first: dict[int, int] = {}
    for k, entry in enumerate(raw):
        where = f"coalitions[{k}]"
        if not isinstance(entry, Mapping) or set(entry) != {"members", "value"}:
            raise GameError('must be an object with exactly "members" and "value"', field=where, value=entry)
        members, value = entry["members"], entry["value"]
        if not isinstance(members, list) or not members:
            raise GameError("must be a non-empty list of players", field=f"{where}.members", value=members)
        m = 0
        for p in members:
            if not isinstance(p, str) or p not in index:
                raise GameError(f"unknown player {p!r}", field=f"{where}.members", value=members)
            if (m >> index[p]) & 1:
                raise GameError(f"player {p!r} listed twice", field=f"{where}.members", value=members)
            m |= 1 << index[p]
        if m in first:
            raise GameError(
                f"duplicate coalition (same as coalitions[{first[m]}])",
                field=f"{where}.members",
                value=members,
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise GameError("must be a finite number", field=f"{where}.value", value=value)
        first[m] = k
        values[m] = float(value)
        seen[m] = True
    return values, seen
