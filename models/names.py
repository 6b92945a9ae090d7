"""Names of every variable block and constraint block, kept in one place.

Diagnostics, reports and tests key on these names; a constraint row is identified by
``(block name, id)``, never by parsing a string.
"""

from __future__ import annotations

# Variable blocks
X = "x"
"""Site chosen: ``x[j]``."""
Y = "y"
"""Demand point covered / defended (first level): ``y[i]``."""
U = "u"
"""Demand point covered a second time (backup coverage): ``u[i]``."""
Z = "z"
"""Demand point covered at least ``k`` times (levels of expected coverage): ``z[i, k]``."""

# Constraint blocks
SENSOR_COVER = "sensor_cover"
"""``y[i] <= sum_j aS[i, j] x[j]``."""
INTERCEPTOR_COVER = "interceptor_cover"
"""``y[i] <= sum_j aK[i, j] x[j]``."""
COVER = "cover"
"""``y[i] <= sum_j a[i, j] x[j]`` (single-layer covering)."""
REQUIRED_COVER = "required_cover"
"""``sum_j a[i, j] x[j] >= 1`` for a point that must be covered."""
BUDGET = "budget"
"""``sum_j c[j] x[j] <= B``."""
COUNT = "count"
"""``sum_j x[j] <= p``."""
TYPE_MAX = "type_max"
"""``sum_{j: t(j) = t} x[j] <= M[t]``."""
TYPE_MIN = "type_min"
"""``sum_{j: t(j) = t} x[j] >= N[t]`` (per-type quota)."""
EXISTING = "existing"
"""``x[j] = 1`` for an asset already in place (a variable bound, named for diagnosis)."""
EXCLUSIVE = "exclusive"
"""``x[j] + x[k] <= 1`` for two sites that exclude each other."""
PARTNER_SHARE = "partner_share"
"""``sum_{i in P} w[i] y[i] >= s_P sum_{i in P} w[i]`` for each partner group ``P``."""
BACKUP_COVER = "backup_cover"
"""``y[i] + u[i] <= sum_j a[i, j] x[j]``."""
BACKUP_ORDER = "backup_order"
"""``u[i] <= y[i]``."""
LEVEL_COVER = "level_cover"
"""``sum_k z[i, k] <= sum_j a[i, j] x[j]``."""

ALL_BLOCKS: tuple[str, ...] = (
    SENSOR_COVER,
    INTERCEPTOR_COVER,
    COVER,
    REQUIRED_COVER,
    BUDGET,
    COUNT,
    TYPE_MAX,
    TYPE_MIN,
    EXISTING,
    EXCLUSIVE,
    PARTNER_SHARE,
    BACKUP_COVER,
    BACKUP_ORDER,
    LEVEL_COVER,
)

POINT_BLOCKS = (SENSOR_COVER, INTERCEPTOR_COVER, COVER, REQUIRED_COVER, BACKUP_COVER, LEVEL_COVER)
"""Constraint blocks with one row per demand point (diagnoses list the scenario's limits first)."""

# Engagement (kill chain): blocks added by the grouped fire control and the presolve
FIRE_TRACK = "fire_track"
"""Some built sensor holds a track good enough for sensor set ``g``: ``w[g]`` in [0, 1]."""
FIRE_SET = "fire_set"
"""``w[g] <= sum_{s in g} z[s]`` (one row per distinct sensor set of the fire-control rows)."""
SITE_ORDER = "site_order"
"""``y[j] <= y[j']`` for a candidate site ``j`` dominated by ``j'`` (engagement presolve)."""
THREAT_ORDER = "threat_order"
"""``L[t] >= L[t']`` for interchangeable threats ``t < t'`` (engagement presolve)."""
FIRE_CONTROL = "fire_control"
"""``x[p] <= (k - 1) + (nbar[p] - k + 1) * [a built sensor of set g(p, k)]`` per pair ``p`` and shot
``k`` (:mod:`models.engagement.fire_control`). The kill-chain MILP writes one block ``fire_control``
(through ``w[g]``); the adversary model one block per attacker scenario ``s`` and shot ``k``,
``f"{FIRE_CONTROL}@{s}.{k}"`` (the sum over the set, that scenario's surviving sensors)."""
