"""An engine-neutral linear model made of named, sparse blocks.

A formulation declares *variable blocks* (``x[j]`` over sites, ``y[i]`` over demand points ...)
and *constraint blocks* (``sensor_cover[i]`` ...), each constraint block given as sparse
coefficient matrices over the variable blocks it touches. Every engine reads the same object:
``highs`` stacks it into one CSC matrix, ``pyomo`` turns each block into an indexed ``Var`` or
``Constraint``, ``cpsat`` scales it to integers. A row or column is always identified by
``(block name, id)``, so diagnostics speak the model's words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np
import scipy.sparse as sp

INF = float("inf")


class Sense(StrEnum):
    """Objective sense."""

    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"


class VarKind(StrEnum):
    """Domain of a variable block."""

    BINARY = "binary"
    INTEGER = "integer"
    CONTINUOUS = "continuous"


class ModelError(ValueError):
    """A formulation was declared inconsistently (shapes, names, bounds)."""


@dataclass(frozen=True, eq=False)
class VarBlock:
    """A named block of variables, columns ``start … start + size - 1`` of the model.

    ``integral_at_optimum`` marks a continuous block that some optimal solution takes integral
    whenever the integer blocks are integral (``y`` in covering models); engines that need
    integers (CP-SAT) may declare it integer without changing the optimum.
    """

    name: str
    ids: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    kind: VarKind
    integral_at_optimum: bool
    start: int

    @property
    def size(self) -> int:
        """Number of variables in the block."""
        return int(self.ids.shape[0])

    @property
    def cols(self) -> slice:
        """The block's columns in the stacked model."""
        return slice(self.start, self.start + self.size)


@dataclass(frozen=True, eq=False)
class ConBlock:
    """A named block of rows ``lb <= sum_b A_b v_b <= ub``, rows ``start … start + size - 1``."""

    name: str
    ids: np.ndarray
    terms: dict[str, sp.csr_array]
    lb: np.ndarray
    ub: np.ndarray
    start: int

    @property
    def size(self) -> int:
        """Number of rows in the block."""
        return int(self.ids.shape[0])

    @property
    def rows(self) -> slice:
        """The block's rows in the stacked model."""
        return slice(self.start, self.start + self.size)


@dataclass(frozen=True, eq=False)
class ModelArrays:
    """The model stacked as arrays: ``opt c·v + offset  s.t.  row_lb <= A v <= row_ub``, bounds."""

    sense: Sense
    c: np.ndarray
    offset: float
    a: sp.csr_array
    row_lb: np.ndarray
    row_ub: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    is_integer: np.ndarray
    integral_at_optimum: np.ndarray


def _bounds(value: float | np.ndarray, size: int, what: str) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=float), (size,)).copy()
    if np.isnan(arr).any():
        raise ModelError(f"{what} contains NaN")
    return arr


class LinearModel:
    """A linear (mixed-integer) model assembled from named sparse blocks.

    Parameters
    ----------
    name
        Name of the formulation (``"layered"``, ``"max_cover"`` ...).
    sense
        Objective sense.
    """

    def __init__(self, name: str, sense: Sense) -> None:
        self.name = name
        self.sense = Sense(sense)
        self.var_blocks: dict[str, VarBlock] = {}
        self.con_blocks: dict[str, ConBlock] = {}
        self.objective: dict[str, np.ndarray] = {}
        self.objective_offset = 0.0
        self.num_cols = 0
        self.num_rows = 0

    # ------------------------------------------------------------------ declaration
    def add_vars(
        self,
        name: str,
        ids: Sequence[object] | np.ndarray,
        *,
        kind: VarKind = VarKind.CONTINUOUS,
        lb: float | np.ndarray = 0.0,
        ub: float | np.ndarray = INF,
        integral_at_optimum: bool = False,
    ) -> VarBlock:
        """Declare a block of variables indexed by ``ids`` and return it."""
        if name in self.var_blocks:
            raise ModelError(f"variable block {name!r} declared twice")
        ids = np.asarray(ids, dtype=object)
        kind = VarKind(kind)
        if kind is VarKind.BINARY:
            lb = np.maximum(_bounds(lb, len(ids), f"{name}.lb"), 0.0)
            ub = np.minimum(_bounds(ub, len(ids), f"{name}.ub"), 1.0)
        block = VarBlock(
            name=name,
            ids=ids,
            lb=_bounds(lb, len(ids), f"{name}.lb"),
            ub=_bounds(ub, len(ids), f"{name}.ub"),
            kind=kind,
            integral_at_optimum=integral_at_optimum or kind is not VarKind.CONTINUOUS,
            start=self.num_cols,
        )
        self.var_blocks[name] = block
        self.num_cols += block.size
        self.__dict__.pop("arrays", None)
        return block

    def add_constraints(
        self,
        name: str,
        ids: Sequence[object] | np.ndarray,
        terms: Mapping[VarBlock, sp.sparray | sp.spmatrix | np.ndarray],
        *,
        lb: float | np.ndarray = -INF,
        ub: float | np.ndarray = INF,
    ) -> ConBlock:
        """Declare rows ``lb <= sum_b terms[b] @ b <= ub``, one per id, and return the block.

        Each term is a ``(len(ids), block.size)`` matrix (sparse or dense); a 1-D array is taken
        as the single row of a one-row block.
        """
        if name in self.con_blocks:
            raise ModelError(f"constraint block {name!r} declared twice")
        ids = np.asarray(ids, dtype=object)
        rows = ids.shape[0]
        mats: dict[str, sp.csr_array] = {}
        for block, mat in terms.items():
            if self.var_blocks.get(block.name) is not block:
                raise ModelError(f"{name}: variable block {block.name!r} is not in this model")
            if isinstance(mat, np.ndarray) and mat.ndim == 1:
                mat = mat[None, :]
            csr = sp.csr_array(mat, dtype=float)
            if csr.shape != (rows, block.size):
                raise ModelError(
                    f"{name}: coefficients of {block.name!r} have shape {csr.shape}, "
                    f"expected {(rows, block.size)}"
                )
            csr.sum_duplicates()
            csr.eliminate_zeros()
            mats[block.name] = csr
        con = ConBlock(
            name=name,
            ids=ids,
            terms=mats,
            lb=_bounds(lb, rows, f"{name}.lb"),
            ub=_bounds(ub, rows, f"{name}.ub"),
            start=self.num_rows,
        )
        self.con_blocks[name] = con
        self.num_rows += rows
        self.__dict__.pop("arrays", None)
        return con

    def set_objective(self, terms: Mapping[VarBlock, np.ndarray], offset: float = 0.0) -> None:
        """Set the objective ``sum_b terms[b] · b + offset`` (in the model's sense)."""
        obj: dict[str, np.ndarray] = {}
        for block, coef in terms.items():
            coef = np.asarray(coef, dtype=float)
            if coef.shape != (block.size,):
                raise ModelError(f"objective of {block.name!r} has shape {coef.shape}")
            obj[block.name] = coef
        self.objective = obj
        self.objective_offset = float(offset)
        self.__dict__.pop("arrays", None)

    # ------------------------------------------------------------------ reading
    def var(self, name: str) -> VarBlock:
        """Return the variable block called ``name``."""
        return self.var_blocks[name]

    @cached_property
    def arrays(self) -> ModelArrays:
        """The whole model stacked into arrays (computed once, vectorised)."""
        rows, cols, vals = [], [], []
        for con in self.con_blocks.values():
            for bname, mat in con.terms.items():
                coo = mat.tocoo()
                rows.append(coo.row.astype(np.int64) + con.start)
                cols.append(coo.col.astype(np.int64) + self.var_blocks[bname].start)
                vals.append(coo.data)

        def cat(parts: list[np.ndarray], dt: type) -> np.ndarray:
            return np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)

        a = sp.csr_array(
            (cat(vals, float), (cat(rows, np.int64), cat(cols, np.int64))),
            shape=(self.num_rows, self.num_cols),
        )
        a.sum_duplicates()
        c = np.zeros(self.num_cols)
        for bname, coef in self.objective.items():
            c[self.var_blocks[bname].cols] = coef
        vb = list(self.var_blocks.values())
        cb = list(self.con_blocks.values())

        def stack(parts: list[np.ndarray]) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0)

        return ModelArrays(
            sense=self.sense,
            c=c,
            offset=self.objective_offset,
            a=a,
            row_lb=stack([b.lb for b in cb]),
            row_ub=stack([b.ub for b in cb]),
            col_lb=stack([b.lb for b in vb]),
            col_ub=stack([b.ub for b in vb]),
            is_integer=stack([np.full(b.size, b.kind is not VarKind.CONTINUOUS) for b in vb]).astype(bool),
            integral_at_optimum=stack([np.full(b.size, b.integral_at_optimum) for b in vb]).astype(bool),
        )

    def row_label(self, row: int) -> tuple[str, object]:
        """Return ``(constraint block name, id)`` of a stacked row."""
        for con in self.con_blocks.values():
            if con.start <= row < con.start + con.size:
                return con.name, con.ids[row - con.start]
        raise IndexError(row)

    def col_label(self, col: int) -> tuple[str, object]:
        """Return ``(variable block name, id)`` of a stacked column."""
        for var in self.var_blocks.values():
            if var.start <= col < var.start + var.size:
                return var.name, var.ids[col - var.start]
        raise IndexError(col)

    def objective_value(self, v: np.ndarray) -> float:
        """Objective of a full solution vector."""
        return float(self.arrays.c @ v + self.arrays.offset)

    def max_violation(self, v: np.ndarray) -> float:
        """Largest violation of a row or bound by the full solution vector ``v``."""
        arr = self.arrays
        act = arr.a @ v
        parts = [
            arr.row_lb - act,
            act - arr.row_ub,
            arr.col_lb - v,
            v - arr.col_ub,
        ]
        worst = max((float(np.max(p, initial=0.0)) for p in parts), default=0.0)
        return max(worst, 0.0)
