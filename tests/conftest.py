"""Small scenarios shared by the planner tests (fast: coarse grids, few points)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

SMALL: dict[str, Any] = {
    "schema_version": 1,
    "name": "small",
    "title": "Small test scenario (notional)",
    "partners": [{"iso_a3": "USA", "budget_musd": 3000}, {"iso_a3": "CAN", "budget_musd": 1000}],
    "budget_musd": 2500,
    "defended": {"populated_places": {"min_population": 1_000_000}},
    "asset_types": [
        {"name": "radar", "domain": "land", "role": "sensor", "unit_cost_musd": 500, "max_count": 2,
         "sensor_range_km": 3000, "mast_height_m": 30, "target_altitude_m": 300000,
         "candidates": {"spacing_km": 700}},
        {"name": "battery", "domain": "land", "role": "interceptor", "unit_cost_musd": 200,
         "max_count": 6, "engagement_range_km": 400, "candidates": {"spacing_km": 400}},
        {"name": "ship", "domain": "sea", "role": "both", "unit_cost_musd": 600, "max_count": 2,
         "sensor_range_km": 800, "mast_height_m": 25, "target_altitude_m": 100000,
         "engagement_range_km": 300, "candidates": {"spacing_km": 500, "within_km": 370}},
        {"name": "sats", "domain": "space", "role": "sensor", "unit_cost_musd": 30,
         "altitude_km": 1200, "min_elevation_deg": 10, "constellations": ["60:24/4/1", "60:48/6/1"],
         "coverage_threshold": 0.9, "time_step_s": 60},
    ],
    "solver": {"time_limit_s": 30, "threads": 1, "seed": 0},
}


@pytest.fixture
def small_dict() -> dict[str, Any]:
    return copy.deepcopy(SMALL)


@pytest.fixture
def write_yaml(tmp_path: Path):
    def write(data: Any, name: str = "scenario.yaml", raw: str | None = None) -> Path:
        path = tmp_path / name
        path.write_text(raw if raw is not None else yaml.safe_dump(data, sort_keys=False))
        return path

    return write


@pytest.fixture(scope="session")
def small_run():
    """The small scenario solved once for the session."""
    from planner import parse_scenario, run_scenario

    return run_scenario(parse_scenario(copy.deepcopy(SMALL), file="small.yaml"))
