"""`domeplan coverage`: files in the input format of `domeplan optimize`, figures checked independently."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from geodata.geometry import great_circle_km
from planner import parse_scenario
from planner.problem.build import build_problem
from planner.problem.coverage_report import coverage_tables, read_npz_layer, write_coverage
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def small_coverage(tmp_path_factory):
    sc = parse_scenario(copy.deepcopy(SMALL))
    problem = build_problem(sc)
    tables = coverage_tables(sc, problem)
    out = tmp_path_factory.mktemp("cov") / "coverage"
    paths = write_coverage(sc, problem, tables, out)
    return sc, problem, tables, out, paths


def test_files_written(small_coverage):
    _, _, _, out, paths = small_coverage
    for name in (
        "sites.csv",
        "demand.csv",
        "coverage_sensor.csv",
        "coverage_interceptor.csv",
        "coverage.npz",
        "figures_of_merit.csv",
        "coverage.gpkg",
    ):
        assert name in paths and (out / name).stat().st_size > 0


def test_npz_round_trips(small_coverage):
    _, problem, tables, out, _ = small_coverage
    a = read_npz_layer(out / "coverage.npz", "sensor")
    assert (a != tables.a_sensor).nnz == 0
    assert a.shape == (len(problem.demand), len(problem.sites))


def test_counts_match_direct_geometry(small_coverage):
    """Candidate interceptors in reach, recounted from great-circle distances."""
    _, problem, tables, _, _ = small_coverage
    d, s = problem.demand, problem.sites
    ground = s[s["role"].isin(["interceptor", "both"]) & (s["domain"] != "space")]
    dist = great_circle_km(
        d["lon"].to_numpy()[:, None],
        d["lat"].to_numpy()[:, None],
        ground["lon"].to_numpy()[None, :],
        ground["lat"].to_numpy()[None, :],
    )
    expected = (dist <= ground["engagement_range_km"].to_numpy()[None, :]).sum(axis=1)
    assert np.array_equal(tables.points["n_interceptor_sites"].to_numpy(), expected)


def test_space_figures_of_merit_are_consistent(small_coverage):
    sc, problem, tables, _, _ = small_coverage
    pts = tables.points
    frac = [c for c in pts.columns if c.endswith(":coverage_fraction")]
    assert len(frac) == 2
    for c in frac:
        f = pts[c].to_numpy()
        ge2 = pts[c.replace("coverage_fraction", "fraction_ge_2")].to_numpy()
        assert ((0 <= f) & (f <= 1) & (ge2 <= f + 1e-12)).all()
        # the fraction the model thresholds is the same figure
        col = problem.sites.index[problem.sites["site_id"] == c.rsplit(":", 1)[0]][0]
        assert np.allclose(problem.space_fraction[:, [col]].toarray().ravel(), f)
        # fully covered points have no revisit gap
        gap = pts[c.replace("coverage_fraction", "max_gap_s")].to_numpy()
        assert (gap[f == 1.0] == 0).all()


def test_optimize_reads_what_coverage_writes(small_coverage):
    """The written files are a valid `domeplan optimize` instance; its plan is re-evaluated here."""
    _, _, tables, out, _ = small_coverage
    res = CliRunner().invoke(
        app,
        [
            "optimize",
            "--sites",
            str(out / "sites.csv"),
            "--demand",
            str(out / "demand.csv"),
            "--coverage",
            str(out / "coverage_interceptor.csv"),
            "--budget",
            "1000",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    sites = pd.read_csv(out / "sites.csv")
    demand = pd.read_csv(out / "demand.csv")
    x = sites["site_id"].isin(result["sites"]).to_numpy()
    assert sites.loc[x, "cost"].sum() <= 1000 + 1e-9
    covered = tables.a_interceptor @ x.astype(int) > 0
    assert result["objective"] == pytest.approx(demand["weight"].to_numpy()[covered].sum())


def test_cli_coverage(tmp_path, small_dict, write_yaml):
    path = write_yaml(small_dict)
    res = CliRunner().invoke(app, ["coverage", str(path), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "small" / "coverage" / "coverage_map.png").stat().st_size > 10_000
