import numpy as np
import pytest
import scipy.sparse as sp

from geodata.coverage import ground_coverage
from geodata.geometry import great_circle_km


def _brute(plon, plat, slon, slat, radius):
    d = great_circle_km(plon[:, None], plat[:, None], slon[None, :], slat[None, :])
    return (d <= np.broadcast_to(radius, slon.shape)[None, :]).astype(np.int8)


def _points(rng, n, mode):
    if mode == "sphere":
        return rng.uniform(-180, 180, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    if mode == "antimeridian":  # longitudes on both sides of +-180, some beyond the range
        return rng.uniform(170, 190, n) - 360 * (rng.random(n) < 0.5), rng.uniform(-30, 30, n)
    return rng.uniform(-180, 180, n), rng.uniform(75, 90, n) * rng.choice([-1, 1], n)  # poles


@pytest.mark.parametrize("seed", range(12))
def test_identical_to_brute_force(seed):
    rng = np.random.default_rng(seed)
    modes = ["sphere", "antimeridian", "polar"]
    plon, plat = _points(rng, int(rng.integers(50, 600)), modes[seed % 3])
    slon, slat = _points(rng, int(rng.integers(5, 80)), modes[(seed // 3) % 3])
    if seed % 2:
        radius = rng.choice([0.0, 30.0, 350.0, 2500.0, 9000.0, 19000.0], slon.size)
        radius = radius * rng.uniform(0.5, 1.5, slon.size)
    else:
        radius = float(rng.choice([700.0, 1500.0, 4000.0]))
    got = ground_coverage(plon, plat, slon, slat, radius)
    assert isinstance(got, sp.csr_array) and got.dtype == np.int8
    assert got.shape == (plon.size, slon.size)
    expected = _brute(plon, plat, slon, slat, radius)
    assert expected.sum() > 0
    np.testing.assert_array_equal(got.toarray(), expected)
    assert got.has_canonical_format


def test_continental_density_matches_brute_force():
    rng = np.random.default_rng(99)
    plon, plat = rng.uniform(-130, -60, 20_000), rng.uniform(25, 60, 20_000)
    slon, slat = rng.uniform(-130, -60, 300), rng.uniform(25, 60, 300)
    got = ground_coverage(plon, plat, slon, slat, 350.0, max_candidates=50_000)
    expected = _brute(plon, plat, slon, slat, 350.0)
    assert got.nnz == expected.sum() > 100_000
    np.testing.assert_array_equal(got.toarray(), expected)


def test_boundary_is_inclusive_and_exact():
    r = float(great_circle_km(0.0, 0.0, 10.0, 0.0))
    plon, plat = np.array([0.0, 10.0, 20.0]), np.zeros(3)
    assert ground_coverage(plon, plat, [0.0], [0.0], r).toarray().ravel().tolist() == [1, 1, 0]
    shrunk = np.nextafter(r, 0.0)
    assert ground_coverage(plon, plat, [0.0], [0.0], shrunk).toarray().ravel().tolist() == [1, 0, 0]
    # zero radius covers only the coincident point
    assert ground_coverage([5.0, 5.0], [5.0, 5.0001], [5.0], [5.0], 0.0).toarray().ravel().tolist() == [1, 0]


def test_empty_and_invalid_inputs():
    assert ground_coverage([], [], [1.0], [1.0], 10.0).shape == (0, 1)
    assert ground_coverage([1.0], [1.0], [], [], 10.0).shape == (1, 0)
    with pytest.raises(ValueError, match="radius"):
        ground_coverage([0.0], [0.0], [0.0], [0.0], -1.0)
    with pytest.raises(ValueError, match="point_lat"):
        ground_coverage([0.0, 1.0], [0.0], [0.0], [0.0], 1.0)
    with pytest.raises(ValueError):
        ground_coverage([0.0], [0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 2.0, 3.0])
