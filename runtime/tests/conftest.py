"""Fixtures for polster-runtime tests."""
