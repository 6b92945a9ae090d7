"""Space-based interceptor constellation sizes beside the published figures (GitHub issue 12).

Under each study's stated assumptions (printed with their source; where a study states nothing,
domeplan's own round number, marked ``domeplan``), compute the boost-phase reach, then the
constellation size domeplan finds for one missile and for a salvo of 10 launched together:

- ``walker``: the smallest Walker shell ``i:t/p/1`` (inclinations and plane counts searched) with
  P(N >= k) >= the target over a sidereal day at the launch point(s), propagated;
- ``indep.``: satellites placed independently with the exact latitude density, P(N >= k) from
  the binomial law (the common back-of-envelope; a different geometry, not a bound);
- ``mean``: the absentee-ratio estimate ``k × t / N̄`` (mean in reach equal to the salvo).

and print them beside the published figures with the ratio. The aim is the same order of
magnitude with every assumption visible, not a fit. Run: ``python bench/sbi_sizing.py``.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import binom

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geodata import sbi
from geodata.sbi_sizing import life_cycle_cost, size_constellation

CBO = "CBO May 2026 (as quoted in issue #12)"
APS = "APS 2025 study (as quoted in issue #12)"
DP = "domeplan (no figure stated)"


@dataclass(frozen=True)
class Assumptions:
    """One study's assumptions, each value with its source."""

    name: str
    values: dict[str, tuple[float, str]]
    published: dict[int, tuple[float | None, str]]
    """Published size by salvo (None: not stated), with its wording."""


STUDIES = (
    Assumptions(
        "CBO",
        {
            "orbit_altitude_km": (400.0, f"{CBO}: 300-500 km; mid-range"),
            "boost_duration_s": (240.0, f"{CBO}: 3-5 minutes of boost; mid-range"),
            "detection_latency_s": (30.0, DP),
            "decision_latency_s": (30.0, DP),
            "launch_latency_s": (0.0, DP),
            "intercept_altitude_km": (200.0, f"{DP}: near burnout of a liquid-fuel ICBM"),
            "kv_delta_v_mps": (4000.0, f"{DP}: order of the APS boost-phase studies"),
            "kv_acceleration_mps2": (100.0, DP),
            "target_probability": (0.9, DP),
            "unit_cost_musd": (22.0, f"{CBO}: ~$22 M each"),
            "mass_kg": (1000.0, DP),
            "launch_usd_per_kg": (500.0, f"{CBO}: ~$500/kg"),
            "life_years": (5.0, f"{CBO}: 5-year life"),
            "horizon_years": (20.0, f"{CBO}: 20 years"),
            "operations_musd_per_year": (1000.0, f"{CBO}: ~$1 B a year to operate"),
        },
        {1: (None, "not stated"), 10: (7800.0, f"{CBO}: 7,800 SBIs, ~10 missiles at once, $743 B")},
    ),
    Assumptions(
        "APS",
        {
            "orbit_altitude_km": (400.0, f"{DP}: within the CBO's 300-500 km"),
            "boost_duration_s": (180.0, f"{DP}: a solid-fuel ICBM's ~3 min (lower end of 3-5 min)"),
            "detection_latency_s": (30.0, DP),
            "decision_latency_s": (30.0, DP),
            "launch_latency_s": (0.0, DP),
            "intercept_altitude_km": (150.0, f"{DP}: a solid-fuel ICBM burns out lower"),
            "kv_delta_v_mps": (4000.0, f"{DP}: order of the APS boost-phase studies"),
            "kv_acceleration_mps2": (100.0, DP),
            "target_probability": (0.9, DP),
        },
        {1: (1000.0, f"{APS}: more than 1,000 against a single ICBM"), 10: (None, "not quoted")},
    ),
)

INCLINATIONS = (45.0, 50.0, 55.0, 60.0, 65.0)
PLANES = (12, 18, 24, 36, 48, 72)
LAUNCHES = (
    ("one point at 40 N", (40.0,)),
    ("every one of 30, 40, 50, 60 N", (30.0, 40.0, 50.0, 60.0)),
)
"""Notional launch latitudes (domeplan): one favourable point, and a band a peer-wide defence faces."""


def independent_size(q: float, k: int, target: float) -> int:
    """Fewest independent satellites with P(Binomial(t, q) >= k) >= target."""
    lo, hi = k, max(k, 1)
    while binom.sf(k - 1, hi, q) < target:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if binom.sf(k - 1, mid, q) >= target else (mid, hi)
    return hi


def run(study: Assumptions) -> None:
    v = {k: val for k, (val, _) in study.values.items()}
    print(f"\n=== {study.name}: assumptions")
    for key, (val, src) in study.values.items():
        print(f"  {key:26s} {val:>10g}   {src}")
    reach = sbi.boost_reach(
        **{
            k: v[k]
            for k in (
                "orbit_altitude_km",
                "boost_duration_s",
                "detection_latency_s",
                "decision_latency_s",
                "launch_latency_s",
                "intercept_altitude_km",
                "kv_delta_v_mps",
                "kv_acceleration_mps2",
            )
        }
    )
    rho = reach.reach_km
    print(
        f"  -> KV flight {reach.flight_time_s:.0f} s, range {reach.kv_range_km:.0f} km, ground reach "
        f"{rho:.0f} km; uniform absentee ratio {sbi.uniform_absentee_ratio(rho):.0f}"
    )
    for label, lats in LAUNCHES:
        print(f"  launch: {label} ({DP})")
        print(
            f"  {'salvo':>5s} {'walker':>16s} {'t':>6s} {'indep.':>7s} {'mean':>6s} {'published':>9s} "
            f"{'ratio':>6s}  source"
        )
        for k, (pub, wording) in study.published.items():
            _row(study, v, rho, lats, k, pub, wording)


def _row(
    study: Assumptions,
    v: dict[str, float],
    rho: float,
    lats: tuple[float, ...],
    k: int,
    pub: float | None,
    wording: str,
) -> None:
    t0 = time.perf_counter()
    area = {f"{la:g}N": (np.array([127.0]), np.array([la])) for la in lats}
    res = size_constellation(
        area,
        altitude_km=v["orbit_altitude_km"],
        reach_km=rho,
        need=k,
        target=v["target_probability"],
        inclinations_deg=INCLINATIONS,
        planes=PLANES,
        n_steps=1440,
    )
    w = res.walker
    # Independent placement and mean: the best inclination for the worst latitude.
    q = max(min(sbi.reach_probability_exact(i, rho, la) for la in lats) for i in INCLINATIONS)
    indep = independent_size(q, k, v["target_probability"])
    mean = math.ceil(k / q)
    ratio = f"{w.t / pub:.2f}" if (w is not None and pub) else "-"
    print(
        f"  {k:>5d} {str(w):>16s} {w.t if w else 0:>6d} {indep:>7d} {mean:>6d} "
        f"{pub if pub else '-':>9} {ratio:>6s}  {wording}  [{time.perf_counter() - t0:.1f} s]"
    )
    if "unit_cost_musd" in v and w is not None and pub:
        for n, label in ((w.t, "domeplan size"), (int(pub), "published size")):
            c = life_cycle_cost(
                n,
                unit_cost_musd=v["unit_cost_musd"],
                mass_kg=v["mass_kg"],
                launch_usd_per_kg=v["launch_usd_per_kg"],
                life_years=v["life_years"],
                horizon_years=v["horizon_years"],
                operations_musd_per_year=v["operations_musd_per_year"],
            )
            print(
                f"        life-cycle cost of the {label} ({n:,}): ${c.total_musd / 1000:,.0f} B "
                f"({c.purchases} purchases; CBO: $743 B for 7,800)"
            )


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    print(
        "Space-based interceptor sizes: domeplan beside the published figures (notional; every "
        "assumption printed with its source)"
    )
    print(
        f"walker: smallest i:t/p/1 with i in {INCLINATIONS}, p in {PLANES}, P(N >= salvo) >= target "
        "over a sidereal day at every launch latitude (1-minute steps)"
    )
    for study in STUDIES:
        run(study)


if __name__ == "__main__":
    main()
