"""Shared by the tests that read the PDFs the app makes."""

from __future__ import annotations

import subprocess


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, laid out as on the page (poppler's pdftotext)."""
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
