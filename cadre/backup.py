"""`flask cadre backup`: a consistent copy of the database while the app serves."""


def register(group) -> None:
    """Add the backup command to the `cadre` command group."""
