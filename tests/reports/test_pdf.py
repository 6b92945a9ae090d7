import pytest

from reports import pdf
from reports.errors import MissingDependencyError
from reports.writers import write_outputs
from tests.reports.conftest import make_bundle


def test_missing_weasyprint_raises_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "_import_weasyprint", lambda: None)
    monkeypatch.setattr("reports.writers.pdf_available", lambda: False)
    with pytest.raises(MissingDependencyError, match="domeplan\\[pdf\\]"):
        write_outputs(make_bundle(), tmp_path / "tiny", pdf=True)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(MissingDependencyError):
        pdf.html_to_pdf("<p>x</p>")


@pytest.mark.skipif(not pdf.pdf_available(), reason="WeasyPrint not installed (optional)")
def test_pdf_is_written_when_asked(tmp_path, fast_images):
    out = write_outputs(make_bundle(), tmp_path / "tiny", pdf=True, charts=False)
    assert out["report.pdf"].read_bytes()[:5] == b"%PDF-"


@pytest.mark.skipif(not pdf.pdf_available(), reason="WeasyPrint not installed (optional)")
def test_domeplan_run_writes_the_pdf_beside_the_html(printed_run):
    root, paths = printed_run
    assert paths["report.pdf"].read_bytes()[:5] == b"%PDF-"
    assert paths["report.pdf"].parent == paths["report.html"].parent == root / "small"
