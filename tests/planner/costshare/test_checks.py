"""The checks a partner reads first: caps, worse than alone, nothing defended (hand-checkable cases)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from planner.costshare.checks import partner_checks
from reports.costshare import bills_table, core_verdict, whatif_table
from reports.flags import flag_summary, partner_flags


def _result(caps, allocations, defended, alone, joint=None):
    players = tuple(caps)
    facts = tuple(SimpleNamespace(iso_a3=p, budget_cap_musd=c) for p, c in caps.items())
    whatif = pd.DataFrame({"partner": players, "defended_in_plan": defended, "defended_alone": alone})
    bill = sum(next(iter(allocations.values())).values())
    return SimpleNamespace(
        facts=facts,
        players=players,
        allocations=allocations,
        joint=joint,
        whatif=whatif,
        defended=np.asarray(defended, float),
        bill_musd=bill,
    )


def test_bills_above_caps_worse_than_alone_and_nothing_defended_are_flagged():
    # A's cap 50: the equal split (60) is above it, the benefit split (45) is not; C defends nothing.
    res = _result(
        {"A": 50.0, "B": 100.0, "C": None},
        {"equal": {"A": 60.0, "B": 60.0, "C": 60.0}, "benefit": {"A": 45.0, "B": 135.0, "C": 0.0}},
        defended=[10.0, 30.0, 0.0],
        alone=[12.0, 30.0, 0.0],
    )
    chk = partner_checks(res)
    assert [(o.partner, o.rule) for o in chk.over_cap] == [("A", "equal"), ("B", "benefit")]
    assert chk.rules_within_caps == ()
    assert chk.caps_total_musd is None and not chk.bill_exceeds_caps  # C has no cap
    assert [(w.partner, w.defended_in_plan, w.defended_alone) for w in chk.worse_than_alone] == [
        ("A", 10.0, 12.0)
    ]
    assert [n.partner for n in chk.nothing_defended] == ["C"]
    text = " ".join(f.text for f in partner_flags(chk.to_json()))
    assert "A's bill exceeds its cap of 50.0 M USD under 1 rule: equal 60.0" in text
    assert "A is defended less in the shared plan than it would defend alone: 10 vs 12" in text
    assert "C has nothing defended in the plan, yet is billed equal 60.0 M USD" in text
    assert "No rule here keeps every bill within every cap" in text


def test_bill_above_the_sum_of_caps_and_the_rules_that_respect_them():
    res = _result(
        {"A": 40.0, "B": 40.0},
        {"equal": {"A": 45.0, "B": 45.0}, "shapley": {"A": 50.0, "B": 40.0}},
        defended=[5.0, 5.0],
        alone=[5.0, 5.0],
    )
    chk = partner_checks(res)
    assert chk.bill_exceeds_caps and chk.caps_total_musd == 80.0
    assert chk.rules_within_caps == ()
    res2 = _result(
        {"A": 60.0, "B": 60.0},
        {"equal": {"A": 45.0, "B": 45.0}, "shapley": {"A": 70.0, "B": 20.0}},
        defended=[5.0, 5.0],
        alone=[4.0, 5.0],
    )
    chk2 = partner_checks(res2)
    assert chk2.rules_within_caps == ("equal",) and not chk2.bill_exceeds_caps
    assert not chk2.worse_than_alone and not chk2.nothing_defended
    flags = flag_summary(chk.to_json())
    assert "more than all caps together (80.0 M USD)" in flags[0].text


def test_a_clean_plan_says_so():
    res = _result(
        {"A": 100.0, "B": 100.0}, {"equal": {"A": 50.0, "B": 50.0}}, defended=[5.0, 5.0], alone=[5.0, 4.0]
    )
    flags = partner_flags(partner_checks(res).to_json())
    assert len(flags) == 1 and flags[0].cls == "ok"


def test_flagged_cells_in_the_bills_and_whatif_tables():
    res = _result(
        {"A": 50.0, "B": None}, {"equal": {"A": 60.0, "B": 60.0}}, defended=[10.0, 30.0], alone=[12.0, 30.0]
    )
    checks = partner_checks(res).to_json()
    alloc = pd.DataFrame(
        {"rule": ["equal", "equal"], "partner": ["A", "B"], "amount_musd": [60.0, 60.0], "share": [0.5, 0.5]}
    )
    html = str(bills_table(alloc, ["equal"], checks))
    assert html.count('class="r flag"') == 1 and "above the cap of 50.0 M USD" in html
    whatif = res.whatif.assign(
        others_defend_without=0.0,
        value_added=0.0,
        value_shapley=None,
        others_cost_without_musd=0.0,
        cost_added_musd=0.0,
    )
    html = str(whatif_table(whatif, checks))
    assert html.count('title="defended less in the plan than alone"') == 2  # A's two "defended" cells


@pytest.mark.parametrize(
    ("eps", "needle"),
    [(0.0, "no slack"), (1e-9, "no slack"), (-25.0, "at least 25.0 M USD below"), (12.0, "is <b>empty</b>")],
)
def test_least_core_sentence_never_says_zero_below(eps, needle):
    text = str(core_verdict(eps, eps > 0))
    assert needle in text and "0.0 M USD below" not in text


def test_small_run_flags_agree_with_an_independent_recount(small_run):
    """Every bill of the small scenario above its cap is flagged, and nothing else."""
    cs = small_run.cost_sharing
    assert cs is not None
    caps = {p.iso_a3: p.budget_musd for p in small_run.scenario.partners}
    expected = {
        (r, p)
        for r, a in cs.allocations.items()
        for p, v in a.items()
        if caps[p] is not None and v > caps[p] * (1 + 1e-6)
    }
    checks = cs.summary()["checks"]
    assert {
        (o["rule"], o["partner"]) for o in checks["over_cap"] if not o["rule"].startswith("joint")
    } == expected
    alloc = cs.allocations_frame()
    flagged = alloc[alloc["above_cap"].astype(bool) & ~alloc["rule"].str.startswith("joint")]
    assert set(zip(flagged["rule"], flagged["partner"], strict=True)) == expected
