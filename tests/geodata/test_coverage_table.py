import numpy as np
import pandas as pd
import pytest

from geodata.coverage_table import CoverageTableError, read_coverage_table


def _write(tmp_path, kind, frames):
    paths = []
    for name, df in zip(("coverage", "sites", "demand"), frames, strict=True):
        p = tmp_path / f"{name}.{kind}"
        df.to_csv(p, index=False) if kind == "csv" else df.to_parquet(p, index=False)
        paths.append(p)
    return paths


SITES = pd.DataFrame({"site_id": ["s1", "s2", "007"], "cost_musd": [1.0, 2.0, 3.0]})
DEMAND = pd.DataFrame({"demand_id": ["d1", "d2"], "weight": [5.0, 7.0]})


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_reads_binary_and_probability(tmp_path, kind):
    cov = pd.DataFrame({"demand_id": ["d2", "d1", "d1"], "site_id": ["007", "s1", "s2"]})
    table = read_coverage_table(*_write(tmp_path, kind, [cov, SITES, DEMAND]))
    assert table.site_ids.tolist() == ["s1", "s2", "007"]  # ids stay strings: 007, not 7
    assert table.demand_ids.tolist() == ["d1", "d2"]
    assert table.matrix.dtype == np.int8
    np.testing.assert_array_equal(table.matrix.toarray(), [[1, 1, 0], [0, 0, 1]])
    prob = cov.assign(probability=[0.9, 0.5, 0.0])
    table = read_coverage_table(*_write(tmp_path, kind, [prob, SITES, DEMAND]))
    np.testing.assert_allclose(table.matrix.toarray(), [[0.5, 0.0, 0], [0, 0, 0.9]])
    np.testing.assert_array_equal(table.binary(0.6).toarray(), [[0, 0, 0], [0, 0, 1]])
    assert table.sites["cost_musd"].tolist() == [1.0, 2.0, 3.0]


def test_unknown_ids_name_file_and_value(tmp_path):
    cov = pd.DataFrame({"demand_id": ["d1", "d9"], "site_id": ["s1", "s1"]})
    paths = _write(tmp_path, "csv", [cov, SITES, DEMAND])
    with pytest.raises(CoverageTableError, match=r"coverage\.csv.*'demand_id' row 1.*'d9'.*demand\.csv"):
        read_coverage_table(*paths)
    cov = pd.DataFrame({"demand_id": ["d1"], "site_id": ["7"]})
    with pytest.raises(CoverageTableError, match=r"unknown id '7'.*sites\.csv"):
        read_coverage_table(*_write(tmp_path, "csv", [cov, SITES, DEMAND]))


@pytest.mark.parametrize(
    ("cov", "sites", "fragment"),
    [
        (pd.DataFrame({"demand_id": ["d1"], "site_id": ["s1"], "probability": [1.5]}), SITES, "1.5"),
        (pd.DataFrame({"demand_id": ["d1", "d1"], "site_id": ["s1", "s1"]}), SITES, "more than once"),
        (pd.DataFrame({"demand_id": ["d1"]}), SITES, "missing column"),
        (
            pd.DataFrame({"demand_id": ["d1"], "site_id": ["s1"]}),
            pd.DataFrame({"site_id": ["s1", "s1"]}),
            "duplicate id 's1'",
        ),
    ],
)
def test_bad_tables(tmp_path, cov, sites, fragment):
    with pytest.raises(CoverageTableError, match=fragment):
        read_coverage_table(*_write(tmp_path, "csv", [cov, sites, DEMAND]))


def test_bad_extension_and_missing_file(tmp_path):
    paths = _write(tmp_path, "csv", [pd.DataFrame({"demand_id": [], "site_id": []}), SITES, DEMAND])
    assert read_coverage_table(*paths).matrix.nnz == 0
    with pytest.raises(FileNotFoundError):
        read_coverage_table(tmp_path / "nope.csv", paths[1], paths[2])
    xlsx = tmp_path / "c.xlsx"
    xlsx.write_text("")
    with pytest.raises(CoverageTableError, match="unsupported"):
        read_coverage_table(xlsx, paths[1], paths[2])
