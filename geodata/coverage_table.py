"""Bring your own coverage: read a coverage table computed by another tool.

Three tables, each CSV or Parquet (by extension):

- sites: one row per candidate site, column ``site_id`` (other columns kept, e.g. ``lon``,
  ``lat``, ``cost_musd``, ``asset_type``);
- demand: one row per defended point, column ``demand_id`` (other columns kept, e.g.
  ``weight``);
- coverage: ``demand_id, site_id[, probability]``, one row per covered pair; pairs not listed are
  not covered. ``probability`` in [0, 1] (detection or engagement probability); without it every
  listed pair counts 1.

Ids are read as strings, so ``007`` stays ``007``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp


class CoverageTableError(ValueError):
    """A coverage, site or demand table that cannot be used; names the file and the bad value."""


@dataclass(frozen=True, eq=False)
class CoverageTable:
    """A coverage matrix with its labels.

    Attributes
    ----------
    matrix
        ``(n_demand, n_sites)`` CSR; ``int8`` ones, or ``float64`` probabilities.
    demand_ids, site_ids
        Row and column labels (str), in the order of the demand and site files.
    demand, sites
        The demand and site tables as read (all columns, ids as str).
    """

    matrix: sp.csr_array
    demand_ids: np.ndarray
    site_ids: np.ndarray
    demand: pd.DataFrame
    sites: pd.DataFrame

    def binary(self, min_probability: float = 0.0) -> sp.csr_array:
        """0/1 coverage: pairs with probability strictly above ``min_probability``."""
        m = self.matrix.copy()
        m.data = (m.data > min_probability).astype(np.int8)
        m.eliminate_zeros()
        return sp.csr_array(m, dtype=np.int8)


def _read(path: Path, id_columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"table not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = pd.read_csv(path, dtype={c: str for c in id_columns}, keep_default_na=False)
    elif suffix in {".parquet", ".pq"}:
        table = pd.read_parquet(path)
        for c in id_columns:
            if c in table.columns:
                table[c] = table[c].astype(str)
    else:
        raise CoverageTableError(f"{path}: unsupported table type {suffix!r}; use .csv or .parquet")
    missing = [c for c in id_columns if c not in table.columns]
    if missing:
        raise CoverageTableError(f"{path}: missing column(s) {missing}; columns are {list(table.columns)}")
    return table


def _index(table: pd.DataFrame, column: str, path: Path) -> pd.Index:
    ids = pd.Index(table[column].astype(str))
    blank = ids.str.strip() == ""
    if blank.any():
        raise CoverageTableError(f"{path}: column {column!r} row {int(np.flatnonzero(blank)[0])} is empty")
    if ids.has_duplicates:
        row = int(np.flatnonzero(ids.duplicated())[0])
        raise CoverageTableError(f"{path}: column {column!r} row {row}: duplicate id {ids[row]!r}")
    return ids


def _positions(values: pd.Series, index: pd.Index, path: Path, column: str, where: Path) -> np.ndarray:
    pos = index.get_indexer(values.astype(str))
    bad = pos < 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        n_bad = int(bad.sum())
        raise CoverageTableError(
            f"{path}: column {column!r} row {row}: unknown id {values.iloc[row]!r} "
            f"(not in {where}; {n_bad} unknown row(s) in all)"
        )
    return pos


def read_coverage_table(
    coverage_path: str | Path, sites_path: str | Path, demand_path: str | Path
) -> CoverageTable:
    """Read ``demand_id, site_id[, probability]`` pairs into a sparse matrix with id arrays.

    Raises
    ------
    CoverageTableError
        Naming the file, column, row and value: unknown or duplicate ids, missing columns,
        probabilities outside [0, 1], a pair listed twice.
    FileNotFoundError
        When a file does not exist.
    """
    cov_p, sites_p, dem_p = Path(coverage_path), Path(sites_path), Path(demand_path)
    sites = _read(sites_p, ("site_id",))
    demand = _read(dem_p, ("demand_id",))
    cov = _read(cov_p, ("demand_id", "site_id"))
    site_ix = _index(sites, "site_id", sites_p)
    dem_ix = _index(demand, "demand_id", dem_p)
    rows = _positions(cov["demand_id"], dem_ix, cov_p, "demand_id", dem_p)
    cols = _positions(cov["site_id"], site_ix, cov_p, "site_id", sites_p)
    pair = rows.astype(np.int64) * max(len(site_ix), 1) + cols
    dup = pd.Series(pair).duplicated().to_numpy()
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        raise CoverageTableError(
            f"{cov_p}: row {r}: pair ({cov['demand_id'].iloc[r]!r}, {cov['site_id'].iloc[r]!r}) "
            "is listed more than once"
        )
    shape = (len(dem_ix), len(site_ix))
    if "probability" in cov.columns:
        prob = pd.to_numeric(cov["probability"], errors="coerce").to_numpy(dtype=float)
        bad = ~((prob >= 0) & (prob <= 1))
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise CoverageTableError(
                f"{cov_p}: column 'probability' row {r}: {cov['probability'].iloc[r]!r} "
                "is not a number in [0, 1]"
            )
        matrix = sp.csr_array((prob, (rows, cols)), shape=shape)
    else:
        matrix = sp.csr_array((np.ones(rows.size, np.int8), (rows, cols)), shape=shape)
    matrix.sort_indices()
    return CoverageTable(
        matrix=matrix,
        demand_ids=dem_ix.to_numpy(dtype=str),
        site_ids=site_ix.to_numpy(dtype=str),
        demand=demand,
        sites=sites,
    )
