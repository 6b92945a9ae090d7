import numpy as np
import pandas as pd
import pytest

from geodata.coverage import space_coverage_fraction, space_figures_of_merit
from geodata.geometry import footprint_central_angle_deg, unit_vectors
from geodata.orbits import Walker, satellite_positions
from geodata.space import revisit_gaps, visible_counts


def test_equatorial_satellite_matches_closed_form_over_a_synodic_period():
    h, eps = 800.0, 10.0
    # Independent of geodata.orbits: recompute the motion from the constants.
    n = np.sqrt(398600.4418 / (6371.0088 + h) ** 3)
    t_syn = 2 * np.pi / (n - 7.2921159e-5)
    lam = np.radians(footprint_central_angle_deg(h, eps))
    k = 7200
    got = space_coverage_fraction(
        Walker.parse("0:1/1/0"), h, eps, [0.0, 45.0], [0.0, 0.0], n_steps=k, horizon_s=t_syn
    )
    # Closed form: the point is covered while |(n - w_E) t| mod 2 pi <= lambda.
    assert got == pytest.approx([lam / np.pi] * 2, abs=2.0 / k)
    # Independent sampled propagation written here.
    t = np.arange(k) * t_syn / k
    rel = np.angle(np.exp(1j * (n - 7.2921159e-5) * t))
    assert got[0] == pytest.approx(np.mean(np.abs(rel) <= lam), abs=1.0 / k)


def test_high_latitude_never_seen_by_equatorial_small_footprint():
    got = space_coverage_fraction(Walker.parse("0:6/1/0"), 500.0, 10.0, [10.0, 0.0], [60.0, 0.0])
    assert got[0] == 0.0 and got[1] > 0.0


@pytest.mark.parametrize("pattern", ["53:24/3/1", "97:12/4/3", "30:10/5/2", "120:7/7/3"])
def test_counts_equal_per_satellite_brute_force(pattern):
    rng = np.random.default_rng(len(pattern))
    w = Walker.parse(pattern)
    h, eps = rng.uniform(400, 1500), rng.uniform(0, 30)
    lon, lat = rng.uniform(-180, 180, 300), np.degrees(np.arcsin(rng.uniform(-1, 1, 300)))
    times = np.sort(rng.uniform(0, 30_000, 40))
    got = visible_counts(w, h, eps, lon, lat, times)
    sats = satellite_positions(w, h, times)
    cos_lam = np.cos(np.radians(footprint_central_angle_deg(h, eps)))
    expected = (np.einsum("pi,sti->pst", unit_vectors(lon, lat), sats) >= cos_lam).sum(axis=1)
    assert expected.sum() > 0
    np.testing.assert_array_equal(got, expected)


def test_revisit_gaps_by_hand():
    cov = np.array(
        [
            [1, 0, 0, 1, 1, 0, 1, 0],  # gaps 2, 1, and 1 at the end
            [1, 1, 1, 1, 1, 1, 1, 1],  # never a gap
            [0, 0, 0, 0, 0, 0, 0, 0],  # never covered
            [0, 1, 1, 0, 0, 0, 1, 0],  # gaps 1 (start), 3, 1 (end)
        ],
        dtype=bool,
    )
    n, mean, longest = revisit_gaps(cov, 10.0)
    assert n.tolist() == [3, 0, 1, 3]
    assert mean[0] == pytest.approx(40 / 3) and longest[0] == 20.0
    assert mean[1] == 0.0 and longest[1] == 0.0
    assert np.isinf(mean[2]) and np.isinf(longest[2])
    assert mean[3] == pytest.approx(50 / 3) and longest[3] == 30.0
    n, mean, longest = revisit_gaps(cov, 10.0, wrap=True)
    assert n.tolist() == [3, 0, 1, 2]  # row 3: end and start runs join into one of 2
    assert longest[3] == 30.0 and mean[3] == pytest.approx(25.0)


def test_figures_of_merit_frame():
    w = Walker.parse("53:24/3/1")
    df = space_figures_of_merit(
        w,
        550.0,
        10.0,
        [0.0, -100.0, 0.0],
        [0.0, 40.0, 85.0],
        n_steps=120,
        n_periods=3,
        min_in_view=(1, 2),
        point_ids=["a", "b", "c"],
    )
    assert isinstance(df, pd.DataFrame) and list(df.index) == ["a", "b", "c"]
    assert (df["fraction_ge_1"] == df["coverage_fraction"]).all()
    assert (df["fraction_ge_2"] <= df["coverage_fraction"]).all()
    assert df.loc["c", "coverage_fraction"] == 0.0 and np.isinf(df.loc["c", "max_gap_s"])
    assert df.loc["b", "max_gap_s"] >= df.loc["b", "mean_gap_s"] > 0
    assert df.attrs["walker"] == "53:24/3/1"
    assert df.attrs["time_step_s"] * 120 == pytest.approx(df.attrs["horizon_s"])
