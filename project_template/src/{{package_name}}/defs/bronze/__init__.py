"""Bronze: raw data exactly as received, kept as dated snapshots.

By default ([tool.polster] in pyproject.toml) bronze assets read no other project asset.
"""
