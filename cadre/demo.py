"""`flask cadre demo`: the 2025 青蓝接力 cohort of 天目西路街道 as demo data."""


def register(group) -> None:
    """Add the demo command to the `cadre` command group."""
