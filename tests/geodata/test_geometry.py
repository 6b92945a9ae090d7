import numpy as np
import pyproj
import pytest

from geodata.geometry import (
    EARTH_RADIUS_KM,
    GREAT_CIRCLE_MAX_RELATIVE_ERROR,
    arc_for_chord_km,
    chord_for_arc_km,
    footprint_central_angle_deg,
    great_circle_km,
    lonlat_from_unit_vectors,
    radar_horizon_km,
    unit_vectors,
)


def _random_sphere(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(-180, 180, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))


def test_radius_is_iugg_mean():
    assert EARTH_RADIUS_KM == 6371.0088


def test_great_circle_hand_values():
    # A quarter of the equator, and one degree of meridian.
    assert great_circle_km(0, 0, 90, 0) == pytest.approx(np.pi / 2 * EARTH_RADIUS_KM, rel=1e-12)
    assert great_circle_km(10, 20, 10, 21) == pytest.approx(EARTH_RADIUS_KM * np.pi / 180, rel=1e-9)
    assert great_circle_km(-179.5, 0, 179.5, 0) == pytest.approx(EARTH_RADIUS_KM * np.pi / 180)
    assert great_circle_km(3, 4, 3, 4) == 0.0


def test_great_circle_broadcasts():
    d = great_circle_km(np.zeros((4, 1)), np.zeros((4, 1)), np.arange(3.0)[None, :], 0.0)
    assert d.shape == (4, 3)
    assert np.allclose(d[:, 1], EARTH_RADIUS_KM * np.pi / 180)


@pytest.mark.parametrize("short", [False, True])
def test_great_circle_error_bound_against_wgs84_geodesic(short):
    rng = np.random.default_rng(20240601 + short)
    lon1, lat1 = _random_sphere(rng, 50_000)
    if short:  # ~100 km arcs, where the meridional curvature matters most
        lon2 = lon1 + rng.normal(0, 1, lon1.size)
        lat2 = np.clip(lat1 + rng.normal(0, 1, lat1.size), -89.9, 89.9)
    else:
        lon2, lat2 = _random_sphere(rng, 50_000)
    _, _, geodesic_m = pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    geodesic = geodesic_m / 1000
    ok = geodesic > 1.0
    rel = np.abs(great_circle_km(lon1, lat1, lon2, lat2)[ok] - geodesic[ok]) / geodesic[ok]
    assert rel.max() <= GREAT_CIRCLE_MAX_RELATIVE_ERROR
    assert rel.max() > 0.004  # the bound is tight, not vacuous


def test_radar_horizon_ten_metre_mast():
    assert radar_horizon_km(10.0) == pytest.approx(13.0, abs=0.05)
    # Both ends add; optics (k=1) see less far than refracted radar.
    both = radar_horizon_km(10.0, 10_000.0)
    assert both == pytest.approx(radar_horizon_km(10.0) + radar_horizon_km(10_000.0), rel=1e-12)
    assert radar_horizon_km(10.0, k=1.0) < radar_horizon_km(10.0)
    with pytest.raises(ValueError):
        radar_horizon_km(-1.0)


@pytest.mark.parametrize(("altitude", "diameter"), [(500.0, 3126.0), (800.0, 4217.0)])
def test_footprint_diameter(altitude, diameter):
    lam = np.radians(footprint_central_angle_deg(altitude, 10.0, radius_km=6371.0))
    assert 2 * 6371.0 * lam == pytest.approx(diameter, abs=2.0)


def test_footprint_zero_elevation_is_geometric_horizon():
    h = 1000.0
    lam = np.radians(footprint_central_angle_deg(h, 0.0))
    assert np.cos(lam) == pytest.approx(EARTH_RADIUS_KM / (EARTH_RADIUS_KM + h))
    with pytest.raises(ValueError):
        footprint_central_angle_deg(500.0, 90.0)


def test_unit_vectors_and_chords_agree_with_haversine():
    rng = np.random.default_rng(7)
    lon1, lat1 = _random_sphere(rng, 1000)
    lon2, lat2 = _random_sphere(rng, 1000)
    u, v = unit_vectors(lon1, lat1), unit_vectors(lon2, lat2)
    assert np.allclose(np.linalg.norm(u, axis=1), 1.0)
    chord = np.linalg.norm(u - v, axis=1)
    d = great_circle_km(lon1, lat1, lon2, lat2)
    assert np.allclose(chord_for_arc_km(d), chord, atol=1e-12)
    assert np.allclose(arc_for_chord_km(chord), d, rtol=1e-9, atol=1e-6)
    lon, lat = lonlat_from_unit_vectors(u)
    assert np.allclose(lat, lat1) and np.allclose(np.cos(np.radians(lon - lon1)), 1.0)
