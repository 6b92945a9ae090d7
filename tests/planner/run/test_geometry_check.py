"""The certificate's own geometry agrees with the matrix builders it checks (and shares no code with them)."""

import ast
from pathlib import Path

import numpy as np
import pytest

from geodata.orbits import Walker
from geodata.space import space_coverage_fraction
from geodata.space_time import sampling_plan
from geodata.threats import LaunchArea, ballistic_tracks, engagement_coverage
from planner.run.geometry_check import corridor_engaged, space_fraction

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("pattern", "alt", "elev"), [("60:24/4/1", 1200.0, 10.0), ("53:24/3/1", 550.0, 5.0)])
def test_space_fraction_matches_the_builder_on_a_grid(pattern, alt, elev):
    lat, lon = np.meshgrid(np.linspace(-70, 70, 8), np.linspace(-180, 150, 12))
    plan = sampling_plan(Walker.parse(pattern), alt, elev, None, None)
    mine = space_fraction(pattern, alt, elev, plan.times(), lon.ravel(), lat.ravel())
    theirs = space_coverage_fraction(Walker.parse(pattern), alt, elev, lon.ravel(), lat.ravel())
    # Same sampling times and the same physics: at most a boundary sample apart.
    assert np.abs(mine - theirs).max() <= 1.0 / plan.n_steps + 1e-12
    assert mine.std() > 0.05  # a grid that really varies, not a constant


def test_corridor_engagement_matches_the_builder():
    rng = np.random.default_rng(7)
    tlon, tlat = rng.uniform(-120, -70, 15), rng.uniform(30, 55, 15)
    tracks = ballistic_tracks([LaunchArea.point("north", 100.0, 60.0), LaunchArea.point("west", 150.0, 45.0)],
                              tlon, tlat)
    slon, slat = rng.uniform(-130, -60, 25), rng.uniform(25, 70, 25)
    for mode in ("any", "all"):
        built = engagement_coverage(tracks, slon, slat, 900.0, 100.0, 1500.0, mode=mode).toarray()
        for j in range(slon.size):
            mine = corridor_engaged(tracks, [(slon[j], slat[j])], 900.0, 100.0, 1500.0, mode)
            assert np.array_equal(mine, built[:, j] > 0), (mode, j)
    assert built.any() and not built.all()


def _imports(name: str) -> dict[str, set[str]]:
    tree = ast.parse((ROOT / "planner" / "run" / name).read_text())
    out: dict[str, set[str]] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.module:
            out.setdefault(n.module, set()).update(a.name for a in n.names)
    return out


def test_verification_imports_no_matrix_builder():
    builders = {"geodata.coverage", "geodata.space", "geodata.threats"}
    for name in ("verify.py", "geometry_check.py"):
        imported = _imports(name)
        assert not builders & set(imported), name
        assert imported.get("planner.problem.build", set()) <= {"CoverageProblem"}  # inputs, not builders
