"""Adapters for commands that start from files rather than a scenario: ``optimize`` and ``allocate``."""
