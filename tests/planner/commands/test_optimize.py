"""`domeplan optimize`: CSV and OR-Library input, every objective and engine, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, TypedDict

import pytest
from typer.testing import CliRunner

from cli import app
from planner.commands.optimize import optimize_from_files
from planner.errors import InputError

ORLIB = Path(__file__).parents[2] / "models" / "data" / "orlib"


class Csvs(TypedDict):
    """The three CSV inputs, keyed like ``optimize_from_files``'s keyword arguments."""

    sites: Path
    demand: Path
    coverage: Path


CsvName = Literal["sites", "demand", "coverage"]


@pytest.fixture
def csvs(tmp_path: Path) -> Csvs:
    """Three sites, four points. Budget 6 buys {B, C} (covers x, y, z = 22) or {A, B} (x, y = 15)
    or {A} + nothing else fitting with C; {B, C} is the unique optimum."""
    files = {
        "sites": "site_id,cost,type\nA,3,radar\nB,2,radar\nC,4,ship\n",
        "demand": "demand_id,weight,required\nx,10,0\ny,5,1\nz,7,no\nw,0,0\n",
        "coverage": "demand_id,site_id\nx,A\ny,B\nz,C\nx,C\n",
    }
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text)
    return Csvs(
        sites=tmp_path / "sites.csv",
        demand=tmp_path / "demand.csv",
        coverage=tmp_path / "coverage.csv",
    )


@pytest.mark.parametrize("engine", ["highs", "pyomo", "cpsat"])
def test_max_coverage_from_csv(csvs: Csvs, engine: str) -> None:
    out = optimize_from_files(**csvs, budget=6, engine=engine)
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(22) and out["bound"] == pytest.approx(22)
    assert out["sites"] == ["B", "C"] and out["cost"] == 6
    assert json.dumps(out)  # JSON-ready


def test_required_point_forces_site(csvs: Csvs) -> None:
    # With one site only, A (x: 10) or C (x, z: 17) would win, but y is required: only B covers it.
    out = optimize_from_files(**csvs, count=1)
    assert out["sites"] == ["B"] and out["objective"] == pytest.approx(5)


def test_min_cost_and_infeasible_diagnosis(csvs: Csvs) -> None:
    out = optimize_from_files(**csvs, objective="min-cost")
    assert out["sites"] == ["B"] and out["objective"] == pytest.approx(2)  # only y is required
    out = optimize_from_files(**csvs, objective="min-cost", budget=1)
    assert out["status"] == "infeasible"
    assert "required_cover[y]" in out["diagnosis"]["summary"]
    assert "budget" in out["diagnosis"]["summary"]


def test_backup_expected_and_type_max(csvs: Csvs) -> None:
    out = optimize_from_files(**csvs, objective="backup", budget=9, theta=0.5)
    # All three sites: x covered twice (10), y and z once (0.5 * 12): 16.
    assert out["objective"] == pytest.approx(16)
    out = optimize_from_files(**csvs, objective="expected", budget=9, p=0.5)
    assert out["objective"] == pytest.approx(10 * 0.75 + 5 * 0.5 + 7 * 0.5)
    out = optimize_from_files(**csvs, budget=9, type_max={"radar": 1})
    assert out["sites"] == ["B", "C"]


def test_orlib_input() -> None:
    out = optimize_from_files(orlib_scp=ORLIB / "scp42.txt", objective="min-cost")
    assert out["status"] == "optimal" and out["objective"] == pytest.approx(512)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"sites": "site_id,price\nA,1\n"}, r"sites.csv: cost: missing column"),
        (
            {"sites": "site_id,cost\nA,1\nB,-2\n"},
            r"sites.csv: cost \(line 3\) = '-2': must be a non-negative",
        ),
        ({"sites": "site_id,cost\nA,1\nA,2\n"}, r"site_id \(line 3\) = 'A': duplicate id"),
        ({"demand": "demand_id,weight\nx,ten\n"}, r"demand.csv: weight \(line 2\) = 'ten'"),
        ({"demand": "demand_id,weight,required\nx,1,maybe\n"}, r"required \(line 2\) = 'maybe'"),
        (
            {"coverage": "demand_id,site_id\nx,A\nq,B\n"},
            r"coverage.csv: demand_id \(line 3\) = 'q': not in demand.csv",
        ),
    ],
)
def test_bad_csv_names_file_column_value(csvs: Csvs, change: dict[CsvName, str], match: str) -> None:
    for name, text in change.items():
        csvs[name].write_text(text)
    with pytest.raises(InputError, match=match):
        optimize_from_files(**csvs, budget=5)


def test_bad_options(csvs: Csvs, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--objective: 'max': choose one of"):
        optimize_from_files(**csvs, objective="max", budget=1)
    with pytest.raises(InputError, match="needs --budget or --count"):
        optimize_from_files(**csvs)
    with pytest.raises(InputError, match="--engine: 'glpk'"):
        optimize_from_files(**csvs, engine="glpk", budget=1)
    with pytest.raises(InputError, match="file not found"):
        optimize_from_files(
            sites=tmp_path / "nope.csv", demand=csvs["demand"], coverage=csvs["coverage"], budget=1
        )
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2 1 1 1 1")
    with pytest.raises(InputError, match="bad.txt: file ends at row 2"):
        optimize_from_files(orlib_scp=bad, objective="min-cost")


def test_cli_json_and_error_exit(csvs: Csvs) -> None:
    runner = CliRunner()
    args = [
        "optimize",
        "--sites",
        str(csvs["sites"]),
        "--demand",
        str(csvs["demand"]),
        "--coverage",
        str(csvs["coverage"]),
        "--budget",
        "6",
        "--json",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"status", "objective", "bound", "gap", "sites", "seconds"} <= set(out)
    assert out["sites"] == ["B", "C"]
    res = runner.invoke(app, [*args[:-3], "--count", "0"])
    assert res.exit_code == 2
    assert "--count: 0: must be a positive integer" in res.stderr
