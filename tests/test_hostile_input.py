"""The corpus of hostile and careless inputs (tests/data/bad_inputs/) through the real CLI.

Every case: exit code 2, one line on stderr naming the file (and the field where there is one),
no traceback, nothing written. Large cases are generated here at run time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.test_cli_errors import assert_one_line_error, run_cli

BAD = Path(__file__).parent / "data" / "bad_inputs"

SCENARIOS = {
    "billion_laughs": ["aliases expand to", "at most 100,000 more"],
    "recursive_alias": ["recursive alias"],
    "python_tag": ["line 3", "python/object/apply"],
    "duplicate_key": ["key 'budget_musd' given twice (lines 9 and 10)"],
    "duplicate_key_in_asset": ["key 'unit_cost_musd' given twice"],
    "duplicate_partner": ["partners[2].iso_a3 = 'USA'", "listed twice"],
    "budget_true": ["budget_musd = True", "boolean"],
    "nul_byte": ["NUL byte at line 3, column 10"],
    "utf16": ["UTF-16"],
    "polygon_out_of_range": ["threats.launch_areas[0]", "vertex 0 (500.0, 100.0)"],
    "polygon_nan": ["threats.launch_areas[0]", "not finite"],
    "polygon_self_intersecting": ["threats.launch_areas[0]", "Self-intersection"],
    "candidate_spacing_2km": [
        "asset_types[1].candidates.spacing_km = 2.0",
        "M candidate sites",
        "limits.max_sites",
    ],
    "candidate_spacing_1m": ["asset_types[1].candidates.spacing_km = 0.001", "limits.max_sites"],
    "area_grid_2km": ["defended.area_grid.cell_km = 2.0", "M defended points", "limits.max_points"],
    "area_grid_30km_satellites": ["asset_types[3]", "coverage samples", "limits.max_space_samples"],
    "area_grid_1m": ["defended.area_grid.cell_km = 0.001", "limits.max_points"],
    "pyomo_missing_solver": ["solver.solver = 'no_such_solver'"],
    "points_ragged_csv": ["defended.files[0].path = 'ragged.csv'", "line 3"],
    "points_empty_csv": ["defended.files[0].path = 'empty.csv'", "empty"],
    "points_missing_file": ["defended.files[0].path = 'no_such_file.csv'", "not found"],
}

BATCHES = {
    "batch_billion_laughs": ["aliases expand to"],
    "batch_huge_sweep": ["sweeps[0]", "27,000,000 runs", "limits.max_runs"],
    "batch_output_outside": ["output = ", "outside the working folder", "--allow-outside"],
    "batch_duplicate_key": ["key 'workers' given twice (lines 3 and 4)"],
}


def _nothing_written(root: Path) -> bool:
    return not root.exists() or not any(root.rglob("*"))


@pytest.mark.parametrize("case", sorted(SCENARIOS))
def test_scenario_refused_by_run(case, tmp_path):
    out = tmp_path / "out"
    path = BAD / f"{case}.yaml"
    result = run_cli("run", str(path), "--out", str(out), "--quiet")
    assert_one_line_error(result, str(path), *SCENARIOS[case])
    assert _nothing_written(out)


@pytest.mark.parametrize("case", ["pyomo_missing_solver", "points_ragged_csv", "area_grid_2km"])
def test_validate_catches_what_run_would(case):
    path = BAD / f"{case}.yaml"
    assert_one_line_error(run_cli("validate", str(path)), str(path), *SCENARIOS[case])


@pytest.mark.parametrize("case", sorted(BATCHES))
def test_batch_refused(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the working folder: outputs may only go below it
    path = BAD / f"{case}.yaml"
    result = run_cli("batch", str(path), "--quiet", "--workers", "0")
    assert_one_line_error(result, str(path), *BATCHES[case])
    assert _nothing_written(tmp_path / "out")
    assert not Path("/tmp/domeplan_escaped").exists()


def test_game_files_refused(tmp_path):
    cases = {
        BAD / "game_1e308.json": ["coalitions[0].value = 1e+308", "overflow"],
        BAD / "game_utf16.json": ["UTF-16"],
    }
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    cases[binary] = ["NUL byte at line 3, column 1"]
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    cases[deep] = ["nested too deeply"]
    huge_int = tmp_path / "huge_int.json"
    game = json.loads((BAD / "game_1e308.json").read_text())
    game["coalitions"][1]["value"] = 7
    huge_int.write_text(json.dumps(game).replace("1e+308", "9" * 5000, 1))
    cases[huge_int] = ["invalid JSON"]
    for path, fragments in cases.items():
        result = run_cli("allocate", "--game", str(path), "--method", "shapley,nucleolus")
        assert_one_line_error(result, str(path), *fragments)


def test_fifty_megabyte_yaml_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    with open(big, "w") as fh:
        fh.write("name: big\ndescription: >\n")
        line = "  " + "x" * 1000 + "\n"
        for _ in range(50_000):
            fh.write(line)
    assert big.stat().st_size > 50e6
    result = run_cli("validate", str(big))
    assert_one_line_error(result, str(big), "50.2 MB", "the limit is 10 MB", "DOMEPLAN_MAX_FILE_MB")
    # Raised on purpose, the same file is read (with libyaml) and refused by the schema instead.
    monkeypatch.setenv("DOMEPLAN_MAX_FILE_MB", "60")
    assert_one_line_error(run_cli("validate", str(big)), str(big), "partners", "missing")


def test_stale_temporary_output_removed_on_next_write(tmp_path):
    """A run killed while writing leaves .NAME.tmp-<pid>-*; the next write of that name removes it.

    (``write_run`` writes through :func:`reports.atomic.atomic_directory`.) A temporary of a live
    process (this one) is another run in progress and is left alone.
    """
    from reports.atomic import atomic_directory

    dead = tmp_path / ".plan.tmp-999999999-abcd1234"  # no such process
    dead.mkdir()
    (dead / "half.csv").write_text("site_id\n")
    alive = tmp_path / f".plan.tmp-{os.getpid()}-0000ffff"
    alive.mkdir()
    with atomic_directory(tmp_path / "plan") as work:
        (work / "summary.json").write_text("{}")
    assert not dead.exists() and alive.exists()
    assert (tmp_path / "plan" / "summary.json").is_file()


def test_optimize_with_a_missing_pyomo_solver_refused_before_reading(tmp_path):
    missing = tmp_path / "never_read.csv"  # not even read: the solver is checked first
    result = run_cli(
        "optimize",
        "--sites",
        str(missing),
        "--demand",
        str(missing),
        "--coverage",
        str(missing),
        "--engine",
        "pyomo",
        "--solver",
        "no_such_solver",
    )
    assert_one_line_error(result, "--solver: 'no_such_solver'", "not installed")
