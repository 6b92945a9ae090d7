"""An independent radar ray trace for the tests: the ray equation integrated in 2-D Cartesian.

d/ds (n t) = grad n, with n(h) = 1 + 1e-6 * 315 * exp(-h / H), H = 4 R 315e-6 km (the atmosphere
the project states), integrated by scipy's solve_ivp; not the project's Bouguer-integral tables.
"""

import numpy as np
import numpy.typing as npt
from scipy.integrate import solve_ivp

from tests.geodata.ivp_event import Event

R = 6371.0088
N0 = 315.0
H = 4 * R * N0 * 1e-6


def _n_and_grad(x: float, y: float) -> tuple[float, float, float]:
    r = np.hypot(x, y)
    dn = 1e-6 * N0 * np.exp(-(r - R) / H)
    g = -dn / H  # dn/dr
    return 1.0 + dn, g * x / r, g * y / r


def _rhs(_s: float, st: np.ndarray) -> list[float]:
    x, y, tx, ty = st
    n, gx, gy = _n_and_grad(x, y)
    dot = gx * tx + gy * ty
    return [tx, ty, (gx - dot * tx) / n, (gy - dot * ty) / n]


def ray_arcs_km(start_alt_km: float, elevation_deg: float, altitudes_km: npt.ArrayLike) -> np.ndarray:
    """Ground arc (km) from the ray's start to where it first reaches each altitude (ascending)."""
    e = np.radians(elevation_deg)
    st = [0.0, R + start_alt_km, np.cos(e), np.sin(e)]
    out = []
    s0 = 0.0
    for h in np.asarray(altitudes_km, float):
        if h <= start_alt_km:
            out.append(0.0)
            continue

        def reach(_s, y, h=h):
            return np.hypot(y[0], y[1]) - (R + h)

        up = Event(reach, terminal=True, direction=1)
        sol = solve_ivp(_rhs, (s0, s0 + 20_000.0), st, events=up, rtol=1e-11, atol=1e-9, max_step=50.0)
        st, s0 = sol.y_events[0][0], sol.t_events[0][0]
        out.append(R * np.arctan2(st[0], st[1]))
    return np.array(out)


def horizon_km(sensor_km: float, altitudes_km: np.ndarray) -> np.ndarray:
    """Two-ended refracted horizon: grazing ray from the surface up to the sensor and the target."""
    return ray_arcs_km(0.0, 0.0, [sensor_km])[0] + ray_arcs_km(0.0, 0.0, altitudes_km)
