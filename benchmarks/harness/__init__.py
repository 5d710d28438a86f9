"""The benchmark harness behind benchmarks/run.py: sides and their timing, the tools and
projects the measures run in, the measure groups, and the report."""
