import numpy as np
import pytest

from reports.fmt import MISSING, compact, gap_pct, musd, num, pct, seconds


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234567.891, 1, "1,234,567.9"),
        (0, 0, "0"),
        (-0.04, 1, "0.0"),
        (-1500, 0, "-1,500"),
        (np.int64(42), 0, "42"),
        (None, 0, MISSING),
        (float("nan"), 1, MISSING),
        ("x", 0, MISSING),
        (True, 0, MISSING),
    ],
)
def test_num(value, decimals, expected):
    assert num(value, decimals) == expected


def test_musd_pct_gap_seconds():
    assert musd(1234.56) == "1,234.6"
    assert pct(0.7234) == "72.3 %"
    assert pct(None) == MISSING
    assert gap_pct(0.0) == "0 %"
    assert gap_pct(0.004) == "0.40 %"
    assert gap_pct(1.2e-5) == "0.0012 %"
    assert gap_pct(1.5e-14) == "0 %"  # not "0.000000 %"
    assert gap_pct(3e-8) == "0.000003 %"
    assert seconds(0.0123) == "0.012 s"
    assert seconds(75.34) == "75.3 s"


def test_compact():
    assert [compact(v) for v in (25_000_000, 1500, 0, 999, 2.5e9, None)] == [
        "25M",
        "1.5k",
        "0",
        "999",
        "2.5G",
        MISSING,
    ]
