"""The cost-share report section, rendered from hand-made figures."""

import base64
import dataclasses
import html
import re

import pandas as pd

from reports.costshare import RULE_TEXT, costshare_section, whatif_chart
from reports.summary import CoreVerdict, CostShareFigures, CostSharePartner


def _alloc(rules=("equal", "shapley")) -> pd.DataFrame:
    rows = []
    for rule in rules:
        for p, amount, dw in (("AAA", 60.0, 3e6), ("BBB", 40.0, 1e6)):
            rows.append(
                {
                    "rule": rule,
                    "partner": p,
                    "amount_musd": amount,
                    "share": amount / 100,
                    "in_kind_credit_musd": 5.0 if p == "AAA" else 0.0,
                    "cash_due_musd": amount - (5.0 if p == "AAA" else 0.0),
                    "defended_weight": dw,
                    "usd_per_defended_person": amount * 1e6 / dw,
                    "ci95_half_width_musd": 0.0,
                    "in_core": rule == "shapley",
                }
            )
    return pd.DataFrame(rows)


WHATIF = pd.DataFrame(
    [
        {
            "partner": "AAA",
            "defended_in_plan": 3e6,
            "defended_alone": 2.5e6,
            "others_defend_without": 0.8e6,
            "value_added": 3.2e6,
            "value_shapley": 3.1e6,
            "others_cost_without_musd": 30.0,
            "cost_added_musd": 70.0,
        },
        {
            "partner": "BBB",
            "defended_in_plan": 1e6,
            "defended_alone": 0.8e6,
            "others_defend_without": 2.5e6,
            "value_added": 1.5e6,
            "value_shapley": 0.9e6,
            "others_cost_without_musd": 70.0,
            "cost_added_musd": 30.0,
        },
    ]
)
COALITIONS = pd.DataFrame(
    [
        {
            "coalition": "AAA",
            "size": 1,
            "pooled_budget_musd": 80.0,
            "defended_alone": 2.5e6,
            "cost_of_plan_coverage_musd": 70.0,
            "value_status": "optimal",
            "cost_status": "optimal",
        },
    ]
)


def _summary(**extra):
    base = CostShareFigures(
        partners=(
            CostSharePartner(
                iso_a3="AAA",
                name="Aland",
                population=5e6,
                population_source="scenario",
                gdp_musd=1000.0,
                gdp_source="Natural Earth GDP_MD (2019)",
                budget_cap_musd=None,
            ),
            CostSharePartner(
                iso_a3="BBB",
                name="Bland",
                population=2e6,
                population_source="scenario",
                gdp_musd=500.0,
                gdp_source="scenario",
                budget_cap_musd=50.0,
            ),
        ),
        bill_musd=100.0,
        allocations={},
        core={
            "equal": CoreVerdict(in_core=False, blocking_coalition=("BBB",), max_violation=10.0),
            "shapley": CoreVerdict(in_core=True, blocking_coalition=None, max_violation=-5.0),
        },
        least_core_epsilon=-5.0,
        core_empty=False,
        notes=("A note about <method> & caveats.",),
    )
    return dataclasses.replace(base, **extra)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_section_explains_every_rule_and_names_the_objecting_coalition():
    sec = costshare_section(_summary(), _alloc(), WHATIF, COALITIONS)
    text = _text(sec.html)
    assert sec.title == "Cost sharing"
    for rule in ("equal", "shapley"):
        label, what, why = RULE_TEXT[rule]
        assert label in text and what.split(",")[0] in text and why.split(";")[0] in text
    assert "BBB would pay 10.0 M USD less on its own" in text
    assert "outside the core" in text and "in the core" in text
    assert "non-empty" in text and "-5.0" in text
    assert "60.0 (60 %)" in text  # bill and share
    assert "/ 55.0" in text  # cash due after the in-kind credit, shown because a credit exists
    assert "&lt;method&gt; &amp; caveats" in sec.html  # notes are escaped


def test_empty_core_and_infeasible_joint_plan_are_said_plainly():
    joint = {
        "rule": "gdp",
        "tolerance": 0.1,
        "status": "infeasible",
        "defended_weight": None,
        "conditions": ["individual rationality: every partner defended at least as well as alone"],
        "partners": [],
        "budget_musd": 100.0,
        "without_conditions": {"plan": "grand plan", "shortfalls": {"AAA": 250000.0}},
    }
    sec = costshare_section(
        _summary(core_empty=True, least_core_epsilon=12.0, joint_plan=joint), _alloc(), WHATIF, COALITIONS
    )
    text = _text(sec.html)
    assert "The core is empty" in text and "12.0" in text
    assert "No plan meets every condition" in text and "AAA: 250,000 short" in text


def test_whatif_chart_is_a_png():
    png = whatif_chart(WHATIF)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    sec = costshare_section(_summary(), _alloc(), WHATIF, COALITIONS)
    uri = re.search(r'src="data:image/png;base64,([^"]+)"', sec.html)
    assert uri and base64.b64decode(uri.group(1))[:4] == b"\x89PNG"
