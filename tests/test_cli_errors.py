"""Every bad input gets one line on stderr naming the file, field and value, exit 2, nothing written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
PROGRESS = re.compile(r"^\[ *\d+\.\d s\] ")


def run_cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    # Off a terminal, each stage already begun logged one "[  t s] stage" line before the error.
    lines = [line for line in result.stderr.strip().splitlines() if not PROGRESS.match(line)]
    assert len(lines) == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == lines[0]
    assert "Traceback" not in result.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


CASES = {
    "empty": (None, "", ["file is empty"]),
    "not_yaml": (None, "name: [unclosed\n  budget: {", ["not valid YAML", "line"]),
    "yaml_list": (None, "- a\n- b\n", ["YAML mapping", "list"]),
    "unknown_key": (lambda d: d.update(colour="red"), None, ["colour", "unknown key"]),
    "wrong_type": (lambda d: d["asset_types"][1].update(max_count="many"), None,
                   ["asset_types[1].max_count", "'many'"]),
    "zero_budget": (lambda d: d.update(budget_musd=0), None, ["budget_musd = 0"]),
    "negative_budget": (lambda d: d.update(budget_musd=-10), None, ["budget_musd = -10"]),
    "unknown_country": (lambda d: d["partners"][1].update(iso_a3="XYZ"), None,
                        ["partners[1].iso_a3 = 'XYZ'", "XYZ"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_input(case, command, small_dict, write_yaml, tmp_path):
    mutate, raw, fragments = CASES[case]
    if mutate is not None:
        mutate(small_dict)
    path = write_yaml(small_dict, raw=raw)
    args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    result = run_cli(*args)
    assert_one_line_error(result, str(path), *fragments)
    assert not (tmp_path / "out").exists()


def test_asset_type_without_candidate_site(small_dict, write_yaml, tmp_path):
    small_dict["asset_types"][1]["candidates"]["spacing_km"] = 20000
    path = write_yaml(small_dict)
    result = run_cli("run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, str(path), "asset_types[1].candidates.spacing_km = 20000",
                          "no candidate site")
    assert not (tmp_path / "out").exists()


def test_nothing_can_be_defended(small_dict, write_yaml, tmp_path):
    small_dict["asset_types"][1]["engagement_range_km"] = 0.01
    small_dict["asset_types"][2]["engagement_range_km"] = 0.01
    path = write_yaml(small_dict)
    result = run_cli("run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, str(path), "nothing can be defended")
    assert not (tmp_path / "out").exists()


def test_budget_below_cheapest_defence(small_dict, write_yaml, tmp_path):
    small_dict["budget_musd"] = 50
    path = write_yaml(small_dict)
    result = run_cli("run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, str(path), "budget_musd = 50", "cheapest defence")


def test_missing_file(tmp_path):
    result = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert_one_line_error(result, "nope.yaml", "file not found")


def test_bad_set_override(small_dict, write_yaml, tmp_path):
    path = write_yaml(small_dict)
    result = run_cli("run", str(path), "--set", "budget_musd=-3", "--out", str(tmp_path / "o"))
    assert_one_line_error(result, "budget_musd", "-3")


def test_console_script_prints_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- just\n- a list\n")
    proc = subprocess.run([sys.executable, "-m", "cli", "validate", str(path)],
                          capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_pdf_without_weasyprint_is_refused_before_solving(small_dict, write_yaml, tmp_path, monkeypatch):
    monkeypatch.setattr("reports.pdf.pdf_available", lambda: False)
    path = write_yaml(small_dict)
    result = run_cli("run", str(path), "--pdf", "--out", str(tmp_path / "out"))
    assert_one_line_error(result, "--pdf", "domeplan[pdf]")
    assert not (tmp_path / "out").exists()
