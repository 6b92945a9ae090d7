r"""Space-based interceptors: salvos, boost-layer survival, constellation sizing and life-cycle cost.

Salvo and consumption
    A salvo of :math:`k` missiles launched together from one area, each to be engaged with
    :math:`m` shots, needs :math:`k m` interceptors in reach at once; every shot spends a
    satellite. With :math:`n` in reach the shots are dealt round-robin (threat :math:`j` gets
    :math:`m_j(n) = \min(m, \lfloor n/k \rfloor + [j < n \bmod k])`), so a threat survives the
    boost layer with probability

    .. math::

        S = \sum_{n=0}^{km} P(N = n)\,\frac1k\sum_{j=0}^{k-1} (1 - p_k)^{m_j(n)}, \qquad
        P(N = km) := P(N \ge km),

    :math:`p_k` the single-shot kill probability (SSPK), shots independent. Satellites spent per
    salvo: :math:`E[\min(N, km)]`.

Sizing
    The smallest Walker pattern :math:`i:t/p/1` (searched over inclinations and plane counts,
    satellites per plane by doubling then bisection) whose worst launch area has
    :math:`P(N \ge km) \ge` target. Bisection assumes the probability grows with satellites per
    plane (nearly: sampled over one day at a few points it wobbles by about 1 % near the target,
    so the answer is the smallest *found*, within a few satellites per plane of the smallest), and
    the returned pattern is always one that was evaluated and met the target. A plane count whose
    probability stops growing when the satellites per plane double is dropped: its shortfall is
    the gap between planes.

Cost
    :math:`C = t\,\lceil H / L\rceil\,(c_u + m\,c_l) + H\,c_{o\&m}`: the whole constellation is
    bought once per service life :math:`L` within the horizon :math:`H` (constant dollars, no
    discounting), each satellite at unit cost :math:`c_u` plus its launch, mass :math:`m` at
    :math:`c_l` per kg.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from geodata.orbits import Walker
from geodata.sbi import Availability, availability, reach_probability_exact


def _p_exactly(p_at_least: Sequence[float], need: int) -> np.ndarray:
    ge = np.asarray(p_at_least, dtype=float)
    if ge.size < need + 1:
        raise ValueError(f"p_at_least needs entries for k = 0..{need}, got {ge.size}")
    ge = ge[: need + 1]
    return np.append(ge[:-1] - ge[1:], ge[-1])


def _survival_given(n: int, salvo_k: int, shots: int, sspk: float) -> float:
    base, extra = divmod(n, salvo_k)
    m = np.minimum(shots, base + (np.arange(salvo_k) < extra))
    return float(np.mean((1.0 - sspk) ** m))


def boost_survival(p_at_least: Sequence[float], salvo_k: int, shots: int, sspk: float) -> float:
    """Probability that one threat of a salvo of ``salvo_k`` survives the boost layer.

    Parameters
    ----------
    p_at_least
        ``p_at_least[n]`` = P(N >= n) for n = 0 .. ``salvo_k * shots`` (``Availability.p_at_least``).
    salvo_k
        Missiles launched together from the area.
    shots
        Interceptors assigned to each missile when enough are in reach.
    sspk
        Single-shot kill probability of one interceptor.

    This is ``boost_survival[o, t]`` of the engagement model's boost layer for option ``o`` and a
    threat ``t`` launched from the area in a salvo of ``salvo_k``.
    """
    if salvo_k < 1 or shots < 1 or not 0.0 <= sspk <= 1.0:
        raise ValueError(f"need salvo_k >= 1, shots >= 1, 0 <= sspk <= 1; got {salvo_k}, {shots}, {sspk}")
    need = salvo_k * shots
    pn = _p_exactly(p_at_least, need)
    return float(sum(pn[n] * _survival_given(n, salvo_k, shots, sspk) for n in range(need + 1)))


def expected_consumption(p_at_least: Sequence[float], salvo_k: int, shots: int) -> float:
    """Satellites spent on one salvo, E[min(N, salvo_k * shots)]."""
    need = salvo_k * shots
    pn = _p_exactly(p_at_least, need)
    return float(np.dot(pn, np.arange(need + 1)))


@dataclass(frozen=True)
class LifeCycleCost:
    """Constant-dollar cost of keeping a constellation in orbit over a horizon."""

    n_satellites: int
    purchases: int
    """Times the whole constellation is bought: ceil(horizon / life)."""
    unit_cost_musd: float
    launch_cost_musd: float
    """Launch of one satellite, M USD."""
    operations_musd: float
    total_musd: float


def life_cycle_cost(
    n_satellites: int,
    *,
    unit_cost_musd: float,
    mass_kg: float,
    launch_usd_per_kg: float,
    life_years: float,
    horizon_years: float,
    operations_musd_per_year: float = 0.0,
) -> LifeCycleCost:
    """Cost of ``n_satellites`` replaced every ``life_years`` over ``horizon_years`` (see module)."""
    if life_years <= 0 or horizon_years <= 0:
        raise ValueError("life_years and horizon_years must be positive")
    buys = math.ceil(horizon_years / life_years - 1e-9)
    launch = mass_kg * launch_usd_per_kg / 1e6
    ops = operations_musd_per_year * horizon_years
    total = n_satellites * buys * (unit_cost_musd + launch) + ops
    return LifeCycleCost(int(n_satellites), buys, float(unit_cost_musd), launch, ops, float(total))


Area = tuple[np.ndarray, np.ndarray]
"""Launch points of one area: (lon, lat) in degrees."""


@dataclass(frozen=True)
class Sizing:
    """Smallest constellation meeting the target, with every pattern evaluated on the way."""

    walker: Walker | None
    """The smallest pattern found; ``None`` when none within ``max_satellites`` meets the target."""
    per_area: Mapping[str, Availability]
    """Availability of ``walker`` per launch area (empty when ``walker`` is ``None``)."""
    evaluated: tuple[tuple[str, int, float], ...]
    """(pattern, satellites, worst-area P(N >= need)) of every pattern tried."""
    need: int
    target: float


def _evaluate(
    walker: Walker, areas: Mapping[str, Area], altitude_km: float, reach_km: float, need: int, n_steps: int
) -> tuple[float, dict[str, Availability]]:
    per = {
        name: availability(walker, altitude_km, reach_km, lon, lat, need, n_steps)
        for name, (lon, lat) in areas.items()
    }
    return min(a.p_at_least[need] for a in per.values()), per


def size_constellation(
    areas: Mapping[str, Area],
    *,
    altitude_km: float,
    reach_km: float,
    need: int,
    target: float,
    inclinations_deg: Sequence[float],
    planes: Sequence[int],
    max_satellites: int = 40_000,
    n_steps: int = 720,
) -> Sizing:
    """Search ``i:p*s/p/1`` for the fewest satellites with P(N >= need) >= target in every area."""
    tried: list[tuple[str, int, float]] = []
    best: tuple[Walker, dict[str, Availability]] | None = None
    lat_all = np.concatenate([np.asarray(lat, dtype=float) for _, lat in areas.values()])
    for inc in inclinations_deg:
        if np.abs(lat_all).max() > min(inc, 180 - inc) + np.degrees(reach_km / 6371.0):
            continue  # no satellite of this shell ever comes within reach of some area
        q = min(reach_probability_exact(inc, reach_km, float(la)) for la in lat_all)
        for p in planes:
            cap = max_satellites if best is None else min(max_satellites, best[0].t - 1)
            found = _search_plane_count(
                areas, altitude_km, reach_km, need, target, inc, p, q, cap, n_steps, tried
            )
            if found is not None:
                best = found
    if best is None:
        return Sizing(None, {}, tuple(tried), need, target)
    return Sizing(best[0], best[1], tuple(tried), need, target)


def _search_plane_count(
    areas: Mapping[str, Area],
    altitude_km: float,
    reach_km: float,
    need: int,
    target: float,
    inc: float,
    p: int,
    q: float,
    cap: int,
    n_steps: int,
    tried: list[tuple[str, int, float]],
) -> tuple[Walker, dict[str, Availability]] | None:
    """Fewest satellites per plane (at most ``cap`` satellites) for ``p`` planes, or ``None``."""

    def ok(s: int) -> tuple[bool, dict[str, Availability]]:
        w = Walker(inc, p * s, p, 1 % p)
        worst, per = _evaluate(w, areas, altitude_km, reach_km, need, n_steps)
        tried.append((str(w), w.t, worst))
        return worst >= target, per

    # Start from the size whose exact mean reaches the need (a lower bound in practice).
    s_hi = max(1, math.ceil(max(need, 1) / max(q, 1e-12) / p))
    lo, last = 0, -1.0
    s_hi = min(s_hi, cap // p)
    while True:
        if s_hi <= lo:
            return None
        good, per = ok(s_hi)
        if good:
            break
        worst = tried[-1][2]
        if 0.0 < worst <= last + 1e-9:
            # Doubling the satellites per plane gained nothing: the gaps are between planes.
            return None
        lo, s_hi, last = s_hi, min(2 * s_hi, cap // p), worst
    while s_hi - lo > 1:
        mid = (lo + s_hi) // 2
        g, per_mid = ok(mid)
        if g:
            s_hi, per = mid, per_mid
        else:
            lo = mid
    return Walker(inc, p * s_hi, p, 1 % p), per
