"""Batch files: merge order, keyed list patches, expansion, validation errors, the results store."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from planner.batch.spec import Batch, RunSpec, load_batch, patch_at, path_label, sweep_runs
from planner.batch.store import RECORD, ResultStore, RunRecord, run_key
from planner.errors import InputError
from planner.scenario.schema import deep_merge, parse_scenario
from tests.conftest import SMALL


@pytest.fixture
def base_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL, sort_keys=False))
    return path


@pytest.fixture
def write_batch(tmp_path, base_file):
    def write(data: dict, name: str = "batch.yaml"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump({"base": base_file.name, **data}, sort_keys=False))
        return path

    return write


def _asset(scenario, name):
    return next(a for a in scenario.asset_types if a.name == name)


# --------------------------------------------------------------------------- deep_merge


def test_deep_merge_patches_one_asset_type_by_name():
    base = copy.deepcopy(SMALL)
    out = deep_merge(base, {"asset_types": {"ship": {"unit_cost_musd": 500}}})
    assert [a["unit_cost_musd"] for a in out["asset_types"]] == [500, 200, 500, 30]
    assert base["asset_types"][2]["unit_cost_musd"] == 600  # the input is untouched
    assert out["asset_types"][2]["max_count"] == 2  # the rest of the item is kept


def test_deep_merge_partners_by_iso_index_and_removal():
    out = deep_merge(copy.deepcopy(SMALL), {"partners": {"CAN": {"budget_musd": 7}, 0: {"budget_musd": 9}}})
    assert [(p["iso_a3"], p["budget_musd"]) for p in out["partners"]] == [("USA", 9), ("CAN", 7)]
    out = deep_merge(copy.deepcopy(SMALL), {"partners": {"CAN": None}})
    assert [p["iso_a3"] for p in out["partners"]] == ["USA"]


def test_deep_merge_replaces_lists_and_scalars():
    out = deep_merge(copy.deepcopy(SMALL), {"partners": [{"iso_a3": "MEX"}], "budget_musd": 1})
    assert out["partners"] == [{"iso_a3": "MEX"}] and out["budget_musd"] == 1


def test_deep_merge_unknown_item_names_the_field():
    with pytest.raises(InputError) as err:
        deep_merge(copy.deepcopy(SMALL), {"asset_types": {"shp": {"unit_cost_musd": 1}}})
    assert err.value.field == "asset_types"
    assert "'shp'" in str(err.value) and "'ship'" in str(err.value)  # names what exists


def test_with_overrides_validates_after_the_merge():
    sc = parse_scenario(copy.deepcopy(SMALL))
    assert _asset(sc.with_overrides({"asset_types": {"radar": {"max_count": 5}}}), "radar").max_count == 5
    with pytest.raises(InputError, match=r"x\.yaml: asset_types\[1\]\.unit_cost_musd = -5"):
        sc.with_overrides({"asset_types": {"battery": {"unit_cost_musd": -5}}}, file="x.yaml")


# --------------------------------------------------------------------------- batch files


def test_merge_order_base_named_in_order_inline_then_sweep(write_batch):
    path = write_batch(
        {
            "overrides": {
                "a": {"budget_musd": 1000, "solver": {"seed": 1}},
                "b": {"budget_musd": 2000},
                "ships": {"asset_types": {"ship": {"unit_cost_musd": 400}}},
            },
            "scenarios": [
                {"name": "ab", "overrides": ["a", "b"]},
                {"name": "ba", "overrides": ["b", "a"]},
                {"name": "inline", "overrides": ["a", {"budget_musd": 1500}, "ships"]},
                {"name": "plain"},
            ],
            "sweeps": [
                {
                    "name": "sw",
                    "overrides": ["a", {"budget_musd": 1}],
                    "parameters": [{"path": ["budget_musd"], "values": [3000]}],
                }
            ],
        }
    )
    b = load_batch(path)
    got = {r.name: r.scenario for r in b.runs}
    assert got["ab"].budget_musd == 2000 and got["ab"].solver.seed == 1  # b after a, a's seed kept
    assert got["ba"].budget_musd == 1000
    assert got["inline"].budget_musd == 1500 and _asset(got["inline"], "ship").unit_cost_musd == 400
    assert got["plain"].budget_musd == SMALL["budget_musd"]
    assert got["sw-000"].budget_musd == 3000  # the swept value comes last
    assert {n: s.name for n, s in got.items()} == {n: n for n in got}  # the run name is the name


def test_sweep_product_and_zip(write_batch):
    params = [
        {"path": ["budget_musd"], "values": [1000, 2000, 3000]},
        {"path": ["asset_types", "ship", "unit_cost_musd"], "values": [400, 500, 600]},
    ]
    b = load_batch(
        write_batch(
            {
                "sweeps": [
                    {"name": "p", "parameters": params},
                    {"name": "z", "mode": "zip", "parameters": params},
                ]
            }
        )
    )
    p = [r for r in b.runs if r.group == "p"]
    z = [r for r in b.runs if r.group == "z"]
    assert len(p) == 9 and len(z) == 3
    assert [r.name for r in p[:3]] == ["p-000", "p-001", "p-002"]
    # product: the first parameter varies slowest
    assert [(r.scenario.budget_musd, _asset(r.scenario, "ship").unit_cost_musd) for r in p[:4]] == [
        (1000, 400),
        (1000, 500),
        (1000, 600),
        (2000, 400),
    ]
    assert [(r.scenario.budget_musd, _asset(r.scenario, "ship").unit_cost_musd) for r in z] == [
        (1000, 400),
        (2000, 500),
        (3000, 600),
    ]
    assert z[1].params == {"budget_musd": 2000, "asset_types[ship].unit_cost_musd": 500}


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (
            {"scenarios": [{"name": "x", "overrides": ["nope"]}]},
            r"batch\.yaml: scenarios\[0\]\.overrides\[0\] = 'nope': no override of that name",
        ),
        (
            {
                "scenarios": [
                    {"name": "neg", "overrides": [{"asset_types": {"ship": {"unit_cost_musd": -1}}}]}
                ]
            },
            r"batch\.yaml \[run neg\]: asset_types\[2\]\.unit_cost_musd = -1",
        ),
        (
            {"sweeps": [{"name": "s", "parameters": [{"path": ["budget_musd"], "values": [100, -5]}]}]},
            r"batch\.yaml \[run s-001\]: budget_musd = -5",
        ),
        (
            {
                "sweeps": [
                    {
                        "name": "s",
                        "parameters": [{"path": ["asset_types", "boat", "max_count"], "values": [1]}],
                    }
                ]
            },
            r"batch\.yaml \[run s-000\]: asset_types = 'boat': no item with name 'boat'",
        ),
        (
            {"scenarios": [{"name": "x", "overrides": [{"budgett_musd": 5}]}]},
            r"batch\.yaml \[run x\]: budgett_musd: unknown key",
        ),
        ({"scenarios": [{"name": "x"}], "worker": 2}, r"batch\.yaml: worker: unknown key"),
        ({"scenarios": "baseline"}, r"batch\.yaml: scenarios = 'baseline'"),
        (
            {
                "sweeps": [
                    {
                        "name": "s",
                        "mode": "zip",
                        "parameters": [
                            {"path": ["budget_musd"], "values": [1, 2]},
                            {"path": ["solver", "seed"], "values": [1]},
                        ],
                    }
                ]
            },
            r"batch\.yaml: sweeps\[0\].*zip needs value lists of one length",
        ),
        (
            {"scenarios": [{"name": "x"}, {"name": "x"}]},
            r"batch\.yaml: scenarios\[1\]\.name = 'x': run name used twice",
        ),
        ({}, r"batch\.yaml: a batch needs at least one entry"),
    ],
)
def test_batch_errors_name_file_run_and_field(write_batch, data, pattern):
    with pytest.raises(InputError, match=pattern):
        load_batch(write_batch(data))


def test_missing_base_is_named(write_batch, tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump({"base": "nowhere.yaml", "scenarios": [{"name": "x"}]}))
    with pytest.raises(InputError, match=r"nowhere\.yaml: file not found"):
        load_batch(path)


def test_batch_cli_bad_input_is_one_line(write_batch, tmp_path):
    from typer.testing import CliRunner

    import cli

    path = write_batch({"scenarios": [{"name": "x", "overrides": ["nope"]}]})
    res = CliRunner().invoke(cli.app, ["batch", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert res.output.strip().count("\n") == 0 and "no override of that name" in res.output
    assert not (tmp_path / "o").exists()  # nothing written
    res = CliRunner().invoke(cli.app, ["compare", str(tmp_path / "nothing")])
    assert res.exit_code == 2 and "no results store" in res.output


def test_paths_and_labels():
    assert patch_at(["a", "b", 1], 5) == {"a": {"b": {1: 5}}}
    assert path_label(["asset_types", "ship", "unit_cost_musd"]) == "asset_types[ship].unit_cost_musd"
    assert path_label(["solver", "seed"]) == "solver.seed"
    assert path_label(["asset_types", 2, "max_count"]) == "asset_types[2].max_count"


def test_sweep_runs_in_code_and_keys():
    base = parse_scenario(copy.deepcopy(SMALL))
    runs = sweep_runs(base, "b", {"budget_musd": [1000, 2000], ("asset_types", "radar", "max_count"): [1]})
    assert [r.scenario.budget_musd for r in runs] == [1000, 2000]
    assert all(_asset(r.scenario, "radar").max_count == 1 for r in runs)
    # a key depends on the whole resolved scenario, not on how it was reached
    again = RunSpec(
        "b-000",
        base.with_overrides(
            {"name": "b-000", "budget_musd": 1000, "asset_types": {"radar": {"max_count": 1}}}
        ),
    )
    assert again.key == runs[0].key != runs[1].key
    with pytest.raises(InputError, match="run name used twice"):
        Batch("x", (runs[0], runs[0]), output=Path("o"))


# --------------------------------------------------------------------------- warm re-solves


def test_patched_problem_equals_a_fresh_build():
    """Reusing coverage and patching costs and counts gives exactly the problem built from scratch."""
    from planner.batch.worker import cached_problem, clear_cache, problem_hash
    from planner.problem.build import build_problem

    base = parse_scenario(copy.deepcopy(SMALL))
    other = base.with_overrides(
        {
            "budget_musd": 4000,
            "name": "other",
            "solver": {"seed": 3},
            "asset_types": {"ship": {"unit_cost_musd": 350, "max_count": 1}, "sats": {"unit_cost_musd": 12}},
        }
    )
    assert problem_hash(base) == problem_hash(other)
    assert problem_hash(base) != problem_hash(
        base.with_overrides({"asset_types": {"ship": {"engagement_range_km": 200}}})
    )
    clear_cache()
    cached_problem(base)
    patched, reused, saved = cached_problem(other)
    assert reused and saved > 0
    fresh = build_problem(other)
    a, b = patched.to_instance(), fresh.to_instance()
    np.testing.assert_array_equal(a.c, b.c)
    np.testing.assert_array_equal(a.type_max, b.type_max)
    assert (a.a_sensor != b.a_sensor).nnz == 0 and (a.a_interceptor != b.a_interceptor).nnz == 0
    assert a.budget == b.budget == 4000
    clear_cache()


# --------------------------------------------------------------------------- the store


def _record(key: str, name: str, status: str = "optimal") -> RunRecord:
    row = {"status": status, "budget_musd": 1.0, "defended_weight": 2.0, "problem_hash": "h"}
    return RunRecord(
        key,
        name,
        row,
        plans=[{"site_id": "s1", "asset_type": "radar"}],
        partners=[{"iso_a3": "USA", "defended_weight": 2.0}],
        allocations=[{"rule": "equal", "partner": "USA", "amount_musd": 1.0}],
        files={"summary.json": b"{}"},
    )


def test_store_reconcile_repairs_what_a_kill_leaves(tmp_path):
    with ResultStore(tmp_path) as store:
        store.set_batch([("a", "ka", "g", {}), ("b", "kb", "g", {}), ("c", "kc", "g", {})])
        store.record(_record("ka", "a"))
        # a kill between the folder and the rows: a complete folder, no row
        (store.runs_dir / "kb").mkdir()
        (store.runs_dir / "kb" / RECORD).write_text(_record("kb", "b").to_json())
        # a kill inside atomic_directory: a temporary folder; and a folder with no readable record
        (store.runs_dir / ".kc.tmp-1-abcd").mkdir()
        (store.runs_dir / "kz").mkdir()
        fixed = store.reconcile()
        assert fixed.ingested == ("kb",)
        assert set(fixed.removed) == {".kc.tmp-1-abcd", "kz"}
        assert set(store.statuses()) == {"ka", "kb"}
        assert store.runs()["name"].tolist() == ["a", "b"]
        assert store.plans()["name"].tolist() == ["a", "b"]
        # a row whose folder was deleted is dropped, so the run is redone
        import shutil

        shutil.rmtree(store.runs_dir / "ka")
        assert store.reconcile().dropped_rows == ("ka",)
        assert set(store.statuses()) == {"kb"} and store.plans()["name"].tolist() == ["b"]
        # recording twice replaces (a retried failed run), never duplicates
        store.record(_record("kc", "c", status="failed"))
        store.record(_record("kc", "c"))
        n = store.query("SELECT count(*) AS n FROM runs WHERE key = 'kc'")["n"].iloc[0]
        assert n == 1 and store.statuses()["kc"] == "optimal"
        assert json.loads((store.run_folder("c") / "summary.json").read_text()) == {}


def test_run_key_changes_with_the_scenario():
    sc = parse_scenario(copy.deepcopy(SMALL))
    assert run_key(sc) == run_key(parse_scenario(copy.deepcopy(SMALL)))
    assert run_key(sc) != run_key(sc.with_overrides({"solver": {"seed": 1}}))
