"""Polster: scaffold and guard Dagster + Polars medallion pipelines."""

__version__ = "0.3.0"
