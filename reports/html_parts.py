"""The small parts every report section is made of: a figure as PNG, a PNG as a data URI, a table.

One place for them, so that every chart is saved and embedded the same way. Tables with alignment,
flags and notes are :class:`reports.html.Table` rendered by :func:`reports.html.table_markup`;
:func:`html_table` is the plain one (escaped header and cells, no classes).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from typing import Any, overload

from matplotlib.figure import Figure


def png_bytes(fig: Figure, **savefig: Any) -> bytes:
    """The figure as PNG bytes; ``savefig`` is passed to :meth:`~matplotlib.figure.Figure.savefig`."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", **savefig)
    return buf.getvalue()


@overload
def data_uri(png: bytes) -> str: ...
@overload
def data_uri(png: None) -> None: ...
@overload
def data_uri(png: bytes | None) -> str | None: ...
def data_uri(png: bytes | None) -> str | None:
    """``data:image/png;base64,...`` of PNG bytes, to embed in a self-contained page (``None`` stays)."""
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def html_table(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain HTML table; every header and cell (``str()`` of it) escaped."""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
