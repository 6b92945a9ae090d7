import numpy as np
import pytest
import shapely

from geodata import naturalearth as ne


def test_usa_and_can_exist_in_requested_order():
    df = ne.countries(["CAN", "usa"])
    assert list(df.index) == ["CAN", "USA"]
    assert df.index.name == "iso_a3"
    assert list(df.columns) == ["name", "pop_est", "pop_year", "gdp_musd", "gdp_year", "geometry"]
    assert df.loc["USA", "name"] == "United States of America"
    assert 3.0e8 < df.loc["USA", "pop_est"] < 3.5e8
    assert 1.5e7 < df.loc["USA", "gdp_musd"] < 3.0e7  # ~21 trillion USD in millions
    assert df.geometry.is_valid.all()
    assert df.crs.to_epsg() == 4326


def test_adm0_key_covers_iso_minus_99():
    assert {"FRA", "NOR", "USA", "CAN"} <= ne.known_country_codes()
    assert "-99" not in ne.known_country_codes()
    assert "FRA" in ne.countries(["FRA"], scale="110m").index


def test_unknown_code_raises_with_the_code():
    with pytest.raises(ne.UnknownCountryError, match="USX") as info:
        ne.countries(["USA", "USX"])
    assert info.value.code == "USX"
    assert "USA" in str(info.value)  # suggestion
    assert isinstance(info.value, ValueError)
    with pytest.raises(ne.UnknownCountryError):
        ne.populated_places(["ZZZ"])


def test_bad_scale_is_explicit():
    with pytest.raises(ValueError, match="10m"):
        ne.countries(scale="10m")
    with pytest.raises(ValueError, match="ocean"):
        ne.ocean(scale="110m")


def test_cache_returns_copies():
    df = ne.countries(["USA"])
    df.loc["USA", "pop_est"] = -1
    assert ne.countries(["USA"]).loc["USA", "pop_est"] > 0


def test_populated_places_filtered_by_population():
    allp = ne.populated_places(["USA", "CAN"])
    big = ne.populated_places(["USA", "CAN"], min_population=1_000_000)
    assert 0 < len(big) < len(allp)
    assert (big["population"] >= 1_000_000).all()
    assert set(big["iso_a3"]) == {"USA", "CAN"}
    assert big["place_id"].is_unique and ne.populated_places()["place_id"].is_unique
    assert "USA-new-york" in set(big["place_id"])
    assert list(big.columns) == ["place_id", "name", "iso_a3", "population", "geometry"]
    assert np.all(np.diff(big["population"].to_numpy()) <= 0)  # sorted, deterministic
    assert big.equals(ne.populated_places(["USA", "CAN"], min_population=1_000_000))


def test_land_and_ocean():
    land = ne.land_union()
    kansas, atlantic = (-98.0, 38.5), (-40.0, 30.0)
    assert shapely.contains_xy(land, *kansas) and not shapely.contains_xy(land, *atlantic)
    assert ne.land().geometry.is_valid.all()
    assert ne.land(scale="110m").geometry.is_valid.all()  # one invalid polygon as published
    assert ne.ocean().geometry.iloc[0].contains(shapely.Point(*atlantic))
    assert ne.ATTRIBUTION.startswith("Made with Natural Earth")


def test_territory_union_is_the_selected_countries_whatever_the_order():
    partners = ne.countries(["USA", "CAN", "MEX"], scale="110m").reset_index()
    both = ne.territory_union(partners, ("CAN", "USA"))
    assert ne.territory_union(partners, ["USA", "CAN"]) is both  # same codes, one union
    # Independent: points inside one country only, and a point of the country left out.
    inside = shapely.contains_xy(both, [-100.0, -100.0, -102.0], [40.0, 60.0, 23.0])
    assert inside.tolist() == [True, True, False]
    geoms = partners.set_index("iso_a3").geometry
    assert abs(both.area - geoms["USA"].area - geoms["CAN"].area) < 1e-6 * both.area
    everyone = ne.territory_union(partners)
    assert abs(everyone.area - shapely.area(geoms.to_numpy()).sum()) < 1e-6 * everyone.area


def test_territory_union_memo_is_by_content_not_by_frame():
    """A batch builds a new frame per run: equal territories share one union, a changed one does not."""
    first = ne.countries(["USA", "CAN"], scale="110m").reset_index()
    again = ne.countries(["USA", "CAN"], scale="110m").reset_index()
    assert again is not first
    assert ne.territory_union(again) is ne.territory_union(first)
    moved = first.copy()
    moved.loc[moved["iso_a3"] == "CAN", "geometry"] = moved.loc[moved["iso_a3"] == "CAN"].translate(1.0, 0.0)
    shifted = ne.territory_union(moved)
    assert shifted is not ne.territory_union(first)
    assert not shapely.equals(shifted, ne.territory_union(first))
