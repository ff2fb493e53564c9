"""The site's public address, for every link that leaves the screen: printed, or in a QR code.

A login slip, a sign-in QR code on the projector or a certificate's verification
code is read later, elsewhere, by someone who cannot check where it points. So
such links never come from the request (its Host header is whatever the client
sent: ``Host: evil.example`` would print a slip pointing at that site); they come
from the configured ``CADRE_PUBLIC_URL`` (``PUBLIC_URL`` in the app config), e.g.
``https://cadre.example.gov.cn/``. Without it, public_url() answers None and the
caller prints no link and says why (public_url_missing_message()).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _


def public_base_url() -> str | None:
    """The configured public address, ending in "/"; None when unset or not an http(s) URL."""
    raw = (current_app.config.get("PUBLIC_URL") or "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        current_app.logger.warning("CADRE_PUBLIC_URL=%r is not an http(s) address: ignored", raw)
        return None
    return raw if raw.endswith("/") else raw + "/"


def public_url(path: str = "/") -> str | None:
    """The public address of `path` ("/auth/login", "verify/ABC"); None when no address is configured."""
    base = public_base_url()
    if base is None:
        return None
    return base + path.lstrip("/")


def public_url_for(endpoint: str, **values) -> str | None:
    """public_url() of a route, built without a request (also from the CLI or a background job)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return public_url(path)


def public_url_missing_message() -> str:
    """What to tell an organizer who prints something that would carry a link."""
    return _("系统未设置公开网址（CADRE_PUBLIC_URL），打印件上不印网址和二维码。请系统管理员设置后重新打印。")
