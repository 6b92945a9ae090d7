"""Stage 2 — geography to arrays: candidate sites, coverage matrices, prices, side rules (CoverageProblem)."""
