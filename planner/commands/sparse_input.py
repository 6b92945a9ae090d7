"""Coverage as a sparse-matrix file, so that a million-point instance is not a gigabyte of text.

``domeplan optimize --coverage FILE`` accepts, besides ``coverage.csv``:

* ``.npz`` — a matrix written by ``scipy.sparse.save_npz`` (any format: CSR, CSC, COO), or the
  ``coverage.npz`` of ``domeplan coverage`` (its ``interceptor`` layer, or ``sensor`` when it holds
  only that). Rows follow the demand file's order, columns the sites file's order; any non-zero
  entry means "covers".
* ``.parquet`` — columns ``demand_id, site_id`` (ids as in the other two files), or integer
  columns ``row, col`` (positions in the demand and sites files).

``sites`` and ``demand`` may be ``.parquet`` files with the CSV columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.errors import InputError


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file, every reading failure as one line naming the file."""
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (OSError, ValueError, ImportError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"not a readable Parquet file ({str(exc).splitlines()[0]})", file=path) from None


def read_parquet_table(path: Path) -> pd.DataFrame:
    """A Parquet file as a table of strings (the CSV reader's view)."""
    return _read_parquet(path).astype(str)


def _npz_matrix(path: Path) -> sp.csr_array:
    a = _npz_arrays(path)
    try:  # scipy builds a matrix from inconsistent arrays; checking them first keeps the error one line
        a.check_format(full_check=True)
    except ValueError as exc:
        raise InputError(f"inconsistent sparse matrix ({exc})", file=path) from None
    return a


def _npz_arrays(path: Path) -> sp.csr_array:
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)
            for layer in ("interceptor", "sensor"):
                if f"{layer}_indptr" in keys:
                    return sp.csr_array(
                        (z[f"{layer}_data"], z[f"{layer}_indices"], z[f"{layer}_indptr"]),
                        shape=tuple(z[f"{layer}_shape"]),
                    )
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a readable .npz file ({str(exc).splitlines()[0]})", file=path) from None
    try:
        return sp.csr_array(sp.load_npz(path))
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"not a scipy.sparse .npz matrix ({exc})", file=path) from None


def _parquet_pairs(path: Path, demand_ids: np.ndarray, site_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    df = _read_parquet(path)
    if {"row", "col"} <= set(df.columns):
        rows, cols = df["row"].to_numpy(), df["col"].to_numpy()
        for name, v, k in (("row", rows, demand_ids.size), ("col", cols, site_ids.size)):
            if not np.issubdtype(v.dtype, np.integer):
                raise InputError("must be integer positions", file=path, field=name)
            bad = np.flatnonzero((v < 0) | (v >= k))
            if bad.size:
                raise InputError(
                    f"position out of range 0..{k - 1}",
                    file=path,
                    field=f"{name} (row {int(bad[0])})",
                    value=int(v[bad[0]]),
                )
        return rows.astype(np.int64), cols.astype(np.int64)
    for col in ("demand_id", "site_id"):
        if col not in df.columns:
            raise InputError("missing column (expected demand_id, site_id or row, col)", file=path, field=col)
    out = []
    for col, ids in (("demand_id", demand_ids), ("site_id", site_ids)):
        pos = pd.Index(ids.astype(str)).get_indexer(df[col].astype(str))
        if (pos < 0).any():
            i = int(np.flatnonzero(pos < 0)[0])
            raise InputError("unknown id", file=path, field=f"{col} (row {i})", value=df[col].iloc[i])
        out.append(pos.astype(np.int64))
    return out[0], out[1]


def read_coverage_matrix(path: Path, demand_ids: np.ndarray, site_ids: np.ndarray) -> sp.csr_array:
    """The 0/1 coverage matrix (demand rows × site columns) from a ``.npz`` or ``.parquet`` file."""
    m, n = demand_ids.size, site_ids.size
    if path.suffix == ".npz":
        a = _npz_matrix(path)
        if a.shape != (m, n):
            raise InputError(
                f"matrix shape {a.shape[0]} × {a.shape[1]} does not match {m} demand points × {n} sites",
                file=path,
            )
        a.eliminate_zeros()
        return sp.csr_array((np.ones(a.nnz, dtype=np.int8), a.indices, a.indptr), shape=(m, n))
    rows, cols = _parquet_pairs(path, demand_ids, site_ids)
    a = sp.csr_array((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(m, n))
    a.sum_duplicates()
    a.data[:] = 1
    return a
