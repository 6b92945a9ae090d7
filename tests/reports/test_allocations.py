import io

import pandas as pd
from openpyxl import load_workbook

from reports.allocations import allocations_csv, allocations_xlsx


def _alloc() -> pd.DataFrame:
    return pd.DataFrame(
        {"equal": [375.0, 375.0], "by_weight": [500.25, 249.75]},
        index=pd.Index(["AAA", "BBB"], name="partner"),
    )


def test_csv_keeps_the_partner_index():
    text = allocations_csv(_alloc())
    assert text.splitlines() == ["partner,equal,by_weight", "AAA,375.0,500.25", "BBB,375.0,249.75"]


def test_xlsx_reads_back_with_number_formats_and_notes():
    wb = load_workbook(io.BytesIO(allocations_xlsx(_alloc(), title="T", note="notional")))
    ws = wb["allocations"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows == [("partner", "equal", "by_weight"), ("AAA", 375.0, 500.25), ("BBB", 375.0, 249.75)]
    assert ws["C2"].number_format == "#,##0.0"
    assert ws.freeze_panes == "B2"
    assert [r[0] for r in wb["about"].iter_rows(values_only=True)][:2] == ["T", "notional"]


def test_long_format_allocations_get_per_column_number_formats():
    long = pd.DataFrame(
        {
            "rule": ["equal", "equal"],
            "partner": ["USA", "CAN"],
            "amount_musd": [2960.0, 2960.0],
            "share": [0.5, 0.5],
            "defended_weight": [130311374.0, 13263130.0],
            "in_core": [True, False],
        }
    )
    ws = load_workbook(io.BytesIO(allocations_xlsx(long)))["allocations"]
    assert [ws[f"{c}2"].number_format for c in "CDE"] == ["#,##0.0", "0.0%", "#,##0"]
    assert ws["F2"].value is True and ws["A2"].value == "equal"  # a boolean, not the text "True"
