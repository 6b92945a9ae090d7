"""The adversary report section renders what summary.json["adversary"] holds."""

from __future__ import annotations

import copy
from typing import Any

from reports.adversary import adversary_section, damage_chart

SUMMARY: dict[str, Any] = {
    "raid_size": 6,
    "design_raid_size": 6,
    "design_raid_value_lost": 1000.0,
    "worst_case_value_lost": 4200.0,
    "worst_case_laydown": {"north": {"Toronto": 4, "<b>x</b>": 1}, "west": {"Seattle": 1}},
    "worst_case_gap": 0.0,
    "by_raid_size": [{"raid_size": 6, "value_lost": 4200.0, "laydown": {}, "gap": 0.0, "iterations": 3,
                      "time_s": 0.1}],
    "nominal_plan": {"sites": ["a", "b"], "sensors": ["r"], "rounds": 8, "cost_musd": 900.0,
                     "expected_value_lost": 1000.0, "worst_case_value_lost": 4200.0, "gap": 0.0,
                     "iterations": 3, "worst_case_laydown": {"north": {"Toronto": 4, "<b>x</b>": 1},
                                                              "west": {"Seattle": 1}}},
    "robust_plan": {"sites": ["a", "c"], "sensors": ["r"], "rounds": 10, "cost_musd": 950.0,
                    "expected_value_lost": 1300.0, "worst_case_value_lost": 2500.0, "gap": 0.0,
                    "iterations": 4, "worst_case_laydown": {"north": {"Seattle": 6}}},
    "price_of_robustness": {"value_lost": 300.0, "cost_musd": 50.0, "worst_case_saved": 1700.0},
    "interdiction": [{"k": 1, "assets": ["r"], "value_lost": 3000.0},
                     {"k": 2, "assets": ["r", "a"], "value_lost": 3600.0}],
    "fortified_plan": {"k": 1, "sites": ["a"], "sensors": ["r", "s"], "cost_musd": 990.0,
                       "value_lost_after_losses": 1500.0, "assets_lost": ["a"], "gap": 0.0,
                       "iterations": 2, "expected_value_lost": 1100.0},
    "value_unit": "target weight",
}  # fmt: skip


def test_section_shows_worst_case_robust_plan_and_losses() -> None:
    sec = adversary_section(SUMMARY)
    html = sec.html
    assert sec.title == "An adversary who reads the plan"
    assert "4.2×" in html  # worst case against the design raid's damage
    assert "Toronto" in html and "Seattle" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html  # names are escaped
    assert "data:image/png;base64," in html
    assert "robust (min–max)" in html and "2,500" in html
    assert "+2,000" in html  # k = 1: 3,000 against 1,000 for the design raid
    assert "best under any 1 loss" in html


def test_section_without_robust_plan_or_losses() -> None:
    s = copy.deepcopy(SUMMARY)
    s["robust_plan"], s["price_of_robustness"], s["interdiction"], s["fortified_plan"] = None, None, [], None
    html = adversary_section(s).html
    assert "nominal and robust" not in html and "Loss of assets" not in html
    assert damage_chart(s) is None
    assert "Toronto" in html


def test_map_draws_both_plans_and_the_worst_targets() -> None:
    import geopandas as gpd
    from shapely.geometry import Point, box

    from reports.adversary import adversary_map

    partners = gpd.GeoDataFrame({"iso_a3": ["CAN"]}, geometry=[box(-100, 40, -70, 55)], crs="EPSG:4326")
    sites = gpd.GeoDataFrame(
        {"site_id": ["a", "b", "c"]},
        geometry=[Point(-80, 44), Point(-90, 47), Point(-75, 50)],
        crs="EPSG:4326",
    )
    points = gpd.GeoDataFrame(
        {"name": ["Toronto", "Seattle", "<b>x</b>"]},
        geometry=[Point(-79.4, 43.7), Point(-95, 45), Point(-72, 52)],
        crs="EPSG:4326",
    )
    png = adversary_map(partners, sites, points, SUMMARY)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    html = adversary_section(SUMMARY, png).html
    assert html.count("data:image/png;base64,") == 2
