"""A trainee's personal data as plain values: what a form (or the CLI, or an import) hands to a service."""

from __future__ import annotations

from dataclasses import dataclass, fields

from cadre.enums import Gender


@dataclass(frozen=True)
class TraineeData:
    """Checked and cleaned values of one person (empty fields are None)."""

    name: str
    gender: Gender | None = None
    birth_year: int | None = None
    birth_month: int | None = None
    phone: str | None = None  # digits only, as rules.trainee_fields.normalize_phone returns it
    community: str | None = None
    position: str | None = None
    political_status: str | None = None
    education: str | None = None
    notes: str | None = None

    def apply_to(self, trainee) -> None:
        """Copy the values onto a Trainee row."""
        for f in fields(self):
            setattr(trainee, f.name, getattr(self, f.name))
