"""domeplan reports: a planner's outputs (GeoPackage, CSV, JSON, HTML, PNG, XLSX, PDF), written atomically.

The planner builds a :class:`PlanBundle` and calls :func:`write_outputs`. Rendering modules (matplotlib,
jinja2) are imported on first use so that ``import reports`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from reports.atomic import atomic_directory, atomic_write_bytes, atomic_write_text
from reports.bundle import NATURAL_EARTH_ATTRIBUTION, PlanBundle, ReportSection
from reports.errors import BundleError, MissingDependencyError, ReportError
from reports.summary import PlanSummary

_LAZY = {
    "write_outputs": "reports.writers",
    "render_map": "reports.maps",
    "render_charts": "reports.charts",
    "render_html": "reports.html",
    "table_section": "reports.html",
    "html_to_pdf": "reports.pdf",
    "pdf_available": "reports.pdf",
    "write_allocations": "reports.allocations",
}

__all__ = [
    "NATURAL_EARTH_ATTRIBUTION",
    "BundleError",
    "MissingDependencyError",
    "PlanBundle",
    "PlanSummary",
    "ReportError",
    "ReportSection",
    "atomic_directory",
    "atomic_write_bytes",
    "atomic_write_text",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'reports' has no attribute {name!r}")
