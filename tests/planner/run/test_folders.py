"""Run folders never collide: a changed scenario writes beside the plain one, never over it."""

from __future__ import annotations

import dataclasses
import json

import yaml
from typer.testing import CliRunner

from planner.run.pipeline import run_folder_name, write_run
from planner.scenario.overrides import apply_cli_overrides
from planner.scenario.schema import load_scenario


def test_folder_names(write_yaml, small_dict):
    path = write_yaml(small_dict)
    plain = load_scenario(path)
    assert run_folder_name(plain) == "small"
    assert run_folder_name(apply_cli_overrides(plain, ["budget_musd=2500"])) == "small"  # no change
    changed = apply_cli_overrides(plain, ["budget_musd=9000"])
    assert run_folder_name(changed) == f"small--{changed.digest()[:8]}"
    via_python = plain.with_overrides({"budget_musd": 9000})
    assert run_folder_name(via_python) == run_folder_name(changed)  # one changed scenario, one folder
    assert run_folder_name(via_python.with_overrides({"budget_musd": 2500})) == "small"


def test_overridden_run_does_not_overwrite_the_plain_one(small_run, tmp_path, monkeypatch):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buf, format="PNG")
    # Only the folders matter here: skip drawing the map and the charts.
    monkeypatch.setattr("reports.writers.render_map", lambda bundle: buf.getvalue())
    monkeypatch.setattr("reports.writers.render_charts", lambda bundle: buf.getvalue())
    plain = write_run(small_run, tmp_path)
    changed = dataclasses.replace(
        small_run,
        scenario=small_run.scenario.with_overrides({"budget_musd": 9000}).derived_from(small_run.scenario),
    )
    other = write_run(changed, tmp_path)
    assert plain["report.html"].parent == tmp_path / "small"
    assert other["report.html"].parent.name.startswith("small--")
    assert plain["report.html"].is_file() and other["report.html"].is_file()
    assert json.loads(plain["summary.json"].read_text())["budget_musd"] == small_run.scenario.budget_musd


def test_cli_version_and_help_without_markup_accidents():
    from cli import app

    runner = CliRunner()
    got = runner.invoke(app, ["--version"])
    assert got.exit_code == 0 and got.stdout.startswith("domeplan ")
    text = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "200"}).stdout
    assert "domeplan[pdf]" in text
    pdf_line = next(line for line in text.splitlines() if "--pdf" in line)
    assert "<bool>" not in pdf_line


def test_unknown_key_suggests_the_field(write_yaml, small_dict):
    from cli import app

    small_dict["asset_types"][1]["max_cnt"] = small_dict["asset_types"][1].pop("max_count")
    path = write_yaml(small_dict)
    got = CliRunner().invoke(app, ["validate", str(path)])
    assert got.exit_code == 2
    assert "asset_types[1].max_cnt: unknown key max_cnt (did you mean max_count?)" in got.stderr
    assert yaml.safe_load(path.read_text())  # the file is untouched
