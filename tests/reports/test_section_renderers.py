"""The raid, build-out and space-interceptor sections rendered straight from small hand-made inputs.

Each renderer gets what the planner would hand it (a plain ``summary.json`` part, and for the raid
its frames), built here by hand, and the HTML is checked for its headings, the numbers given, an
embedded image, its key and no ``nan`` / ``None`` leaking through.
"""

from __future__ import annotations

import base64
import copy
import re
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, box

from reports.engagement import engagement_section, raid_centre, shot_size, shot_size_handles
from reports.schedule import schedule_chart, schedule_section
from reports.space_interceptors import space_interceptor_section

DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _no_missing(html: str) -> None:
    text = re.sub(r"<[^>]+>", " ", DATA_URI.sub("", html))
    assert not re.search(r"\bnan\b", text, re.IGNORECASE), text
    assert not re.search(r"\bNone\b", text), text


def _images(html: str) -> list[bytes]:
    pngs = [base64.b64decode(m) for m in DATA_URI.findall(html)]
    assert pngs and all(p.startswith(PNG_MAGIC) for p in pngs)
    return pngs


def _shows(html: str, texts: tuple[str, ...], n_images: int) -> None:
    """Every text is in the HTML, with ``n_images`` embedded PNGs and no nan / None."""
    missing = [t for t in texts if t not in html]
    assert not missing, missing
    assert len(_images(html)) == n_images
    _no_missing(html)


# --------------------------------------------------------------------------- raid and leakage
def _curve_point(n: int, leakers: float, saturated: bool) -> dict[str, Any]:
    return {"raid_size": n, "expected_leakers": leakers, "expected_value_lost": 1000.0 * leakers,
            "engaged": n, "expected_defeated": n - leakers, "shots_fired": 2 * n,
            "shots_per_layer": {"midcourse": n, "terminal": n}, "rounds_left": max(0, 10 - 2 * n),
            "saturated": saturated}  # fmt: skip


ENGAGEMENT: dict[str, Any] = {
    "design_raid": {"north_box": 3, "west_box": 1},
    "design_raid_size": 4,
    "expected_leakers": 0.37,
    "expected_value_lost": 370.0,
    "value_unit": "target weight",
    "engaged": 4,
    "expected_defeated": 3.63,
    "shots_fired": 8,
    "shots_per_layer": {"midcourse": 4, "terminal": 4},
    "cost_musd": 1234.0,
    "budget_musd": 1500.0,
    "sites": [{"site_id": "gbi:0007", "type": "gbi", "layer": "midcourse", "rounds": 6},
              {"site_id": "battery:0002", "type": "battery", "layer": "terminal", "rounds": 4}],
    "sensors": ["radar:0001"],
    "raid_curve": [_curve_point(2, 0.11, False), _curve_point(4, 0.37, False), _curve_point(8, 2.95, True)],
    "saturation_raid_size": 8,
    "monte_carlo": {"trials": 500, "expected_leakers": 0.372, "ci99": [0.31, 0.43],
                    "contains_analytic": True},
    "solve": {"termination": "optimal", "gap": 0.0, "linearisation": "secant (exact)",
              "approximation_error": 1e-9},
    "time_s": 1.0,
}  # fmt: skip


def _raid_frames() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two launch areas north of a 20° x 10° 'partner' at 40-50° N, 90-110° W, four tracks."""
    starts = [(-100.0, 75.0), (-98.0, 76.0), (-102.0, 74.0), (-140.0, 55.0)]
    ends = [(-95.0, 45.0), (-105.0, 42.0), (-100.0, 48.0), (-108.0, 44.0)]
    lines = [
        LineString(
            [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, 1e5 * t * (1 - t)) for t in (0, 0.5, 1)]
        )
        for a, b in zip(starts, ends, strict=True)
    ]
    tracks = gpd.GeoDataFrame(
        {"launch_area": ["north_box"] * 3 + ["west_box"], "p_leak": [0.02, 0.1, 0.05, 0.9]},
        geometry=lines,
        crs="EPSG:4326",
    )
    intercepts = gpd.GeoDataFrame(
        {"layer": ["midcourse", "terminal", "terminal"], "lon": [-99.0, -95.5, -107.5],
         "lat": [55.0, 45.5, 44.5], "shots": [1, 2, 1]},
        geometry=gpd.points_from_xy([-99.0, -95.5, -107.5], [55.0, 45.5, 44.5]),
        crs="EPSG:4326",
    )  # fmt: skip
    partners = gpd.GeoDataFrame({"iso_a3": ["XXX"]}, geometry=[box(-110, 40, -90, 50)], crs="EPSG:4326")
    return tracks, intercepts, partners


def test_raid_section_states_the_figures_and_keys_its_map() -> None:
    sec = engagement_section(copy.deepcopy(ENGAGEMENT), *_raid_frames())
    html = sec.html
    assert sec.title == "Raid and leakage (notional)" and sec.key == "engagement"
    for heading in (
        "<h3>Leakage curve (plan held, shots re-optimised)</h3>",
        "<h3>Interceptor sites and rounds</h3>",
    ):
        assert heading in html
    texts = (
        "3 from north_box, 1 from west_box",
        "<b>4</b> missiles",
        "<b>0.37</b>",
        "1,234 of 1,500 M USD",
        "0.372 leakers",
        "[0.310, 0.430]",
        "contains the analytic figure",
        "gbi:0007",
        "radar:0001",
        "<td>2.95</td>",
        "<td>2,950</td>",
        "expected value lost (target weight)",
        "first magazine empty",
        "probability that its missile leaks",  # the map's key
        "colour bar",
        "the model's value lost is the exact one",  # round-off is not printed as 1.00e-09
    )
    _shows(html, texts, 2)  # leakage curve and map
    assert "e-09" not in html
    tangent = copy.deepcopy(ENGAGEMENT)
    tangent["solve"].update(approximation_error=12.5, linearisation="tangent")
    assert "12.5 below the exact one" in engagement_section(tangent, *_raid_frames()).html
    lat0, lon0 = raid_centre(*_raid_frames()[:2])
    assert f"{abs(lat0):.0f}° N, {abs(lon0):.0f}° W" in html  # the centre the projection uses


def test_raid_centre_is_the_mean_direction_of_tracks_and_intercepts() -> None:
    def frames(lonlat: list[tuple[float, float]]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        none = gpd.GeoDataFrame({"lon": [], "lat": []}, geometry=[], crs="EPSG:4326")
        return gpd.GeoDataFrame(geometry=[LineString(lonlat)], crs="EPSG:4326"), none

    # (1, 0, 0) and (0, 1, 0): the mean direction is on the equator at 45° E.
    assert raid_centre(*frames([(0.0, 0.0), (90.0, 0.0)])) == pytest.approx((0.0, 45.0), abs=1e-9)
    # 60° N on 100° W and 80° N on 80° E: 40° apart across the pole; the mean direction is the
    # arc's midpoint, 20° from 60° N towards the pole on 100° W.
    lat, lon = raid_centre(*frames([(-100.0, 60.0), (80.0, 80.0)]))
    assert lon == pytest.approx(-100.0, abs=1e-9) and lat == pytest.approx(80.0, abs=1e-9)
    # Intercept points count as well; nothing at all falls back to the pole.
    pts = gpd.GeoDataFrame(
        {"lon": [10.0, 30.0], "lat": [0.0, 0.0]}, geometry=gpd.points_from_xy([10, 30], [0, 0])
    )
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    assert raid_centre(empty, pts) == pytest.approx((0.0, 20.0), abs=1e-9)
    assert raid_centre(empty, pts.iloc[0:0]) == (90.0, -100.0)


def test_raid_map_is_framed_on_the_data_not_on_north_america() -> None:
    """A raid over Europe: the projection is centred there (50-60° N, 0-30° E)."""
    tracks, intercepts, partners = _raid_frames()
    shift = np.array([120.0, 0.0])
    tracks = tracks.set_geometry(
        [LineString(np.asarray(g.coords)[:, :2] + shift) for g in tracks.geometry], crs="EPSG:4326"
    )
    intercepts = intercepts.assign(lon=intercepts["lon"] + 120.0)
    lat0, lon0 = raid_centre(tracks, intercepts)
    assert 45.0 < lat0 < 65.0 and 0.0 < lon0 < 30.0
    html = engagement_section(copy.deepcopy(ENGAGEMENT), tracks, intercepts, partners).html
    assert f"{lat0:.0f}° N, {lon0:.0f}° E" in html


def test_raid_map_key_shows_one_dot_per_shot_count_at_the_drawn_size() -> None:
    """The key's dots are the map's: a scatter area s (points²) is a marker of diameter √s."""
    handles = shot_size_handles(np.array([2, 1, 2, 1]))
    assert [h.get_label() for h in handles] == ["1 shot", "2 shots"]
    sizes = np.array([h.get_markersize() for h in handles])
    assert np.allclose(sizes**2, shot_size(np.array([1, 2]))) and sizes[1] > sizes[0]


# --------------------------------------------------------------------------- build-out
def _year(year: int, spend: float, share: float, core_ok: bool | None) -> dict[str, Any]:
    return {"year": year, "budget_musd": 500.0, "spend_musd": spend, "acquisition_musd": spend - 20.0,
            "operations_musd": 20.0, "replacement_musd": 0.0, "nominal_spend_musd": spend * 1.02,
            "in_service": {"battery": 1}, "funded": {"battery": 1}, "defended_weight": 1e6 * share,
            "defended_share": share, "core_ok": core_ok, "blocking_coalition": None if core_ok else ["CAN"],
            "bills": {"shapley": {"USA": 0.75 * spend, "CAN": 0.25 * spend},
                      "core_lp": {"USA": 0.7 * spend, "CAN": 0.3 * spend}}}  # fmt: skip


SCHEDULE: dict[str, Any] = {
    "first_year": 2026, "last_year": 2027, "base_year": 2025, "money": "constant M USD of 2025",
    "carry_over": False, "discount_rate": 0.03,
    "years": [_year(2026, 480.0, 0.25, True), _year(2027, 360.0, 0.6, False)],
    "lifecycle_totals": {"base_year": 2025,
                         "constant_musd": {"acquisition": 800.0, "operations": 40.0, "replacement": 0.0,
                                           "total": 840.0},
                         "nominal_musd": {"acquisition": 816.0, "operations": 41.2, "replacement": 0.0,
                                          "total": 857.2},
                         "present_value_musd": 811.5,
                         "range_musd": {"low": 700.0, "base": 840.0, "high": 990.0}},
    "milestones": [{"label": "half defended by 2027", "year": 2027, "first_year_met": 2027, "ok": True}],
    "builds": [{"site_id": "battery:0001", "asset_type": "battery", "partner": "USA", "existing": False,
                "funded_year": 2026, "in_service_year": 2027, "retires_year": None}],
    "reference_lines": [{"label": "announced", "total_musd": 900.0, "partner": None}],
    "bills": {"reference_rule": "shapley",
              "cumulative": {"shapley": {"USA": [360.0, 630.0], "CAN": [120.0, 210.0]}},
              "core": {"shapley": [{"in_core": True, "blocking_coalition": None},
                                   {"in_core": False, "blocking_coalition": ["CAN"]}]}},
    "solve": {"status": "optimal", "gap": 0.0, "solve_s": 1.25},
    "verification": {"ok": True},
    "notes": ["Every amount is notional."],
}  # fmt: skip


def test_build_out_section_states_the_years_bills_and_core() -> None:
    sched = copy.deepcopy(SCHEDULE)
    sec = schedule_section(sched, schedule_chart(sched))
    html = sec.html
    assert sec.title == "Build-out year by year"
    for heading in (
        "Life-cycle totals",
        "Milestones",
        "Year by year",
        "Each year's bill",
        "Cumulative split in the core",
    ):
        assert f"<h3>{heading}" in html, heading
    texts = (
        "2026–2027",
        "constant M USD of 2025",
        "carry-over off",
        "3.0%",
        "optimal",
        "passed",
        "<td>840.0</td>",
        "700.0 / 840.0 / 990.0",
        "<td>811.5</td>",
        "half defended by 2027",
        "<td>60.0 %</td>",
        "no: CAN",
        "<td>360.0</td>",
        "<td>shapley</td>",
        "<td>core_lp</td>",
        "<td>270.0</td>",
        "<td>108.0</td>",
        "Every amount is notional.",
    )
    _shows(html, texts, 1)


# --------------------------------------------------------------------------- space-based interceptors
def _option(n: int, p4: float) -> dict[str, Any]:
    area = {
        "lat_deg": 45.0,
        "n_points": 3,
        "mean_in_reach": n / 200.0,
        "mean_in_reach_exact": n / 200.0 - 0.01,
        "p_at_least": {"0": 1.0, "1": 0.99, "4": p4},
        "absentee_ratio": 200.0,
        "boost_survival": 0.5,
    }
    return {"source": "menu", "n_satellites": n, "meets_target": p4 >= 0.9,
            "life_cycle_cost": {"total_musd": 40.0 * n}, "areas": {"box_45n": area}}  # fmt: skip


SPACE: dict[str, Any] = {
    "layer": "sbi_layer", "altitude_km": 400.0, "reach_km": 580.9, "reach_given": False,
    "kv_flight_time_s": 180.0, "kv_range_km": 640.0, "salvo_size": 4, "shots_per_missile": 1,
    "interceptors_needed_at_once": 4, "sspk": 0.7, "target_probability": 0.9, "smallest": "45:1200/24/1",
    "options": {"45:480/24/1": _option(480, 0.06), "45:1200/24/1": _option(1200, 0.93)},
    "curves": [{"area": "box_45n", "lat_deg": 45.0, "pattern": "45:1200/24/1", "n_satellites": n, "k": k,
                "p_at_least": p}
               for n, k, p in ((480, 1, 0.99), (1200, 1, 1.0), (480, 4, 0.06), (1200, 4, 0.93))],
    "note": "P(N >= k): share of a sidereal day; notional.",
}  # fmt: skip


def test_space_interceptor_section_states_reach_options_and_curves() -> None:
    sec = space_interceptor_section(copy.deepcopy(SPACE))
    html = sec.html
    assert sec.title == "Space-based interceptors"
    texts = (
        "Layer sbi_layer at 400 km",
        "within 581 km",
        "180 s of boost left to fly 640 km",
        "A salvo of 4",
        "target P = 0.90",
        "Smallest option meeting it: 45:1200/24/1",
        "45:480/24/1",
        "1,200",
        "P(N&gt;=4)",
        "0.930",
        "0.060",
        "48,000",
        "sidereal day; notional.",
    )
    _shows(html, texts, 1)


def test_space_interceptor_section_without_curves_has_no_image() -> None:
    s = copy.deepcopy(SPACE)
    s["curves"], s["smallest"] = [], None
    html = space_interceptor_section(s).html
    assert "data:image/png" not in html and "Smallest option meeting it: none" in html
    _no_missing(html)


# --------------------------------------------------------------------------- asset types: unit × count = cost
def test_asset_type_row_of_a_constellation_shows_its_satellite_count() -> None:
    import types

    import pandas as pd

    from reports.html import asset_type_table
    from reports.summary import AssetTypeRow

    rows = [
        AssetTypeRow("battery", "Battery", "land", "interceptor", 4, 24, 250.0, 1000.0),
        AssetTypeRow("tracking", "Tracking", "space", "sensor", "60:48/6/1", 1, 40.0, 1920.0),
    ]
    chosen = pd.DataFrame({"asset_type": ["tracking"], "n_satellites": [48]})
    summary: Any = types.SimpleNamespace(per_asset_type=rows)
    table = asset_type_table(summary, chosen)
    assert table is not None
    cells = [[c.text for c in r] for r in table.rows]
    assert cells[1][5:] == ["40.0 × 48 satellites", "1,920.0"]  # 40 × 48 = 1,920
    assert cells[0][5:] == ["250.0", "1,000.0"]  # ground rows: the count is in "Chosen"
    bare = asset_type_table(summary)  # without the constellations: the unit cost alone
    assert bare is not None and bare.rows[1][5].text == "40.0"
