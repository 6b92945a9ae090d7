"""Typed errors of the reports package."""

from __future__ import annotations


class ReportError(RuntimeError):
    """Base class for every error raised while writing a planner's outputs."""


class BundleError(ReportError, ValueError):
    """A :class:`~reports.bundle.PlanBundle` that does not follow its contract.

    The message names the field, what is wrong and what was found, e.g.
    ``PlanBundle.sites: missing columns ['cost_musd'] (have: ['site_id', 'geometry'])``.
    """


class MissingDependencyError(ReportError, ImportError):
    """An optional output (PDF, XLSX) whose library is not installed; the message says what to install."""
