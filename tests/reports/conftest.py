"""A tiny synthetic plan: 2 box partners, 5 sites (3 chosen), 2 constellations (1 chosen), 10 points.

Coverage is recomputed here from the chosen sites with the haversine distance, so the summary's figures
are consistent with the frames and the tests can check the report against independent numbers.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from reports.bundle import PlanBundle, ReportSection
from reports.geodesic import haversine_km
from reports.summary import (
    AssetTypeRow,
    LayerWeights,
    PartnerRow,
    PlanSummary,
    RunTimes,
    ScenarioInfo,
    SolverInfo,
    Verification,
    VerificationCheck,
)

NOTE = "All asset parameters are notional and illustrative; they describe no real system."
NAN = float("nan")


def make_bundle(**overrides) -> PlanBundle:
    partners = gpd.GeoDataFrame(
        {"iso_a3": ["AAA", "BBB"], "name": ["Alphaland", "Betaland"]},
        geometry=[box(-110, 30, -95, 45), MultiPolygon([box(-95, 30, -80, 45), box(-79, 44, -77, 46)])],
        crs=4326,
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["R1", "B1", "B2", "SHIP1", "R2"],
            "asset_type": ["radar", "battery", "battery", "destroyer", "radar"],
            "domain": ["land", "land", "land", "sea", "land"],
            "role": ["sensor", "interceptor", "interceptor", "sensor+interceptor", "sensor"],
            "cost_musd": [120.0, 80.0, 80.0, 150.0, 120.0],
            "sensor_reach_km": [1300.0, NAN, NAN, 600.0, 900.0],
            "engagement_range_km": [NAN, 300.0, 300.0, 250.0, NAN],
            "partner": ["AAA", "BBB", "AAA", "", "BBB"],
            "chosen": [True, True, False, True, False],
        },
        geometry=[Point(-102, 38), Point(-88, 37), Point(-100, 33), Point(-78, 33), Point(-84, 43)],
        crs=4326,
    )
    constellations = pd.DataFrame(
        {
            "site_id": ["LEO24", "LEO48"],
            "asset_type": ["tracking_sat", "tracking_sat"],
            "pattern": ["53:24/3/1", "53:48/6/1"],
            "altitude_km": [1000.0, 1000.0],
            "n_satellites": [24, 48],
            "cost_musd": [400.0, 800.0],
            "role": ["sensor", "sensor"],
            "chosen": [True, False],
        }
    )
    rng = np.random.default_rng(7)
    lon = np.concatenate([rng.uniform(-109, -96, 5), rng.uniform(-94, -81, 5)])
    lat = rng.uniform(31, 44, 10)
    weight = rng.integers(1_000, 900_000, 10).astype(float)
    # Two points placed where they are surely defended (next to the battery and the ship).
    lon[5], lat[5] = -88.5, 37.2
    lon[6], lat[6] = -78.5, 33.5
    chosen = sites[sites["chosen"]]
    d = haversine_km(
        lon[:, None],
        lat[:, None],
        chosen.geometry.x.to_numpy()[None, :],
        chosen.geometry.y.to_numpy()[None, :],
    )
    sensed = (d <= chosen["sensor_reach_km"].fillna(-1).to_numpy()).any(axis=1)
    engaged = (d <= chosen["engagement_range_km"].fillna(-1).to_numpy()).any(axis=1)
    points = gpd.GeoDataFrame(
        {
            "demand_id": [f"P{i:02d}" for i in range(10)],
            "name": [f"Town {i}" for i in range(10)],
            "partner": ["AAA"] * 5 + ["BBB"] * 5,
            "weight": weight,
            "sensor_covered": sensed,
            "interceptor_covered": engaged,
            "defended": sensed & engaged,
            "space_fraction": np.linspace(0.5, 1.0, 10),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )
    w = points["weight"]
    per_partner = []
    for iso, name in zip(partners["iso_a3"], partners["name"], strict=True):
        m = points["partner"] == iso
        per_partner.append(
            PartnerRow(
                iso_a3=iso,
                name=name,
                total_weight=float(w[m].sum()),
                defended_weight=float(w[m & points["defended"]].sum()),
                defended_share=float(w[m & points["defended"]].sum() / w[m].sum()),
                sensor_covered_weight=float(w[m & points["sensor_covered"]].sum()),
                interceptor_covered_weight=float(w[m & points["interceptor_covered"]].sum()),
                cost_musd_on_territory=float(chosen.loc[chosen["partner"] == iso, "cost_musd"].sum()),
            )
        )
    defended = float(w[points["defended"]].sum())
    assets = [
        ("radar", "land", "sensor", 2, 120.0),
        ("battery", "land", "interceptor", 2, 80.0),
        ("destroyer", "sea", "sensor+interceptor", 1, 150.0),
        ("tracking_sat", "space", "sensor", 2, 400.0),
    ]
    summary = PlanSummary(
        scenario=ScenarioInfo(
            name="tiny", title="Tiny test plan", file="scenarios/tiny.yaml", hash="sha256:0123abcd"
        ),
        weight_unit="people",
        status="optimal",
        termination="optimal",
        objective=defended,
        bound=defended,
        gap=0.0,
        cost_musd=750.0,
        budget_musd=1000.0,
        defended_weight=defended,
        total_weight=float(w.sum()),
        defended_share=defended / float(w.sum()),
        n_points=len(points),
        n_candidate_sites=len(sites) + len(constellations),
        n_chosen_sites=4,
        requirement="sensor_and_interceptor",
        per_partner=tuple(per_partner),
        per_layer=LayerWeights(
            sensor_covered_weight=float(w[points["sensor_covered"]].sum()),
            interceptor_covered_weight=float(w[points["interceptor_covered"]].sum()),
            defended_weight=defended,
        ),
        per_asset_type=tuple(
            AssetTypeRow(name, name, domain, role, 1, max_count, cost, cost)
            for name, domain, role, max_count, cost in assets
        ),
        times=RunTimes(
            coverage_s=0.012, build_s=0.05, solve_s=0.2, verify_s=0.01, cost_sharing_s=0.0, total_s=0.3
        ),
        solver=SolverInfo(
            engine="highs", solver="highs", version="1.15.1", threads=1, time_limit_s=60.0, mip_rel_gap=1e-4
        ),
        versions={"domeplan": "0.1.0", "python": "3.11.2", "numpy": "2.4.6"},
        verification=Verification(
            ok=True,
            recomputed_defended_weight=defended,
            recomputed_cost_musd=750.0,
            checks=(
                VerificationCheck("cost within budget", True),
                VerificationCheck("defended weight matches", True, "delta 0"),
            ),
        ),
        threats=None,
        notional_note=NOTE,
    )
    kwargs = dict(
        scenario_name="tiny",
        title="Tiny test plan",
        notional_note=NOTE,
        partners=partners,
        sites=sites,
        constellations=constellations,
        points=points,
        summary=summary,
        sections=(ReportSection("Cost shares", "<p id='extra-section'>shares <b>here</b></p>"),),
    )
    kwargs.update(overrides)
    return PlanBundle(**kwargs)


@pytest.fixture(scope="session")
def bundle() -> PlanBundle:
    return make_bundle()


@pytest.fixture(scope="session")
def written(bundle, tmp_path_factory):
    """Write the tiny bundle's outputs once for the whole session."""
    from reports.writers import write_outputs

    out = tmp_path_factory.mktemp("out")
    return write_outputs(bundle, out / bundle.scenario_name)


@pytest.fixture(scope="session")
def tiny_png(bundle) -> bytes:
    from reports.maps import render_map

    return render_map(bundle, width_in=4, dpi=30)


@pytest.fixture
def fast_images(monkeypatch, tiny_png):
    """Replace map and chart rendering in write_outputs by a ready PNG (tests of the writing itself)."""
    monkeypatch.setattr("reports.writers.render_map", lambda bundle: tiny_png)
    monkeypatch.setattr("reports.writers.render_charts", lambda bundle: tiny_png)


@pytest.fixture(scope="session")
def printed_run(small_run, tmp_path_factory):
    """The small run written once with its PDF: ``(output root, file name -> path)``."""
    from planner import write_run

    root = tmp_path_factory.mktemp("print")
    return root, write_run(small_run, root, pdf=True)
