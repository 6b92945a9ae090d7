r"""Life-cycle totals as budget offices present them: by category, constant and nominal, low/base/high.

Money in the model is constant M USD of the schedule's ``base_year``. Nominal (then-year) dollars
are :math:`C^{nom}_t = C_t (1 + \pi)^{t - t_b}`; present values discount constant dollars at
the real rate :math:`r` to the first year. The low and high totals scale every cost of a type
(acquisition, O&S, replacement) by :math:`1 \mp` its ``cost_range``: the same schedule at other
prices (it may then no longer fit the budgets: that is the point of showing the range).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.schedule import CATEGORIES


@dataclass(frozen=True)
class LifecycleTotals:
    """Totals over the horizon of one schedule.

    Attributes
    ----------
    constant_musd, nominal_musd
        ``{category: total}`` for acquisition, operations, replacement and ``total``.
    present_value_musd
        Total discounted to the first year (constant dollars, real rate).
    low_musd, high_musd
        Total (constant dollars) at the low and high end of every type's cost range.
    by_type_musd
        ``{asset type: {category: total}}`` in constant dollars.
    base_year
        The year of the constant dollars.
    """

    constant_musd: dict[str, float]
    nominal_musd: dict[str, float]
    present_value_musd: float
    low_musd: float
    high_musd: float
    by_type_musd: dict[str, dict[str, float]]
    base_year: int

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "base_year": self.base_year,
            "constant_musd": self.constant_musd,
            "nominal_musd": self.nominal_musd,
            "present_value_musd": self.present_value_musd,
            "range_musd": {"low": self.low_musd, "base": self.constant_musd["total"], "high": self.high_musd},
            "by_type_musd": self.by_type_musd,
        }


def nominal_factor(years: np.ndarray, base_year: int, inflation: float) -> np.ndarray:
    """Constant-to-nominal factor of each year."""
    return (1.0 + inflation) ** (np.asarray(years, float) - base_year)


def lifecycle_totals(
    ledger: dict[str, np.ndarray],
    site_type: np.ndarray,
    type_names: tuple[str, ...],
    cost_range: np.ndarray,
    years: np.ndarray,
    base_year: int,
    inflation: float,
    discount: np.ndarray,
) -> LifecycleTotals:
    """Sum a schedule's ledger (``(n, T)`` per category) into :class:`LifecycleTotals`."""
    nom = nominal_factor(years, base_year, inflation)
    constant = {c: float(ledger[c].sum()) for c in CATEGORIES}
    nominal = {c: float(ledger[c].sum(axis=0) @ nom) for c in CATEGORIES}
    constant["total"], nominal["total"] = sum(constant.values()), sum(nominal.values())
    per_site = sum(ledger[c].sum(axis=1) for c in CATEGORIES)
    spread = cost_range[site_type] * per_site
    yearly = sum(ledger[c].sum(axis=0) for c in CATEGORIES)
    by_type = {
        name: {c: float(ledger[c][site_type == k].sum()) for c in CATEGORIES}
        for k, name in enumerate(type_names)
    }
    return LifecycleTotals(
        constant_musd=constant,
        nominal_musd=nominal,
        present_value_musd=float(yearly @ discount),
        low_musd=constant["total"] - float(spread.sum()),
        high_musd=constant["total"] + float(spread.sum()),
        by_type_musd=by_type,
        base_year=base_year,
    )
