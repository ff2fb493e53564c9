"""Masking of personal data shown to people who do not manage the person."""


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits stay visible."""
    if not phone:
        return ""
    if len(phone) >= 8:
        return phone[:3] + "****" + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]
