"""PDF of the HTML report through WeasyPrint, an optional dependency.

WeasyPrint needs the system's Pango; without it (or without WeasyPrint) PDF output is unavailable and
:func:`html_to_pdf` raises :class:`~reports.errors.MissingDependencyError`; the HTML path never needs it.
"""

from __future__ import annotations

import functools
import logging
import types

from reports.errors import MissingDependencyError

INSTALL_HINT = (
    "PDF output needs WeasyPrint and the system's Pango: pip install 'domeplan[pdf]' "
    "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)"
)


@functools.cache
def _import_weasyprint() -> types.ModuleType | None:
    try:
        import weasyprint
    except (ImportError, OSError):  # OSError: WeasyPrint present but Pango's libraries are not
        return None
    return weasyprint


def pdf_available() -> bool:
    """Return whether :func:`html_to_pdf` can run on this machine."""
    return _import_weasyprint() is not None


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML page to PDF bytes (A4, the page's print styles).

    Raises
    ------
    MissingDependencyError
        If WeasyPrint or its system libraries are not installed.
    """
    weasyprint = _import_weasyprint()
    if weasyprint is None:
        raise MissingDependencyError(INSTALL_HINT)
    # WeasyPrint logs every CSS property it does not support at WARNING; they are cosmetic here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html).write_pdf()
