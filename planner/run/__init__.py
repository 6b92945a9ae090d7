"""Stage 3 — the pipeline from problem to verified plan: solve, certificate, outputs."""
