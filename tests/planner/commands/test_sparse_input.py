"""`domeplan optimize` with the coverage as a sparse matrix (.npz) or Parquet pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

from cli import app
from planner.commands.optimize import optimize_from_files
from planner.errors import InputError

# Four points x y z w, sites A B C: A covers x; B covers y; C covers z and x (as the CSV test).
PAIRS = [("x", "A"), ("y", "B"), ("z", "C"), ("x", "C")]
DEMAND, SITES = ["x", "y", "z", "w"], ["A", "B", "C"]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "sites.csv").write_text("site_id,cost\nA,3\nB,2\nC,4\n")
    pd.DataFrame({"demand_id": DEMAND, "weight": [10, 5, 7, 0]}).to_parquet(tmp_path / "demand.parquet")
    rows = [DEMAND.index(d) for d, _ in PAIRS]
    cols = [SITES.index(s) for _, s in PAIRS]
    a = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(4, 3))
    sp.save_npz(tmp_path / "coverage.npz", a)  # COO: any scipy format is accepted
    pd.DataFrame({"demand_id": [d for d, _ in PAIRS], "site_id": [s for _, s in PAIRS]}).to_parquet(
        tmp_path / "pairs.parquet"
    )
    pd.DataFrame({"row": rows, "col": cols}).to_parquet(tmp_path / "positions.parquet")
    return {
        "sites": tmp_path / "sites.csv",
        "demand": tmp_path / "demand.parquet",
        "npz": tmp_path / "coverage.npz",
        "pairs": tmp_path / "pairs.parquet",
        "positions": tmp_path / "positions.parquet",
    }


@pytest.mark.parametrize("cov", ["npz", "pairs", "positions"])
def test_sparse_coverage_gives_the_csv_optimum(files: dict[str, Path], cov: str) -> None:
    out = optimize_from_files(sites=files["sites"], demand=files["demand"], coverage=files[cov], budget=6)
    # Budget 6 buys {B, C}: x, y, z covered (22), the optimum of the CSV test.
    assert out["status"] == "optimal" and out["objective"] == pytest.approx(22)
    assert out["sites"] == ["B", "C"] and out["method"] == "milp"


def test_wrong_shape_is_one_line(files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    sp.save_npz(bad, sp.csr_matrix(np.ones((3, 3))))
    with pytest.raises(InputError, match="does not match 4 demand points"):
        optimize_from_files(sites=files["sites"], demand=files["demand"], coverage=bad, budget=6)
    res = CliRunner().invoke(
        app,
        [
            "optimize",
            "--sites",
            str(files["sites"]),
            "--demand",
            str(files["demand"]),
            "--coverage",
            str(bad),
            "--budget",
            "6",
        ],
    )
    assert res.exit_code == 2 and "bad.npz" in res.output and "Traceback" not in res.output


def test_unknown_id_in_parquet_pairs(files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"demand_id": ["x", "q"], "site_id": ["A", "B"]}).to_parquet(bad)
    with pytest.raises(InputError, match="unknown id"):
        optimize_from_files(sites=files["sites"], demand=files["demand"], coverage=bad, budget=6)


def test_cli_reports_the_method(files: dict[str, Path]) -> None:
    res = CliRunner().invoke(
        app,
        [
            "optimize",
            "--sites",
            str(files["sites"]),
            "--demand",
            str(files["demand"]),
            "--coverage",
            str(files["npz"]),
            "--count",
            "2",
            "--method",
            "benders",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "method benders" in res.output


def test_inconsistent_npz_and_non_parquet_are_one_line(files: dict[str, Path], tmp_path: Path) -> None:
    # A coverage.npz whose column index points past the matrix (scipy would build it, then fail deep).
    bad = tmp_path / "inconsistent.npz"
    np.savez(
        bad,
        interceptor_data=np.ones(2),
        interceptor_indices=np.array([0, 9]),
        interceptor_indptr=np.array([0, 1, 2, 2, 2]),
        interceptor_shape=np.array([4, 3]),
    )
    with pytest.raises(InputError, match="inconsistent sparse matrix"):
        optimize_from_files(sites=files["sites"], demand=files["demand"], coverage=bad, budget=6)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        optimize_from_files(sites=files["sites"], demand=files["demand"], coverage=junk, budget=6)
