"""Which views need no login."""

from __future__ import annotations


def public(view):
    """Mark a view as reachable without login (the rest of the app needs a login)."""
    view.is_public = True
    return view
