"""The printed report: every column of the wide tables on the page, no near-empty page, a cover.

Reads the PDF back with poppler's ``pdftotext`` and ``pdftoppm`` (Debian ``poppler-utils``,
installed by ``make test``).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from reports import pdf

pytestmark = [
    pytest.mark.skipif(not pdf.pdf_available(), reason="WeasyPrint not installed (optional)"),
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
        reason="poppler-utils (pdftotext, pdftoppm) not installed: apt-get install poppler-utils",
    ),
]


@pytest.fixture(scope="module")
def printed(printed_run):
    return printed_run[1]


def _page_text(path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return " ".join(out.split())


def _pages(path) -> int:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.count("\f")


def test_cover_has_title_date_hash_distribution_and_contents(printed, small_run):
    text = _page_text(printed["report.pdf"], 1)
    sc = small_run.scenario
    assert sc.display_title.split(" (")[0] in text
    assert re.search(r"Generated 20\d\d-\d\d-\d\d \d\d:\d\d UTC", text)
    assert sc.digest()[:16] in text.replace(" ", "")
    assert sc.report.distribution.upper() in text.upper()
    assert "Contents" in text and re.search(r"Chosen sites\s*\.*\s*\d+", text)


def test_every_column_of_chosen_sites_is_on_its_page(printed, small_run):
    from planner.run.pipeline import plan_bundle
    from reports.html import chosen_sites_table

    cover = _page_text(printed["report.pdf"], 1)
    entry = re.search(r"Chosen sites\s*\.*\s*(\d+)", cover)
    assert entry is not None, "no contents entry for the chosen sites"
    page = int(entry.group(1))  # the contents' page number
    text = _page_text(printed["report.pdf"], page).upper()
    assert "CHOSEN SITES" in text
    headers = chosen_sites_table(plan_bundle(small_run)).headers
    squeezed = text.replace(" ", "")
    missing = [h for h in headers if h.upper().replace(" ", "") not in squeezed]
    assert not missing, f"columns not printed on page {page}: {missing}"
    sites = small_run.chosen_sites()
    ground = sites[sites["domain"] != "space"]
    # the last column's values are printed too (they were the ones cut off at the page edge)
    assert all(f"{c:,.1f}" in text for c in ground["cost_musd"])


def test_no_page_is_nearly_empty(printed, tmp_path):
    from PIL import Image

    n = _pages(printed["report.pdf"])
    subprocess.run(
        ["pdftoppm", "-r", "20", "-gray", "-png", str(printed["report.pdf"]), str(tmp_path / "p")], check=True
    )
    files = sorted(tmp_path.glob("p-*.png"))
    assert len(files) == n >= 2
    for k, f in enumerate(files, start=1):
        img = np.asarray(Image.open(f).convert("L"))
        body = img[: int(0.93 * img.shape[0])]  # above the page-number footer
        rows = np.flatnonzero((body < 200).any(axis=1))
        filled = rows.max() / img.shape[0] if rows.size else 0.0
        least = 0.1 if k == n else 0.45
        assert filled >= least, f"page {k} of {n} is filled only to {filled:.0%} of its height"
