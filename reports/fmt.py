"""Number formatting shared by the map, the charts and the HTML report.

Missing values (``None``, NaN, non-numbers) show as an em dash so that a partial summary still renders.
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "\u2014"


def as_float(value: Any) -> float | None:
    """Return ``value`` as a finite float, or ``None`` if it is missing, not a number or not finite."""
    if value is None or isinstance(value, bool | str):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def num(value: Any, decimals: int = 0) -> str:
    """Format a number with thousands separators: ``num(1234567.891, 1) == '1,234,567.9'``."""
    x = as_float(value)
    if x is None:
        return MISSING
    text = f"{x:,.{decimals}f}"
    # "-0" and "-0.0" are rounding noise, not a sign worth showing.
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def musd(value: Any) -> str:
    """Format millions of US dollars with one decimal: ``musd(1234.56) == '1,234.6'``."""
    return num(value, 1)


def pct(share: Any, decimals: int = 1) -> str:
    """Format a fraction in ``[0, 1]`` as a percentage: ``pct(0.7234) == '72.3 %'``."""
    x = as_float(share)
    return MISSING if x is None else f"{num(100.0 * x, decimals)} %"


def gap_pct(gap: Any) -> str:
    """Format a relative MIP gap, keeping small gaps readable: ``gap_pct(1.2e-5) == '0.0012 %'``."""
    x = as_float(gap)
    if x is None:
        return MISSING
    if x == 0:
        return "0 %"
    p = 100.0 * abs(x)
    if p < 5e-7:  # round-off of a proven optimum: no digit to show at six decimals
        return "0 %"
    decimals = 2 if p >= 0.01 else min(6, 1 - math.floor(math.log10(p)))
    return f"{num(100.0 * x, decimals)} %"


def seconds(value: Any) -> str:
    """Format a duration: ``seconds(0.0123) == '0.012 s'``, ``seconds(75.3) == '75.3 s'``."""
    x = as_float(value)
    if x is None:
        return MISSING
    return f"{x:.3f} s" if abs(x) < 1 else f"{num(x, 1)} s"


def compact(value: Any) -> str:
    """Format an axis value briefly: ``compact(25_000_000) == '25M'``, ``compact(1500) == '1.5k'``."""
    x = as_float(value)
    if x is None:
        return MISSING
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"
