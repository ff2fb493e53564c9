"""Attendance by hand: roll call, head counts, paper sheets, leave, corrections and statistics.

Sign-in by QR code lives in the ``signin`` blueprint; both write AttendanceRecord.
"""
