"""OR-Library set covering: the reader, and published optima reproduced (Beasley 1987)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from models import SolutionStatus, SolveOptions, solve_cover
from models.orlib import OrLibFormatError, parse_orlib_scp, read_orlib_scp

DATA = Path(__file__).parent / "data" / "orlib"
OPTS = SolveOptions(time_limit_s=60, mip_rel_gap=0.0, threads=1, seed=0)
with (DATA / "optima.csv").open() as _f:  # Beasley (1987), see SOURCE.md
    PUBLISHED = {row["instance"]: float(row["optimum"]) for row in csv.DictReader(_f)}


def test_reader_shape_and_first_row() -> None:
    inst = read_orlib_scp(DATA / "scp41.txt")
    assert (inst.m, inst.n) == (200, 1000)
    assert inst.a.nnz == 4009  # OR-Library's stated nonzeros for scp41
    assert inst.c[:3].tolist() == [1.0, 1.0, 1.0] and inst.c.max() == 100
    # Row 1 is covered by 17 columns, the first ones being 91, 214, 230 (1-based).
    row = inst.a.indices[inst.a.indptr[0] : inst.a.indptr[1]]
    assert row.size == 17 and list(row[:3] + 1) == [91, 214, 230]
    assert inst.required is not None and inst.required.all()


def test_reader_rejects_bad_files() -> None:
    with pytest.raises(OrLibFormatError, match="row 2 announces 3 columns"):
        parse_orlib_scp("2 2\n1 1\n1 1\n3 1 2", "bad.txt")
    with pytest.raises(OrLibFormatError, match="outside 1..2"):
        parse_orlib_scp("1 2 1 1 1 3", "bad.txt")
    with pytest.raises(OrLibFormatError, match="non-integer"):
        parse_orlib_scp("1 x", "bad.txt")
    with pytest.raises(OrLibFormatError, match="unexpected numbers"):
        parse_orlib_scp("1 1 5 1 1 9", "bad.txt")


@pytest.mark.parametrize("name", ["scp41", "scp42", "scpe1", "scpe2"])
def test_published_optimum_highs(name: str) -> None:
    inst = read_orlib_scp(DATA / f"{name}.txt")
    res = solve_cover(inst, OPTS, formulation="min_cost", engine="highs")
    assert res.solution_status is SolutionStatus.OPTIMAL and res.x is not None
    assert res.objective == pytest.approx(PUBLISHED[name])
    assert (inst.coverage_counts(res.x) > 0).all()
    assert inst.c[res.x].sum() == pytest.approx(PUBLISHED[name])


def test_published_optimum_pyomo() -> None:
    inst = read_orlib_scp(DATA / "scp42.txt")
    res = solve_cover(inst, OPTS, formulation="min_cost", engine="pyomo")
    assert res.objective == pytest.approx(512)


def test_cpsat_finds_a_cover_no_better_than_published() -> None:
    inst = read_orlib_scp(DATA / "scp41.txt")
    res = solve_cover(inst, SolveOptions(time_limit_s=2, threads=1), formulation="min_cost", engine="cpsat")
    assert res.has_solution and res.x is not None and (inst.coverage_counts(res.x) > 0).all()
    assert res.objective is not None and res.objective >= 429 - 1e-9
    if res.bound is not None:
        assert res.bound <= 429 + 1e-6
