"""Gold: business-ready tables and metrics.

By default ([tool.polster] in pyproject.toml) gold assets read only silver assets.
"""
