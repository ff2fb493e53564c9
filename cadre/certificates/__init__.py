"""Completion certificates (结业证书): issue, revoke, reissue, print, verify."""
