"""Stage 1 — the scenario: strict schema, YAML reading, overrides merged in one documented order."""
