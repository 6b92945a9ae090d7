"""domeplan reports."""
