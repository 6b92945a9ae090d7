"""Stage 4 — who pays what: bills under every cost-sharing rule, core checks, the joint plan."""
