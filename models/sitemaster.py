r"""The restricted site LP of maximal covering, kept in one HiGHS model and grown in place.

Over a working set :math:`W` of sites, the LP relaxation of maximal covering

.. math::

    \max \sum_g w_g z_g \quad\text{s.t.}\quad z_g - \sum_{j \in N_W(g)} y_j \le 0 \ (\forall g),\quad
    \sum_j y_j \le p,\ \sum_j c_j y_j \le B,\ \sum_{j \in t} y_j \le M_t,\quad
    0 \le y, z \le 1

has one row per *group* :math:`g` of points with the same coverage pattern
:math:`N_W(g) = N(i) \cap W` (exact: points with one pattern take one value in every optimal
solution; :math:`w_g` is the group's weight). Points :math:`W` does not cover are left out.

:class:`SiteMaster` adds sites :math:`S` to :math:`W` without rebuilding: a group whose points
the new sites split (their patterns over :math:`S` differ) keeps its row for one part, with its
weight changed, and each other part gets a new row copying the group's coefficients over the old
:math:`W` plus its own over :math:`S`; points first covered get new rows. HiGHS keeps its basis
across these changes (new rows basic, new columns at zero: still primal feasible), so each round
re-optimises from the last basis by primal simplex instead of solving from scratch.

The row duals :math:`\lambda_g` are shared among a group's points in proportion to weight
(:meth:`SiteMaster.point_duals`), points outside every group get :math:`\lambda_i = w_i`; any such
vector in :math:`[0, w]` gives a valid Lagrangian bound (:mod:`models.decompose`).

Length: :meth:`SiteMaster.add_sites` is one in-place update of the LP (split the groups, reweight
the kept rows, add the new rows, then the new site columns); its steps share the split's arrays.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.engines.highs_engine import apply_options
from models.instance import CoverInstance
from models.result import SolveOptions
from models.rows import distinct_rows

INF = float("inf")


def pattern_groups(sub: sp.csr_array, parent: np.ndarray | None = None) -> np.ndarray:
    """Group of each row of ``sub``.

    Rows with the same pattern (and the same ``parent``) share a group; groups are numbered in the
    order of their first row (vectorised, :func:`models.rows.distinct_rows`).
    """
    mats = [sp.csr_array(sub, dtype=float)]
    if parent is not None:
        k = mats[0].shape[0]
        tag = np.asarray(parent, dtype=np.int64) - int(parent.min(initial=0))
        mats.append(sp.csr_array((np.ones(k), (np.arange(k), tag)), shape=(k, int(tag.max(initial=0)) + 1)))
    return distinct_rows(sp.hstack(mats, format="csr"))[1]


class SiteMaster:
    """The restricted LP over a growing working set of sites (see the module docstring)."""

    def __init__(self, inst: CoverInstance, at: sp.csr_array, options: SolveOptions | None = None) -> None:
        import highspy

        self.inst, self.at = inst, at
        self.gid = np.full(inst.m, -1, dtype=np.int64)  # group of each point, -1: uncovered
        self.gw = np.zeros(0)  # group weights
        self.gcount = np.zeros(0, dtype=np.int64)  # points per group
        self.grep = np.zeros(0, dtype=np.int64)  # one point of each group
        self.grow = np.zeros(0, dtype=np.int64)  # HiGHS row of each group
        self.gz = np.zeros(0, dtype=np.int64)  # HiGHS column of each group's z
        self.ycol = np.full(inst.n, -1, dtype=np.int64)  # HiGHS column of each working site
        self.sites = np.zeros(0, dtype=np.int64)  # working sites, in the order added
        h = highspy.Highs()
        # The caller's seed, threads and verbosity; the time limit is set per solve.
        options = options or SolveOptions(threads=1)
        apply_options(h, replace(options, time_limit_s=None, threads=options.threads or 1), {})
        # Primal simplex: measured 2.4 s against dual 19 s and IPM 11 s on a 14,000 × 570 LP, and
        # the basis stays primal feasible as columns and rows are added.
        h.setOptionValue("simplex_strategy", 4)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h, self.ncol, self.nrow = h, 0, 0
        self.optimal = False
        self.stats: dict[str, Any] = {}
        self.side: dict[str, np.ndarray] = {}
        uppers: list[tuple[str, np.ndarray]] = []
        if inst.count is not None:
            uppers.append(("count", np.array([float(inst.count)])))
        if inst.budget is not None:
            uppers.append(("budget", np.array([float(inst.budget)])))
        if inst.type_max is not None and inst.site_type is not None:
            uppers.append(("type_max", np.asarray(inst.type_max, dtype=float)))
        for name, upper in uppers:
            self.side[name] = self._add_rows(upper.size, np.zeros(0, np.int32), np.zeros(0, np.int32), upper)

    def _add_rows(self, k: int, starts: np.ndarray, idx: np.ndarray, upper: np.ndarray) -> np.ndarray:
        starts = np.zeros(k, np.int32) if starts.size == 0 else starts.astype(np.int32)
        self.h.addRows(
            k, np.full(k, -INF), upper, int(idx.size), starts, idx.astype(np.int32), np.ones(idx.size)
        )
        rows = np.arange(self.nrow, self.nrow + k)
        self.nrow += k
        return rows

    def _add_cols(self, cost: np.ndarray, csc: sp.csc_array | None) -> np.ndarray:
        k = cost.size
        if csc is None:
            starts, idx, val = np.zeros(k, np.int32), np.zeros(0, np.int32), np.zeros(0)
        else:
            starts, idx, val = csc.indptr[:-1].astype(np.int32), csc.indices.astype(np.int32), csc.data
        self.h.addCols(k, cost, np.zeros(k), np.ones(k), int(idx.size), starts, idx, val)
        cols = np.arange(self.ncol, self.ncol + k)
        self.ncol += k
        return cols

    def add_sites(self, new: np.ndarray) -> None:
        """Add sites ``new`` (not yet in the working set) to the restricted LP."""
        new = np.asarray(new, dtype=np.int64)
        new = new[self.ycol[new] < 0]
        if new.size == 0:
            return
        inst = self.inst
        sub = sp.csr_array(sp.csr_array(self.at[new]).T)  # points × new sites
        pts = np.flatnonzero(np.diff(sub.indptr) > 0)
        sub_p = sp.csr_array(sub[pts])
        parent_of_pt = self.gid[pts]
        part = pattern_groups(sub_p, parent_of_pt)  # part of each touched point
        nparts = int(part.max()) + 1 if part.size else 0
        first = np.full(nparts, -1, dtype=np.int64)
        first[part[::-1]] = np.arange(pts.size)[::-1]
        part_parent = parent_of_pt[first]
        part_w = np.bincount(part, weights=inst.w[pts], minlength=nparts)
        part_n = np.bincount(part, minlength=nparts)
        # Which part reuses its parent's row: the parent's first part, when every point of the
        # parent is touched (otherwise the untouched remainder keeps the row).
        g_old = self.gw.size
        has_parent = part_parent >= 0
        touched_n = np.bincount(part_parent[has_parent], weights=part_n[has_parent], minlength=g_old)
        reuse = np.zeros(nparts, dtype=bool)
        full = np.zeros(g_old, dtype=bool)
        full[: touched_n.size] = touched_n.astype(np.int64) == self.gcount
        cand = np.flatnonzero(has_parent)
        cand = cand[full[part_parent[cand]]]
        if cand.size:
            _, pos = np.unique(part_parent[cand], return_index=True)
            reuse[cand[pos]] = True
        # Old groups shrink (their touched parts leave) or are taken over by the reusing part.
        shrink = np.flatnonzero(has_parent & ~reuse)
        np.subtract.at(self.gw, part_parent[shrink], part_w[shrink])
        np.subtract.at(self.gcount, part_parent[shrink], part_n[shrink])
        ru = np.flatnonzero(reuse)
        self.gw[part_parent[ru]] = part_w[ru]
        self.grep[part_parent[ru]] = pts[first[ru]]
        changed = np.unique(part_parent[has_parent])
        changed = changed[self.gcount[changed] > 0]
        if changed.size:
            self.h.changeColsCost(int(changed.size), self.gz[changed].astype(np.int32), self.gw[changed])
        # New groups: a z column each, then a row copying the parent's old coefficients.
        fresh = np.flatnonzero(~reuse)
        part_group = np.empty(nparts, dtype=np.int64)
        part_group[ru] = part_parent[ru]
        part_group[fresh] = g_old + np.arange(fresh.size)
        zcols = self._add_cols(part_w[fresh], None)
        old_pat = self._old_pattern(pts[first[fresh]], part_parent[fresh])
        starts, idx, val = self._row_entries(zcols, old_pat)
        self.h.addRows(
            int(fresh.size), np.full(fresh.size, -INF), np.zeros(fresh.size), int(idx.size), starts, idx, val
        )
        grows = np.arange(self.nrow, self.nrow + fresh.size)
        self.nrow += fresh.size
        self.gw = np.concatenate([self.gw, part_w[fresh]])
        self.gcount = np.concatenate([self.gcount, part_n[fresh]])
        self.grep = np.concatenate([self.grep, pts[first[fresh]]])
        self.grow = np.concatenate([self.grow, grows])
        self.gz = np.concatenate([self.gz, zcols])
        self.gid[pts] = part_group[part]
        # New site columns: -1 in the row of every part they cover, and the side rows.
        pat = sp.csr_array(sub_p[first])  # parts × new sites
        coo = sp.coo_array(pat)
        entries = sp.csc_array(
            (-np.ones(coo.nnz), (self.grow[part_group[coo.row]], coo.col)), shape=(self.nrow, new.size)
        )
        side = self._side_entries(new)
        if side is not None:
            entries = sp.csc_array(entries + side)
        entries.sort_indices()
        ycols = self._add_cols(np.zeros(new.size), entries)
        self.ycol[new] = ycols
        self.sites = np.concatenate([self.sites, new])

    def _old_pattern(self, reps: np.ndarray, parents: np.ndarray) -> sp.csr_array:
        """HiGHS y columns of each new row's parent pattern over the old working set."""
        k = reps.size
        rows = sp.csr_array(self.inst.a[reps])
        coo = sp.coo_array(rows)
        col = self.ycol[coo.col]
        keep = (col >= 0) & (parents[coo.row] >= 0)
        return sp.csr_array(
            (np.ones(int(keep.sum())), (coo.row[keep], col[keep])), shape=(k, max(self.ncol, 1))
        )

    @staticmethod
    def _row_entries(zcols: np.ndarray, old_pat: sp.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if zcols.size == 0:
            return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
        counts = np.diff(old_pat.indptr) + 1
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        idx = np.empty(int(counts.sum()), dtype=np.int32)
        val = np.empty(idx.size)
        idx[starts] = zcols
        val[starts] = 1.0
        mask = np.ones(idx.size, dtype=bool)
        mask[starts] = False
        idx[mask] = old_pat.indices
        val[mask] = -1.0
        return starts, idx, val

    def _side_entries(self, new: np.ndarray) -> sp.csc_array | None:
        """Entries of the new site columns in the side rows (count, budget, type maxima)."""
        if not self.side:
            return None
        rows, cols, vals = [], [], []
        k = np.arange(new.size)
        if "count" in self.side:
            rows.append(np.full(new.size, self.side["count"][0]))
            cols.append(k)
            vals.append(np.ones(new.size))
        if "budget" in self.side:
            rows.append(np.full(new.size, self.side["budget"][0]))
            cols.append(k)
            vals.append(np.asarray(self.inst.c[new], dtype=float))
        if "type_max" in self.side and self.inst.site_type is not None:
            rows.append(self.side["type_max"][self.inst.site_type[new]])
            cols.append(k)
            vals.append(np.ones(new.size))
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        # Side rows were added first: their indices are below every group row.
        return sp.csc_array((v, (r, c)), shape=(self.nrow, new.size))

    def solve(
        self, time_limit_s: float | None = None, *, ipm: bool = False
    ) -> tuple[float, np.ndarray, dict[str, Any]]:
        """Re-optimise; the LP value, ``y`` over :attr:`sites`, and the side rows' duals.

        Stopped at ``time_limit_s``, the values are the last iterate's (the LP value is then not
        the restricted LP's optimum, but the duals still give valid bounds once clipped; an
        interior-point iterate stopped early has had no crossover, so nearly every ``y`` is
        positive and its support means nothing). ``ipm`` solves by interior point with crossover
        (for a large first LP). :attr:`stats` then holds HiGHS's own account of the solve: its
        model status and its simplex, interior-point and crossover iteration counts.
        """
        import highspy

        self.h.setOptionValue("solver", "ipm" if ipm else "simplex")

        # HiGHS 1.15 measures time_limit on the object's run clock, which keeps counting across
        # run() calls (HiGHS issue #1477): the limit is the time run so far plus this solve's share.
        limit = INF if time_limit_s is None else self.h.getRunTime() + float(time_limit_s)
        self.h.setOptionValue("time_limit", limit)
        self.h.run()
        status = self.h.getModelStatus()
        ok = (
            highspy.HighsModelStatus.kOptimal,
            highspy.HighsModelStatus.kUnknown,
            highspy.HighsModelStatus.kTimeLimit,
            highspy.HighsModelStatus.kIterationLimit,
        )
        if status not in ok:
            raise RuntimeError(f"restricted LP ended {self.h.modelStatusToString(status)}")
        self.optimal = status == highspy.HighsModelStatus.kOptimal
        info = self.h.getInfo()
        self.stats = {
            "status": self.h.modelStatusToString(status),
            "ipm_iterations": int(info.ipm_iteration_count),
            "crossover_iterations": int(info.crossover_iteration_count),
            "simplex_iterations": int(info.simplex_iteration_count),
        }
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value)
        self._row_dual = np.abs(np.asarray(sol.row_dual))
        duals = {name: self._row_dual[rows] for name, rows in self.side.items()}
        return float(info.objective_function_value), col[self.ycol[self.sites]], duals

    def point_duals(self) -> np.ndarray:
        r"""Cover multipliers :math:`\lambda \in [0, w]` of every point (see the module docstring)."""
        w = self.inst.w
        lam_g = np.minimum(self._row_dual[self.grow], self.gw)
        lam = w.copy()
        cov = self.gid >= 0
        g = self.gid[cov]
        share = np.divide(w[cov], self.gw[g], out=np.zeros(g.size), where=self.gw[g] > 0)
        lam[cov] = np.minimum(lam_g[g] * share, w[cov])
        return lam

    @property
    def groups(self) -> int:
        """Rows of the restricted LP that carry points."""
        return int((self.gcount > 0).sum())
