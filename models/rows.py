"""Distinct rows of a sparse matrix, found exactly and vectorised.

Instances repeat themselves. In an engagement, every threat flying the same track has the same
shot opportunities and fire-control rows, and every pair whose window opens after the same cues
has the same sensor set. In maximal covering, points with the same coverage pattern over a
working set of sites are covered together by every plan. :func:`distinct_rows` groups equal rows
so that rows, sets and comparisons are built once per group.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _canonical(a: sp.sparray | sp.spmatrix) -> sp.csr_array:
    out = sp.csr_array(a, dtype=np.float64, copy=True)
    out.sum_duplicates()
    out.eliminate_zeros()
    out.sort_indices()
    return out


def distinct_rows(a: sp.sparray | sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """``(first, group)``: ``a[first[g]]`` is group ``g``'s row and row ``i`` equals ``a[first[group[i]]]``.

    Groups are numbered by their first row. Rows are hashed by two fixed random projections (equal
    rows in canonical CSR give bit-identical sums); the grouping is then verified entry by entry,
    and a hash collision (never seen) falls back to comparing the rows' bytes, so the result is
    exact either way.
    """
    c = _canonical(a)
    n = c.shape[0]
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rng = np.random.default_rng(20261129)
    keys = np.column_stack([c @ rng.random(c.shape[1]), c @ rng.random(c.shape[1]), np.diff(c.indptr)])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    first, inverse = _renumber(first, inverse.ravel())
    diff = c - sp.csr_array(c[first[inverse]])
    diff.eliminate_zeros()
    if diff.nnz == 0:
        return first, inverse
    return _by_bytes(c)  # pragma: no cover - a hash collision


def _renumber(first: np.ndarray, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number groups in the order of their first row."""
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order].astype(np.int64), rank[inverse].astype(np.int64)


def _by_bytes(c: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    seen: dict[bytes, int] = {}
    first: list[int] = []
    group = np.empty(c.shape[0], np.int64)
    for i in range(c.shape[0]):
        lo, hi = c.indptr[i], c.indptr[i + 1]
        key = c.indices[lo:hi].tobytes() + c.data[lo:hi].tobytes()
        g = seen.setdefault(key, len(first))
        if g == len(first):
            first.append(i)
        group[i] = g
    return np.asarray(first, np.int64), group
