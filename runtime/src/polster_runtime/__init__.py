"""polster-runtime: what a Polster project runs on. Public API: docs/runtime.md.

Importing this package imports neither Dagster nor Polars: `polster_runtime.layout` is pure
Python, shared with the polster CLI; the other modules import what they need.
"""

__version__ = "0.3.0"
