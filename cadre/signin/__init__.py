"""QR sign-in: the projector page (签到大屏), the trainee's sign-in and sign-out, proxy checks."""
