"""Why each site: marginal values against an independent recomputation; the waters of sea sites."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from planner.run.sitefacts import INTERNATIONAL_WATERS, site_facts, waters_of
from planner.run.verify import verify_plan


def test_marginal_value_is_what_the_verifier_loses_without_the_site(small_run):
    """Remove each chosen site in turn; the verifier's own geometry says what the plan loses."""
    run = small_run
    facts = site_facts(run).set_index("site_id")
    full = verify_plan(run.scenario, run.problem, run.x, run.result.objective).defended_weight
    ground = np.flatnonzero(run.x & (run.problem.sites["domain"] != "space").to_numpy())
    assert len(ground) >= 2 and set(facts.index) == set(run.problem.sites["site_id"].iloc[ground])
    for j in ground:
        x = run.x.copy()
        x[j] = False
        without = verify_plan(run.scenario, run.problem, x, run.result.objective).defended_weight
        assert facts.loc[run.problem.sites["site_id"].iat[j], "marginal_weight"] == pytest.approx(
            full - without, rel=1e-9, abs=1e-6
        )


def test_each_site_names_points_it_covers_and_its_nearest_place(small_run):
    facts = site_facts(small_run)
    pts = small_run.points_frame()
    defended = set(pts.loc[pts["defended"], "name"])
    for r in facts.itertuples(index=False):
        names = [n for n in r.points.split("; ") if n and not n.startswith("and ")]
        assert set(names) <= defended and len(names) == min(r.n_points, 25)
        assert r.nearest_place and 0 <= r.nearest_place_km < 2000


def test_waters_nearest_partner_coast_within_reach():
    partners = gpd.GeoDataFrame(
        {"iso_a3": ["AAA", "BBB"]}, geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10)], crs=4326
    )
    lon = np.array([11.0, 19.0, 15.0, 45.0])
    lat = np.array([5.0, 5.0, 5.0, 5.0])
    # 1° of longitude at 5°N is about 111 km: 11°E is 111 km from AAA, 19°E from BBB, 15°E 555 km
    # from both coasts, 45°E 1,660 km from BBB.
    got = waters_of(lon, lat, partners, np.full(4, 370.0))
    assert got.tolist() == ["AAA", "BBB", INTERNATIONAL_WATERS, INTERNATIONAL_WATERS]
    assert waters_of(lon, lat, partners, np.full(4, 2000.0)).tolist()[3] == "BBB"


def test_sea_sites_of_the_plan_name_their_waters(small_run):
    sites = small_run.sites_frame()
    sea = sites[sites["domain"] == "sea"]
    assert len(sea) and (sea["partner"] != "").all()
    assert set(sea["partner"]) <= {"USA", "CAN", INTERNATIONAL_WATERS}
