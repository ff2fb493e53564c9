"""Subscription URLs for calendar feeds, from the configured public address (cadre/urls.py).

A subscription URL is pasted into a phone's calendar, which fetches it from outside:
it must be the address the public reaches, never the Host header of this request.
Without CADRE_PUBLIC_URL there is no URL, and the page says why.
"""

from __future__ import annotations

from cadre.urls import public_url_for


def public_url(endpoint: str, **values) -> str | None:
    return public_url_for(endpoint, **values)


def webcal(url: str) -> str:
    """The webcal:// form of an http(s) URL: phones open it straight in the calendar app."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme) :]
    return url
