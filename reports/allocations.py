"""Cost-share allocations (partner x rule, M USD) as CSV and as a formatted Excel workbook."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reports.atomic import atomic_write_bytes, atomic_write_text
from reports.errors import MissingDependencyError

MUSD_FORMAT = "#,##0.0"
SHARE_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"


def number_format(column: str, values: pd.Series) -> str:
    """Pick an Excel number format: shares as percentages, whole numbers plain, the rest ``#,##0.0``."""
    if column == "share" or column.endswith("_share"):
        return SHARE_FORMAT
    v = pd.to_numeric(values, errors="coerce").dropna()
    if len(v) and (v == v.round()).all() and not column.endswith("_musd"):
        return COUNT_FORMAT
    return MUSD_FORMAT


def _cell(value: Any, numeric: bool) -> object:
    """A worksheet value: booleans stay booleans (TRUE/FALSE in Excel), numbers floats, the rest text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return float(value) if numeric else str(value)


def allocations_csv(frame: pd.DataFrame) -> str:
    """Return the allocation table as CSV text (index kept when it is not a plain range)."""
    keep_index = not isinstance(frame.index, pd.RangeIndex)
    return frame.to_csv(index=keep_index, lineterminator="\n")


def allocations_xlsx(frame: pd.DataFrame, *, title: str = "", note: str = "") -> bytes:
    """Return the allocation table as an ``.xlsx`` workbook.

    Sheet ``allocations`` holds the table (bold header, frozen first row and column; numbers as
    ``#,##0.0``, ``share`` columns as percentages, whole-number columns such as weights as ``#,##0``);
    sheet ``about`` holds ``title`` and ``note`` (the notional-parameters banner).

    Raises
    ------
    MissingDependencyError
        If openpyxl is not installed.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:
        raise MissingDependencyError("XLSX output needs openpyxl: pip install 'openpyxl>=3.1'") from exc
    df = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    wb = Workbook()
    ws = wb.active
    ws.title = "allocations"
    ws.append([str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    numeric = [
        pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns
    ]
    for values in df.itertuples(index=False):
        ws.append([_cell(v, n) for v, n in zip(values, numeric, strict=True)])
    for j, (col, n) in enumerate(zip(df.columns, numeric, strict=True), start=1):
        letter = get_column_letter(j)
        width = max([len(str(col))] + [len(f"{v:,.1f}" if n else str(v)) for v in df[col].dropna()])
        ws.column_dimensions[letter].width = min(max(10, width + 2), 48)
        if n:
            fmt = number_format(str(col), df[col])
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
    ws.freeze_panes = "B2"
    about = wb.create_sheet("about")
    for line in (title, note, "Amounts in millions of US dollars (M USD)."):
        if line:
            about.append([line])
    about.column_dimensions["A"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_allocations(
    frame: pd.DataFrame, directory: str | Path, *, title: str = "", note: str = ""
) -> dict[str, Path]:
    """Write ``allocations.csv`` and ``allocations.xlsx`` into ``directory`` (atomically, each).

    Returns
    -------
    dict
        File name -> path: ``allocations.csv`` and ``allocations.xlsx``.
    """
    directory = Path(directory)
    return {
        "allocations.csv": atomic_write_text(directory / "allocations.csv", allocations_csv(frame)),
        "allocations.xlsx": atomic_write_bytes(
            directory / "allocations.xlsx", allocations_xlsx(frame, title=title, note=note)
        ),
    }
