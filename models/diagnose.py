"""Infeasibility diagnosis in the model's own words.

First HiGHS's irreducible infeasible subsystem (IIS) of the LP relaxation
(``iis_strategy = FromLp | Irreducible``): when the relaxation is already infeasible, the rows
in the IIS are a minimal set of constraints that cannot hold together. When only integrality
makes the model infeasible the LP has no IIS; then CP-SAT is asked for a core: every row gets an
enforcement literal, the literals are assumed, and ``sufficient_assumptions_for_infeasibility``
names rows that cannot hold together (a core, not always minimal).

Every conflicting row is reported as ``(constraint block, id)`` with a sentence built from the
block's meaning, e.g. ``required_cover[d17]: point d17 must be covered`` and
``budget: total cost must stay within 2500``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models import names
from models.linear import LinearModel


@dataclass(frozen=True)
class Conflict:
    """One constraint (row) or variable bound taking part in an infeasibility."""

    block: str
    id: Any
    text: str
    is_bound: bool = False


@dataclass(frozen=True)
class Diagnosis:
    """The constraints in conflict, and how they were found."""

    method: str
    conflicts: tuple[Conflict, ...] = field(default_factory=tuple)

    @property
    def found(self) -> bool:
        """Whether a conflicting set was identified."""
        return bool(self.conflicts)

    def summary(self) -> str:
        """One line naming the conflicting constraints (bounds of binary sites left out)."""
        rows = [c.text for c in self.conflicts if not c.is_bound]
        if not rows:
            return "infeasible, but no conflicting set of constraints was identified"
        return "these constraints cannot all hold: " + "; ".join(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "method": self.method,
            "summary": self.summary(),
            "conflicts": [
                {"constraint": c.block, "id": _jsonable(c.id), "text": c.text, "bound": c.is_bound}
                for c in self.conflicts
            ],
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v if isinstance(v, (int, float, str)) or v is None else str(v)


def describe_row(model: LinearModel, row: int) -> Conflict:
    """A sentence for one stacked row, in the words of its constraint block."""
    block, ident = model.row_label(row)
    con = model.con_blocks[block]
    k = row - con.start
    lb, ub = con.lb[k], con.ub[k]
    empty = all(mat.indptr[k + 1] == mat.indptr[k] for mat in con.terms.values())
    fmt = f"{ub:g}" if np.isfinite(ub) else f"{lb:g}"
    text = {
        names.REQUIRED_COVER: f"point {ident} must be covered"
        + (" (no candidate site covers it)" if empty else ""),
        names.BUDGET: f"total cost must stay within {fmt}",
        names.COUNT: f"at most {fmt} sites may be chosen",
        names.TYPE_MAX: f"at most {fmt} sites of type {ident}",
        names.TYPE_MIN: f"at least {fmt} sites of type {ident}",
        names.EXISTING: f"existing site {ident} must stay",
        names.EXCLUSIVE: f"sites {ident[0]} and {ident[1]} exclude each other"
        if isinstance(ident, tuple) else f"exclusive pair {ident}",
        names.PARTNER_SHARE: f"partner {ident} must get at least {lb:g} of weight defended",
    }.get(block, "")
    label = block if ident == block else f"{block}[{ident}]"
    return Conflict(block=block, id=ident, text=f"{label}: {text}" if text else label)


def _highs_iis(model: LinearModel) -> Diagnosis:
    import highspy

    from models.engines.highs_engine import build_highs

    h = build_highs(model)
    # An IIS of the LP relaxation explains the conflict only when the relaxation itself is
    # infeasible. When only integrality makes the model infeasible, HiGHS (1.16) spends tens of
    # seconds and returns no valid IIS, so that case goes straight to CP-SAT's cores.
    n = model.num_cols
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
        return Diagnosis(method="highs-iis")
    strategy = int(highspy.IisStrategy.kIisStrategyFromLp) | int(highspy.IisStrategy.kIisStrategyIrreducible)
    h.setOptionValue("iis_strategy", strategy)
    status, iis = h.getIis()
    if status != highspy.HighsStatus.kOk or not iis.valid_:
        return Diagnosis(method="highs-iis")
    conflicts = [describe_row(model, int(r)) for r in iis.row_index_]
    for c in iis.col_index_:
        block, ident = model.col_label(int(c))
        conflicts.append(Conflict(block=block, id=ident, text=f"bounds of {block}[{ident}]", is_bound=True))
    return Diagnosis(method="highs-iis", conflicts=tuple(conflicts))


def _cpsat_core(model: LinearModel, time_limit_s: float) -> Diagnosis:
    from models.engines.cpsat_engine import CpSatEngine

    engine = CpSatEngine()
    if not engine.available():
        return Diagnosis(method="cpsat-assumptions")
    if engine.isolated():
        rows = engine.run_in_worker("core_here", model=model, time_limit_s=time_limit_s)
    else:
        rows = engine.core_here(model, time_limit_s)
    return Diagnosis(method="cpsat-assumptions", conflicts=tuple(describe_row(model, r) for r in rows))


def diagnose(model: LinearModel, *, time_limit_s: float = 30.0) -> Diagnosis:
    """Name the constraints of an infeasible ``model`` that cannot hold together."""
    try:
        diag = _highs_iis(model)
    except ImportError:
        diag = Diagnosis(method="highs-iis")
    if diag.found and any(not c.is_bound for c in diag.conflicts):
        return diag
    from models.engines.base import UnsupportedModelError

    try:  # CP-SAT cores need an all-integer model; a model with continuous blocks keeps HiGHS's answer
        return _cpsat_core(model, time_limit_s)
    except UnsupportedModelError:
        return diag
