"""Absolute URLs for calendar subscriptions: the one place that knows the public address.

A subscription URL is pasted into a phone's calendar, which fetches it from outside:
it must be the address the public reaches, not whatever Host header this request had.
CADRE_PUBLIC_URL (e.g. https://cadre.example.gov.cn) sets it; without it, the request's.
(When a shared public-URL helper lands in cadre/urls.py, swap this body for it.)
"""

from __future__ import annotations

import os

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    base = current_app.config.get("CADRE_PUBLIC_URL") or os.environ.get("CADRE_PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def webcal(url: str) -> str:
    """The webcal:// form of an http(s) URL: phones open it straight in the calendar app."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme) :]
    return url
