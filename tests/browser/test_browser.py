"""report.html and a batch's summary.html in headless Chromium: offline, no errors, no overflow, map.

Chromium (Debian's ``chromium``) is installed by ``make test``; without it these tests skip, saying so.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from reports.livemap import LAYER_NAMES
from tests.browser.probe import chromium, probe
from tests.conftest import SMALL

pytestmark = pytest.mark.skipif(
    chromium() is None,
    reason="chromium not installed (make test installs it with apt-get; it could not be installed here)",
)

MAIN_TABLES = ("partners", "asset-types", "sites", "why", "points", "cost-sharing")


def _offline(found: dict) -> None:
    leaving = [r for r in found["resources"] if not r.startswith("data:")]
    assert leaving == [], f"requests left the file: {leaving}"
    assert found["errors"] == [] and found["console"] == []
    assert not [line for line in found["chromium_console"] if "Uncaught" in line or "rror" in line]


@pytest.fixture(scope="module")
def report(small_run, tmp_path_factory) -> Path:
    from planner import write_run

    return write_run(small_run, tmp_path_factory.mktemp("browser"))["report.html"]


def test_report_is_offline_without_errors_overflow_and_has_the_map(report):
    found = probe(report, width=1024)
    _offline(found)
    assert found["docWidth"] <= found["winWidth"], "the page scrolls sideways at 1,024 px"
    wide = [
        (t["section"], t["width"], t["room"])
        for t in found["tables"]
        if t["section"] in MAIN_TABLES and t["width"] > t["room"] + 1
    ]
    assert wide == [], f"tables wider than their column at 1,024 px: {wide}"
    assert {t["section"] for t in found["tables"]} >= {"partners", "sites", "why", "cost-sharing"}
    assert set(found["mapLayers"]) == set(LAYER_NAMES)
    assert found["mapPaths"] >= 10  # partners, reach circles, points and sites drawn as SVG paths


@pytest.fixture(scope="module")
def batch_summary(tmp_path_factory) -> Path:
    from planner.batch.compare import write_comparison
    from planner.batch.runner import run_batch
    from planner.batch.spec import load_batch

    folder = tmp_path_factory.mktemp("batch")
    small = copy.deepcopy(SMALL)
    small["cost_sharing"] = {"enabled": False}
    (folder / "small.yaml").write_text(yaml.safe_dump(small, sort_keys=False))
    (folder / "batch.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "two",
                "base": "small.yaml",
                "sweeps": [{"name": "b", "parameters": [{"path": ["budget_musd"], "values": [1500, 2500]}]}],
            },
            sort_keys=False,
        )
    )
    spec = load_batch(folder / "batch.yaml", output=folder / "out")
    run_batch(spec, workers=0)
    return write_comparison(spec.output)["summary.html"]


def test_batch_summary_links_each_run_report_and_labels_columns(batch_summary):
    found = probe(batch_summary, width=1024)
    _offline(found)
    assert found["docWidth"] <= found["winWidth"]
    runs = [h for h in found["links"] if h.endswith("/report.html")]
    assert len(set(runs)) == 2
    for href in set(runs):
        target = batch_summary.parent / href
        assert target.is_file()
        assert (batch_summary.parent / "by_name").is_dir()
    html = batch_summary.read_text()
    assert "<th>Budget (M USD)</th>" in html and "<th>budget_musd</th>" not in html
    run_page = probe(batch_summary.parent / sorted(set(runs))[0], width=1024)
    _offline(run_page)
    assert set(run_page["mapLayers"]) == set(LAYER_NAMES)
