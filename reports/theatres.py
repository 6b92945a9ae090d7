"""Theatres: the groups of a plan's points, sites and partners that are drawn together.

A scenario spanning the Atlantic has two theatres (North America, Europe); a remote island with a
defended city is its own. Anchors are the defended points, the chosen ground and sea sites, and a
representative point of each partner's largest part when the partner has no defended point; two
anchors are in one theatre when a chain of anchors links them, each step shorter than
:data:`LINK_KM` (single-linkage clustering on great-circle distances). Each map draws one inset per
theatre, heaviest first, never one world extent for far-apart groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from reports.bundle import PlanBundle
from reports.geodesic import haversine_km

LINK_KM = 2000.0
"""Largest step between two anchors of one theatre."""
MAX_THEATRES = 4
"""Insets drawn at most (the lightest theatres beyond are named in the caption)."""


@dataclass(frozen=True)
class Theatre:
    """One group of anchors: its partners, its weight and its lon/lat box (longitudes unwrapped)."""

    partners: tuple[str, ...]
    weight: float
    lon: np.ndarray
    lat: np.ndarray
    place: str = ""
    """Name of the theatre's heaviest defended point ("" without one)."""

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)``; ``east`` may exceed 180 across the antimeridian."""
        return (float(self.lon.min()), float(self.lat.min()), float(self.lon.max()), float(self.lat.max()))

    @property
    def name(self) -> str:
        """The partners' codes joined by ``/`` (at most four, then "…")."""
        names = list(self.partners[:4]) + (["…"] if len(self.partners) > 4 else [])
        text = "/".join(names) or "theatre"
        return f"{text} ({self.place})" if self.place else text


def _anchors(bundle: PlanBundle) -> pd.DataFrame:
    frames = []
    pts = bundle.points
    if len(pts):
        frames.append(pd.DataFrame({"lon": pts.geometry.x, "lat": pts.geometry.y,
                                    "partner": pts["partner"].astype(str), "name": pts["name"].astype(str),
                                    "weight": pd.to_numeric(pts["weight"], errors="coerce").fillna(0)}))
    chosen = bundle.chosen_sites
    if len(chosen):
        frames.append(pd.DataFrame({"lon": chosen.geometry.x, "lat": chosen.geometry.y,
                                    "partner": chosen["partner"].astype(str), "weight": 0.0}))
    with_points = set(pts["partner"].astype(str)) if len(pts) else set()
    for iso, geom in zip(bundle.partners["iso_a3"], bundle.partners.geometry, strict=True):
        if str(iso) in with_points or geom is None or geom.is_empty:
            continue
        parts = list(getattr(geom, "geoms", [geom]))
        p = max(parts, key=lambda g: g.area).representative_point()
        frames.append(pd.DataFrame({"lon": [p.x], "lat": [p.y], "partner": [str(iso)], "weight": [0.0]}))
    if not frames:
        return pd.DataFrame(columns=["lon", "lat", "partner", "weight"])
    return pd.concat(frames, ignore_index=True)


def theatres(bundle: PlanBundle, link_km: float = LINK_KM) -> list[Theatre]:
    """The plan's theatres, heaviest first (one theatre when everything is linked)."""
    a = _anchors(bundle)
    if len(a) == 0:
        return []
    lon, lat = a["lon"].to_numpy(float), a["lat"].to_numpy(float)
    d = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    n, label = connected_components(csr_array(d <= link_km), directed=False)
    out = []
    for k in range(n):
        m = label == k
        lk = lon[m]
        # Unwrap around the group's circular mean so a group across the antimeridian stays compact.
        mean = np.degrees(np.arctan2(np.sin(np.radians(lk)).mean(), np.cos(np.radians(lk)).mean()))
        lk = mean + (lk - mean + 180.0) % 360.0 - 180.0
        members = a.loc[m, "partner"]
        partners = tuple(dict.fromkeys(p for p in members if p and p != "international waters"))
        w = a.loc[m, "weight"].to_numpy(float)
        names = a.loc[m, "name"].fillna("").to_numpy(object) if "name" in a else np.full(len(w), "")
        place = str(names[int(np.argmax(w))]) if len(w) and w.max() > 0 else ""
        out.append(Theatre(partners, float(w.sum()), lk, lat[m], place))
    out.sort(key=lambda t: (-t.weight, -len(t.lon)))
    return out
