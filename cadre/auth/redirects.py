"""Where a `next=` parameter may send the browser: only back into this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """The target when it is a path on this site, else None.

    Refuses absolute and scheme-relative URLs, and backslashes and control
    characters, which some browsers turn into `//host` (an open redirect).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
