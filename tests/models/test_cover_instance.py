"""CoverInstance's coverage matrices: every nonzero entry is coverage, nothing else is.

Oracle: the dense 0/1 pattern written by hand.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from models import CoverInstance


def test_stored_zeros_are_not_coverage() -> None:
    a = sp.csr_array((np.array([0.0, 1.0]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2))
    assert a.nnz == 2  # the zero at (0, 0) is stored
    inst = CoverInstance(w=np.ones(2), c=np.ones(2), a=a, count=1)
    assert inst.a.toarray().tolist() == [[0, 0], [0, 1]] and inst.a.nnz == 1
    assert a.nnz == 2  # the caller's matrix is left as it was


def test_fractional_and_duplicate_entries_are_coverage() -> None:
    """0.5 is coverage (a cast to int8 first would make it 0); duplicates summing to 2 stay 1."""
    coo = sp.coo_array((np.array([0.5, 1.0, 1.0]), (np.array([0, 1, 1]), np.array([1, 0, 0]))), shape=(2, 2))
    inst = CoverInstance(w=np.ones(2), c=np.ones(2), a=coo, count=1)
    assert inst.a.toarray().tolist() == [[0, 1], [1, 0]] and inst.a.dtype == np.int8
