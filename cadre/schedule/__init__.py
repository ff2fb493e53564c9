"""The schedule (课程安排): organizers create, edit, cancel, repeat and shift a cohort's sessions."""
