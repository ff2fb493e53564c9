"""Masking of personal data, and who acts on a person shared between cohorts.

Pure functions over plain values (cohort ids); the trainee area loads the ids.

A person enrolled in cohorts of different organizers is *shared*. An organizer acts
on such a person only through their own cohorts:
- the person's data that a class needs (contact details included) are seen and
  edited by the organizer of any of the person's cohorts (edits are audited);
- what the person did in a cohort (hours, attendance, certificate, group, status)
  is shown only for the cohorts the viewer manages — admins and the person
  themself see every cohort;
- account actions (reset password, unlock, login slips) are for admins and for the
  organizers of the person's first cohort (the one the person was first enrolled
  in, whose organizers issued the login): whoever sets a password can log in as
  the person and see all of the person's cohorts, so an organizer who enrolls
  someone else's trainee later is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits stay visible."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    # Shorter numbers (landlines, typos) keep at most half of their digits visible.
    visible = 4 if len(phone) >= 8 else 2
    return "*" * max(len(phone) - visible, 0) + phone[-visible:]


def visible_record_cohorts(
    person_cohorts: Iterable[int], managed_cohorts: Set[int] | None
) -> tuple[set[int], int]:
    """(cohorts whose record the viewer sees, how many other cohorts are hidden).

    managed_cohorts None: the viewer sees everything (an admin, or the person themself).
    """
    person = set(person_cohorts)
    if managed_cohorts is None:
        return person, 0
    shown = person & set(managed_cohorts)
    return shown, len(person - shown)


def may_manage_account(person_cohorts: Sequence[int], managed_cohorts: Set[int] | None) -> bool:
    """May the viewer reset, unlock or issue the login of a person in these cohorts?

    person_cohorts in the order the person joined them: the login belongs to the
    first (the cohort the person came with). managed_cohorts None: an admin, always.
    An organizer: when they manage that first cohort — so an organizer who enrolls
    someone else's trainee later never gets the person's password.
    """
    if managed_cohorts is None:
        return True
    return bool(person_cohorts) and person_cohorts[0] in managed_cohorts


def mask_name(name: str | None) -> str:
    """张*明: the first and last characters stay visible (张* for two, a name of one stays *)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
