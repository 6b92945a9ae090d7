"""domeplan planner."""
