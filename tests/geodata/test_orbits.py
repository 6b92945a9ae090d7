import numpy as np
import pytest

from geodata.geometry import lonlat_from_unit_vectors
from geodata.orbits import (
    MU_EARTH_KM3_S2,
    Walker,
    orbital_period_s,
    satellite_positions,
)


def test_parse_and_str_round_trip():
    w = Walker.parse("53:24/3/1")
    assert (w.inclination_deg, w.t, w.p, w.f) == (53.0, 24, 3, 1)
    assert str(w) == "53:24/3/1"
    assert str(Walker.parse(" 97.5 : 6/2/1")) == "97.5:6/2/1"
    assert w.per_plane == 8


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("53:24/5/1", "divisible"),
        ("53:24/3/3", "phasing"),
        ("53-24-3-1", "i:t/p/f"),
        ("200:4/2/0", "inclination"),
        ("53:0/1/0", "positive"),
    ],
)
def test_parse_errors_name_the_string(text, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        Walker.parse(text)
    assert text in str(info.value)


def test_period_of_a_500_km_orbit():
    a = 6371.0088 + 500.0
    assert orbital_period_s(500.0) == pytest.approx(2 * np.pi * np.sqrt(a**3 / MU_EARTH_KM3_S2))
    assert 94 * 60 < orbital_period_s(500.0) < 95 * 60


def test_walker_geometry():
    w = Walker.parse("60:12/3/1")
    xyz = satellite_positions(w, 700.0, np.array([0.0, 1000.0]))
    assert xyz.shape == (12, 2, 3)
    assert np.allclose(np.linalg.norm(xyz, axis=-1), 1.0)
    lon, lat = lonlat_from_unit_vectors(xyz)
    assert np.abs(lat).max() <= 60.0 + 1e-9
    # t=0: planes' nodes 120 degrees apart; slot 0 of plane 0 at the node, plane 1 phased 2*pi*f/t.
    assert lon[0, 0] == pytest.approx(0.0) and lat[0, 0] == pytest.approx(0.0, abs=1e-12)
    u_plane1 = np.arcsin(np.sin(np.radians(lat[4, 0])) / np.sin(np.radians(60)))
    assert u_plane1 == pytest.approx(2 * np.pi * 1 / 12)
    # in-plane neighbours are 2*pi/4 apart in argument of latitude: dot = cos(90 deg)
    assert np.dot(xyz[0, 0], xyz[1, 0]) == pytest.approx(0.0, abs=1e-12)
