import dataclasses

import pandas as pd

from reports.bundle import ReportSection
from reports.html import render_html, table_section
from reports.summary import Verification, VerificationCheck
from tests.reports.conftest import make_bundle


def test_untrusted_text_is_escaped_and_sections_are_verbatim():
    b = make_bundle(
        title="<script>alert(1)</script> & co",
        sections=(ReportSection("A <b>title</b>", "<table id='t'></table>"),),
    )
    html = render_html(b)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "A &lt;b&gt;title&lt;/b&gt;" in html
    assert "<table id='t'></table>" in html


def test_empty_summary_renders_with_dashes_and_no_optional_blocks():
    html = render_html(make_bundle(summary=None, sections=()))
    assert 'id="partners"' not in html and 'id="verification"' not in html
    assert "Defended share of weight" in html and "\u2014" in html
    assert "<img" not in html  # no images were given


def test_failed_verification_is_flagged():
    b = make_bundle()
    failed = Verification(
        ok=False,
        recomputed_defended_weight=0.0,
        recomputed_cost_musd=0.0,
        checks=(VerificationCheck("cost", False),),
    )
    assert b.summary is not None
    summary = dataclasses.replace(b.summary, verification=failed)
    html = render_html(make_bundle(summary=summary))
    assert "FAILED" in html and 'class="c bad">FAIL<' in html


def test_points_table_is_capped_and_says_so(bundle):
    from reports.html import points_table

    t = points_table(bundle, limit=3)
    assert t is not None
    assert len(t.rows) == 3 and "3 of 10" in t.note
    weights = bundle.points["weight"].sort_values(ascending=False)
    assert [r[3].text for r in t.rows] == [f"{w:,.0f}" for w in weights[:3]]


def test_table_section_formats_numbers_right_aligned():
    df = pd.DataFrame({"equal": [1234.56, 7.0]}, index=pd.Index(["AAA", "BBB"], name="partner"))
    sec = table_section("Cost shares", df, note="M USD <notional>")
    assert sec.title == "Cost shares"
    assert '<td class="r ">1,234.6</td>' in sec.html
    assert '<td class="l ">AAA</td>' in sec.html
    assert "M USD &lt;notional&gt;" in sec.html
