"""Masking of personal data shown to people who do not manage the person."""


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits stay visible."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    # Shorter numbers (landlines, typos) keep at most half of their digits visible.
    visible = 4 if len(phone) >= 8 else 2
    return "*" * max(len(phone) - visible, 0) + phone[-visible:]
