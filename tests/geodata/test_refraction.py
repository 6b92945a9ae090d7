"""Refracted line of sight against an independent ray trace (tests/geodata/raytrace_ref.py)."""

import numpy as np
import pytest

from geodata.geometry import radar_horizon_km
from geodata.refraction import line_of_sight_arc_km
from tests.geodata.raytrace_ref import horizon_km, ray_arcs_km


def test_ten_metre_mast_keeps_the_textbook_horizon():
    assert radar_horizon_km(10.0) == pytest.approx(13.0, abs=0.05)
    assert radar_horizon_km(10.0) == pytest.approx(radar_horizon_km(10.0, k=4 / 3), rel=0.002)


@pytest.mark.parametrize("sensor_m", [5.0, 30.0, 100.0])
def test_horizon_matches_a_ray_trace_above_the_atmosphere(sensor_m):
    alts = np.array([1.0, 5.0, 20.0, 60.0, 100.0, 200.0, 300.0, 500.0, 1000.0])
    ref = horizon_km(sensor_m / 1000, alts)
    got = radar_horizon_km(sensor_m, alts * 1000)
    np.testing.assert_allclose(got, ref, rtol=0.002)
    # Beyond the air a 4/3 Earth overstates the reach, more and more with altitude.
    k43 = radar_horizon_km(sensor_m, alts * 1000, k=4 / 3)
    assert (k43[alts >= 100] > 1.08 * ref[alts >= 100]).all()


def test_thirty_metre_mast_to_100_and_500_km():
    got = radar_horizon_km(30.0, [100_000.0, 500_000.0])
    assert got[0] == pytest.approx(1220.0, rel=0.03)  # STACK-NOTES ray trace
    assert got[1] == pytest.approx(2550.0, rel=0.03)
    assert got == pytest.approx(horizon_km(0.03, np.array([100.0, 500.0])), rel=0.01)


@pytest.mark.parametrize(("sensor_m", "eps"), [(30.0, 3.0), (30.0, 1.0), (20.0, 6.0), (500.0, 2.0)])
def test_minimum_elevation_matches_a_ray_trace(sensor_m, eps):
    alts = np.array([10.0, 50.0, 100.0, 250.0, 500.0, 1500.0])
    ref = ray_arcs_km(sensor_m / 1000, eps, alts)
    got = line_of_sight_arc_km(sensor_m / 1000, alts, eps)
    np.testing.assert_allclose(got, ref, rtol=0.002)
    assert (got < line_of_sight_arc_km(sensor_m / 1000, alts, 0.0)).all()


def test_three_degrees_cuts_the_100_km_reach_to_about_850_km():
    assert line_of_sight_arc_km(0.03, 100.0, 3.0) == pytest.approx(855.0, abs=5.0)
    assert line_of_sight_arc_km(0.03, 0.02, 3.0) == 0.0  # below the sensor: out of view
