"""Threat tracking by satellites against an independent propagation and line-of-sight check."""

import numpy as np
import pytest

from geodata.orbits import Walker
from geodata.space_tracking import space_tracking
from geodata.threats import LaunchArea, ballistic_tracks, corridor_summary

MU, WE, R = 398600.4418, 7.2921159e-5, 6371.0088


def _sats_km(pattern: str, h: float, times: np.ndarray) -> np.ndarray:
    """Earth-fixed satellite positions (n_sats, n_times, 3), km, written from the Walker rule."""
    inc, rest = pattern.split(":")
    t, p, f = map(int, rest.split("/"))
    i, s, a = np.radians(float(inc)), t // p, R + h
    n = np.sqrt(MU / a**3)
    out = []
    for k in range(p):
        node = 2 * np.pi * k / p - WE * times
        for j in range(s):
            u = 2 * np.pi * j / s + 2 * np.pi * f * k / t + n * times
            out.append(
                a
                * np.stack(
                    (
                        np.cos(node) * np.cos(u) - np.sin(node) * np.sin(u) * np.cos(i),
                        np.sin(node) * np.cos(u) + np.cos(node) * np.sin(u) * np.cos(i),
                        np.sin(u) * np.sin(i),
                    ),
                    axis=-1,
                )
            )
    return np.array(out)


def _line_distance(s: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Least distance from the Earth's centre to the segment s-o (cross product form)."""
    d = o - s
    foot_inside = (np.einsum("...i,...i", -s, d) > 0) & (np.einsum("...i,...i", o, d) > 0)
    perp = np.linalg.norm(np.cross(s, o), axis=-1) / np.linalg.norm(d, axis=-1)
    ends = np.minimum(np.linalg.norm(s, axis=-1), np.linalg.norm(o, axis=-1))
    return np.where(foot_inside, perp, ends)


@pytest.fixture(scope="module")
def tracks():
    lon, lat = np.array([-100.0, -75.0, -120.0]), np.array([40.0, 45.0, 35.0])
    return ballistic_tracks([LaunchArea.point("l", 130.0, 42.0)], lon, lat, n_samples=40)


@pytest.mark.parametrize(
    ("pattern", "h", "rng", "margin"),
    [("60:24/4/1", 1200.0, 2500.0, 100.0), ("53:3/3/1", 550.0, None, 50.0)],
)
def test_space_tracking_matches_brute_force(tracks, pattern, h, rng, margin):
    epochs = np.array([0.0, 7000.0, 40000.0])
    got = space_tracking(tracks, Walker.parse(pattern), h, rng, margin, epochs)
    lam, ph = np.radians(tracks.lon), np.radians(tracks.lat)
    r = R + tracks.alt_km
    obj = np.stack((r * np.cos(ph) * np.cos(lam), r * np.cos(ph) * np.sin(lam), r * np.sin(ph)), axis=-1)
    for e, t0 in enumerate(epochs):
        sats = _sats_km(pattern, h, t0 + tracks.time_s.ravel())  # (sats, samples, 3)
        o = obj.reshape(-1, 3)[None]
        dist = _line_distance(sats, o)
        slant = np.linalg.norm(o - sats, axis=-1)
        lim = np.inf if rng is None else rng
        ok = (dist >= R + margin) & (slant <= lim)
        expected = ok.any(axis=0).reshape(tracks.lon.shape)
        edge = ((np.abs(dist - R - margin) < 0.01) | (np.abs(slant - lim) < 0.01)).any(axis=0)
        edge = edge.reshape(tracks.lon.shape)
        assert 0 < expected.sum() < expected.size
        np.testing.assert_array_equal(got[e][~edge], expected[~edge])
    # Below the atmosphere margin nothing is tracked from space.
    assert not got[:, tracks.alt_km < margin].any()


def test_corridor_summary_averages_over_launch_epochs(tracks):
    got = space_tracking(tracks, Walker.parse("60:24/4/1"), 1200.0, 4000.0, 20.0, np.array([0.0, 9000.0]))
    both = corridor_summary(tracks, got)
    one, two = corridor_summary(tracks, got[0]), corridor_summary(tracks, got[1])
    np.testing.assert_allclose(
        both["tracked_fraction"], (one["tracked_fraction"] + two["tracked_fraction"]) / 2
    )
    np.testing.assert_allclose(both["warning_time_s"], (one["warning_time_s"] + two["warning_time_s"]) / 2)
    assert (both["warning_time_s"] > 0).any()
