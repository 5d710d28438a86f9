"""Silver: typed, deduplicated and validated data, one row per business entity.

By default ([tool.polster] in pyproject.toml) silver assets read only bronze assets.
"""
