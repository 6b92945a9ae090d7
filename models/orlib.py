"""Reader for J.E. Beasley's OR-Library set-covering files (``scp41.txt`` ...).

Format (whitespace-separated integers; line breaks carry no meaning): ``m n``; the ``n`` column
costs; then for each row ``i = 1..m`` the count ``k_i`` followed by ``k_i`` 1-based column
indices. The problem is to choose columns of least total cost covering every row, which is
:func:`models.formulations.cover.min_cost_cover` on the returned instance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from models.instance import CoverInstance


class OrLibFormatError(ValueError):
    """An OR-Library file does not follow the set-covering format."""


def parse_orlib_scp(text: str, source: str = "<text>") -> CoverInstance:
    """Parse the text of an OR-Library set-covering file into a :class:`CoverInstance`.

    Every point is required, weights are 1; point ids are ``r1 … rm`` and site ids ``c1 … cn``
    (OR-Library's 1-based numbering).
    """
    try:
        tok = np.array(text.split(), dtype=np.int64)
    except ValueError as exc:
        raise OrLibFormatError(f"{source}: non-integer token ({exc})") from None
    if tok.size < 2:
        raise OrLibFormatError(f"{source}: expected 'm n' at the start, got {tok.size} numbers")
    m, n = int(tok[0]), int(tok[1])
    if m <= 0 or n <= 0:
        raise OrLibFormatError(f"{source}: m and n must be positive, got m={m}, n={n}")
    pos = 2 + n
    if tok.size < pos:
        raise OrLibFormatError(f"{source}: expected {n} column costs, file ends after {tok.size - 2}")
    cost = tok[2:pos].astype(float)
    rows: list[np.ndarray] = []
    for i in range(m):  # one step per row; the row's length is only known when it is reached
        if pos >= tok.size:
            raise OrLibFormatError(f"{source}: file ends at row {i + 1} of {m}")
        k = int(tok[pos])
        cols = tok[pos + 1 : pos + 1 + k]
        if k < 0 or cols.size != k:
            raise OrLibFormatError(f"{source}: row {i + 1} announces {k} columns, file ends first")
        if k and (cols.min() < 1 or cols.max() > n):
            raise OrLibFormatError(f"{source}: row {i + 1} names a column outside 1..{n}")
        rows.append(cols - 1)
        pos += 1 + k
    if pos != tok.size:
        raise OrLibFormatError(f"{source}: {tok.size - pos} unexpected numbers after row {m}")
    lengths = np.array([r.size for r in rows])
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    a = sp.csr_array((np.ones(indices.size, dtype=np.int8), indices, indptr), shape=(m, n))
    return CoverInstance(
        w=np.ones(m),
        c=cost,
        a=a,
        required=np.ones(m, dtype=bool),
        demand_ids=np.array([f"r{i + 1}" for i in range(m)], dtype=object),
        site_ids=np.array([f"c{j + 1}" for j in range(n)], dtype=object),
    )


def read_orlib_scp(path: str | Path) -> CoverInstance:
    """Read an OR-Library set-covering file (see :func:`parse_orlib_scp`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise OrLibFormatError(f"{path}: cannot read ({exc})") from None
    return parse_orlib_scp(text, str(path))
