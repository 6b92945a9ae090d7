from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from planner import InputError, Scenario, json_schema, load_scenario, parse_scenario
from planner.scenario.overrides import apply_cli_overrides, parse_path
from planner.scenario.schema import LandAsset


def test_default_scenario_validates():
    sc = load_scenario("scenarios/north_america.yaml")
    assert sc.partner_codes == ("USA", "CAN")
    assert {a.domain for a in sc.asset_types} == {"land", "sea", "space"}
    assert len(sc.digest()) == 64


def test_scenario_is_frozen(small_dict: dict[str, Any]) -> None:
    sc = parse_scenario(small_dict)
    with pytest.raises(ValidationError):
        sc.budget_musd = 1.0


def test_digest_changes_with_content(small_dict):
    a = parse_scenario(small_dict)
    b = a.with_overrides({"budget_musd": 9999})
    assert a.digest() != b.digest()
    assert a.digest() == parse_scenario(small_dict).digest()


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (lambda d: d.update(colour="red"), "colour", "unknown key"),
        (lambda d: d.update(budget_musd=0), "budget_musd = 0", "greater than 0"),
        (lambda d: d.update(budget_musd=-5), "budget_musd = -5", "greater than 0"),
        (lambda d: d.update(budget_musd="lots"), "budget_musd = 'lots'", "number"),
        (lambda d: d["asset_types"][1].update(range_km=3), "asset_types[1].range_km", "unknown key"),
        (lambda d: d["asset_types"][0].pop("sensor_range_km"), "asset_types[0]", "sensor_range_km"),
        (
            lambda d: d["asset_types"][3].update(constellations=["53:25/3/1"]),
            "asset_types[3].constellations",
            "divisible",
        ),
        (lambda d: d["asset_types"][2].update(domain="air"), "asset_types[2]", "domain"),
        (lambda d: d["partners"].append({"iso_a3": "USA"}), "", "partner listed twice"),
        (lambda d: d["partners"][0].update(iso_a3="usa"), "partners[0].iso_a3 = 'usa'", "pattern"),
    ],
)
def test_bad_fields_name_path_and_value(small_dict, mutate, field, fragment):
    mutate(small_dict)
    with pytest.raises(InputError) as info:
        parse_scenario(small_dict, file="x.yaml")
    line = info.value.line()
    assert line.startswith("x.yaml")
    assert field in line
    assert fragment in line
    assert "\n" not in line


def test_json_schema_has_descriptions():
    schema = json_schema()
    assert schema["title"].startswith("domeplan scenario")
    props = schema["properties"]
    assert "budget_musd" in props and "description" in props["budget_musd"]


def test_overrides_apply_in_order_and_validate(small_dict):
    sc = parse_scenario(small_dict)
    out = apply_cli_overrides(sc, ["budget_musd=100", "budget_musd=200", "asset_types[1].max_count=9"])
    assert out.budget_musd == 200
    battery = out.asset_types[1]
    assert isinstance(battery, LandAsset) and battery.max_count == 9
    with pytest.raises(InputError) as info:
        apply_cli_overrides(sc, ["budget_musd=-1"])
    assert "budget_musd" in info.value.line()
    with pytest.raises(InputError):
        apply_cli_overrides(sc, ["asset_types[9].max_count=1"])
    with pytest.raises(InputError):
        apply_cli_overrides(sc, ["no_equals_sign"])


def test_parse_path():
    assert parse_path("asset_types[1].candidates.spacing_km") == [
        "asset_types",
        1,
        "candidates",
        "spacing_km",
    ]
    with pytest.raises(ValueError):
        parse_path("a..b")


def test_with_overrides_is_deep(small_dict):
    sc = Scenario.model_validate(small_dict)
    out = sc.with_overrides({"solver": {"time_limit_s": 5}})
    assert out.solver.time_limit_s == 5
    assert out.solver.threads == sc.solver.threads


def test_physics_fields_defaults_and_bad_values(small_dict):
    sc = parse_scenario(small_dict)
    space = next(a for a in sc.asset_types if a.domain == "space")
    radar = next(a for a in sc.asset_types if a.domain == "land")
    assert space.horizon_s is None and space.atmosphere_margin_km == 20.0
    assert radar.horizon_k is None and radar.min_elevation_deg == 0.0
    bad = dict(
        small_dict,
        threats={"launch_areas": [{"name": "a", "lon": 0, "lat": 0}], "trajectory": {"kind": "lofted"}},
    )
    with pytest.raises(InputError) as info:
        parse_scenario(bad)
    assert "loft_deg" in str(info.value) and "threats.trajectory" in str(info.value)
    small_dict["asset_types"][3]["time_steps"] = 120  # replaced by horizon_s / time_step_s
    with pytest.raises(InputError) as info:
        parse_scenario(small_dict)
    assert "time_steps" in str(info.value)
