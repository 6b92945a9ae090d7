"""domeplan geodata."""
