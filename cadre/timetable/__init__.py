"""Timetables: the organizer's week grid and list, the trainee's 我的课表, calendar feeds, the
printable timetable and the next 期次 copied from a cohort."""
