r"""Fire control shared by the two engagement models: sensor dominance and the per-level rows.

Both :mod:`models.formulations.engagement` (the kill-chain MILP) and
:mod:`models.adversary.engagement` (the defender's multi-scenario model) cap the shots at a shot
opportunity ("pair") :math:`p` by the sensors built: the :math:`k`-th shot needs a built sensor
:math:`s` with :math:`f_{ps} \ge k`. This module holds what they share, on plain arrays:

* :func:`dominated`: the sensors another one replaces at no more cost;
* :func:`fire_control_levels`: the rows :math:`(p, k)`, :math:`k = 1..\bar n_p`, and for each
  the set :math:`\{s : f_{ps} \ge k\}`.

Each model writes its own constraint rows from the levels, because their rows differ in
meaning: the kill-chain MILP groups equal sets into one :math:`w_g` (``fire_track`` /
``fire_set``), while the adversary model writes the sum over the set directly, once per attacker
scenario with that scenario's surviving sensors (``fire_control@s.k``). Grouping there would
add variables per scenario and change its LP relaxation (and so the decompositions' iterates),
so it is left ungrouped.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def dominated(fire_control: sp.csr_array, cost: np.ndarray, existing: np.ndarray | None) -> np.ndarray:
    r"""Mask of sensors dominated by another: no cheaper to drop, never better anywhere.

    ``fire_control`` is ``(pairs, sensors)`` :math:`f_{ps} \ge 0`. Sensor :math:`s` is dominated
    by :math:`r \ne s` when :math:`c_r \le c_s`, :math:`f_{pr} \ge f_{ps}` at every pair, and
    :math:`r` is strictly better somewhere (a lower cost or a larger :math:`f`) or, on a tie,
    has the lower index. A strict partial order: every dominated sensor has an undominated one
    above it, so all of them can be dropped at once. ``existing`` sensors are never dominated.

    :math:`f_{pr} \ge f_{ps}\ \forall p` is checked level by level over the distinct positive
    values :math:`v` of :math:`f` (the sets :math:`\{p : f_{ps} \ge v\}` nested), sparse and
    exact for any nonnegative :math:`f`.
    """
    n_s = fire_control.shape[1]
    keep_ex = np.zeros(n_s, bool) if existing is None else np.asarray(existing, bool)
    if n_s < 2:
        return np.zeros(n_s, bool)
    fc = sp.csr_array(fire_control)
    ok = np.ones((n_s, n_s), bool)  # ok[s, r]: f[:, r] >= f[:, s] everywhere
    for v in np.unique(fc.data[fc.data > 0]):
        b = sp.csr_array((fc >= v).astype(np.float64))
        inter = (b.T @ b).toarray()
        ok &= inter >= np.asarray(b.sum(axis=0)).ravel()[:, None] - 0.5
    c = np.asarray(cost, float)
    idx = np.arange(n_s)
    strict = ~ok.T  # r strictly better somewhere than s when s does not cover r
    better = ok & (
        (c[None, :] < c[:, None]) | ((c[None, :] == c[:, None]) & (strict | (idx[None, :] < idx[:, None])))
    )
    np.fill_diagonal(better, False)
    return better.any(axis=1) & ~keep_ex


def fire_control_levels(
    fire_control: sp.csr_array, n_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray, sp.csr_array]:
    r"""The fire-control rows :math:`(p, k)` for :math:`k = 1..\bar n_p` and their sensor sets.

    Returns ``(pair, level, sets)``: rows ordered by level, then pair; ``sets`` is
    ``(rows, sensors)`` 0/1 with a 1 where :math:`f_{ps} \ge k`. ``n_max`` is
    :math:`\bar n_p` per row of ``fire_control`` (integer).
    """
    coo = sp.coo_array(fire_control)
    parts, pk_p, pk_k = [], [], []
    row = 0
    for k in range(1, int(np.max(n_max, initial=0)) + 1):
        pk = np.flatnonzero(n_max >= k)
        pos = np.full(len(n_max), -1)
        pos[pk] = row + np.arange(pk.size)
        sel = (coo.data >= k) & (pos[coo.row] >= 0)
        parts.append((pos[coo.row[sel]], coo.col[sel]))
        pk_p.append(pk)
        pk_k.append(np.full(pk.size, k))
        row += pk.size
    if row == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), sp.csr_array((0, fire_control.shape[1]))
    rr = np.concatenate([r for r, _ in parts])
    cc = np.concatenate([c for _, c in parts])
    sets = sp.csr_array((np.ones(rr.size), (rr, cc)), shape=(row, fire_control.shape[1]))
    return np.concatenate(pk_p), np.concatenate(pk_k), sets
