"""CLI commands about trainees (import, export)."""


def register(group) -> None:
    """Add the trainee commands to the `cadre` command group."""
