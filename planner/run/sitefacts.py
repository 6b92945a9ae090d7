r"""Why each chosen site: the points it defends, what the plan loses without it, where it is.

For every chosen ground or sea site :math:`j` of a plan :math:`x`, with layer matrices
:math:`A^s` (sensor) and :math:`A^k` (interceptor) after the scenario's requirement, a point
:math:`i` is defended when :math:`(A^s x)_i \ge 1` and :math:`(A^k x)_i \ge 1`. The site's
*marginal value* is the weight no longer defended when :math:`j` alone is removed:

.. math::

    \Delta_j = \sum_i w_i \,[\text{defended}_i(x)] \,
        [(A^s x)_i - A^s_{ij} < 1 \;\lor\; (A^k x)_i - A^k_{ij} < 1]

recomputed from the coverage (the rest of the plan unchanged). Its *defended points* are the
defended points it covers in a layer it provides. A sea site's waters are those of the partner
whose coast is nearest, within the asset type's ``within_km`` (else "international waters").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from geodata.geometry import great_circle_km
from planner.problem.build import layer_matrices

if TYPE_CHECKING:
    from planner.run.pipeline import PlanRun

INTERNATIONAL_WATERS = "international waters"
MAX_NAMES = 25
"""Names listed per site (the count is always complete)."""


def waters_of(lon: np.ndarray, lat: np.ndarray, partners: pd.DataFrame, within_km: np.ndarray) -> np.ndarray:
    """ISO A3 of the partner whose coast is nearest each sea point, if within ``within_km``.

    The nearest coast point of each partner is found in lon/lat, then its distance measured on the
    sphere: exact for choosing between partners whose coasts are far apart, a few km off at high
    latitude for the distance itself.
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    if lon.size == 0 or len(partners) == 0:
        return np.full(lon.size, INTERNATIONAL_WATERS, dtype=object)
    pts = shapely.points(lon, lat)
    dist = np.empty((lon.size, len(partners)))
    for k, geom in enumerate(partners.geometry):
        near = shapely.get_coordinates(shapely.shortest_line(geom, pts)).reshape(-1, 2, 2)[:, 0, :]
        dist[:, k] = great_circle_km(lon, lat, near[:, 0], near[:, 1])
    best = dist.argmin(axis=1)
    codes = partners["iso_a3"].to_numpy(object)[best]
    far = dist[np.arange(lon.size), best] > np.asarray(within_km, float)
    return np.where(far, INTERNATIONAL_WATERS, codes)


def sea_waters(run: PlanRun) -> pd.Series:
    """The waters of every sea candidate site (index: the site's row in ``problem.sites``)."""
    sites = run.problem.sites
    sea = sites[sites["domain"] == "sea"]
    within = {a.name: getattr(getattr(a, "candidates", None), "within_km", 370.0)
              for a in run.scenario.asset_types}
    reach = sea["asset_type"].map(within).to_numpy(float)
    return pd.Series(waters_of(sea["lon"].to_numpy(), sea["lat"].to_numpy(), run.problem.partners, reach),
                     index=sea.index, dtype=object)


def _nearest_places(lon: np.ndarray, lat: np.ndarray) -> tuple[list[str], np.ndarray]:
    from geodata import naturalearth as ne

    places = ne.populated_places()
    if len(lon) == 0 or len(places) == 0:
        return [""] * len(lon), np.full(len(lon), np.nan)
    d = great_circle_km(lon[:, None], lat[:, None], places.geometry.x.to_numpy()[None, :],
                        places.geometry.y.to_numpy()[None, :])
    k = d.argmin(axis=1)
    names = [f"{places['name'].iat[j]} ({places['iso_a3'].iat[j]})" for j in k]
    return names, d[np.arange(len(lon)), k]


def site_facts(run: PlanRun) -> pd.DataFrame:
    """One row per chosen ground or sea site: nearest place, defended points, marginal value.

    Columns: ``site_id``, ``nearest_place``, ``nearest_place_km``, ``n_points``, ``points``
    (names, ``; ``-separated, at most :data:`MAX_NAMES` then "and N more"), ``marginal_weight``.
    """
    prob, x = run.problem, run.x
    a_s, a_k = layer_matrices(prob.a_sensor, prob.a_interceptor, run.scenario.requirement)
    a_s, a_k = a_s.tocsc(), a_k.tocsc()
    xf = x.astype(float)
    cs, ck = a_s @ xf, a_k @ xf
    defended = (cs >= 1) & (ck >= 1)
    w = prob.demand["weight"].to_numpy(float)
    names = prob.demand["name"].astype(str).to_numpy()
    chosen = np.flatnonzero(x & (prob.sites["domain"] != "space").to_numpy())
    rows = []
    for j in chosen:
        sj = a_s[:, [j]].toarray().ravel()
        kj = a_k[:, [j]].toarray().ravel()
        lost = defended & ((cs - sj < 1) | (ck - kj < 1))
        mine = np.flatnonzero(defended & ((sj > 0) | (kj > 0)))
        mine = mine[np.argsort(-w[mine], kind="stable")]
        listed = "; ".join(names[mine[:MAX_NAMES]])
        if len(mine) > MAX_NAMES:
            listed += f"; and {len(mine) - MAX_NAMES} more"
        rows.append({"site_id": prob.sites["site_id"].iat[j], "n_points": int(len(mine)),
                     "points": listed, "marginal_weight": float(w[lost].sum())})
    out = pd.DataFrame(rows, columns=["site_id", "n_points", "points", "marginal_weight"])
    lon = prob.sites["lon"].to_numpy(float)[chosen]
    lat = prob.sites["lat"].to_numpy(float)[chosen]
    place, km = _nearest_places(lon, lat)
    out.insert(1, "nearest_place", place)
    out.insert(2, "nearest_place_km", km)
    return out
