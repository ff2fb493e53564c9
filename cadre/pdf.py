"""PDF rendering: Jinja templates under templates/pdf/ → WeasyPrint.

One FontConfiguration is shared per process; URLs are fetched only from the
app's own static folder (never the network).
"""

from __future__ import annotations

import functools
import os
import subprocess
from urllib.parse import unquote, urlparse

from flask import current_app, render_template

CJK_FONT_FAMILY = "Noto Serif CJK SC"


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _restricted_fetcher(url: str, timeout: int = 10, ssl_context=None):
    """Serve static files and data: URLs; refuse everything else."""
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    parsed = urlparse(url)
    static_root = os.path.realpath(current_app.static_folder)
    if parsed.scheme == "file":
        # Decode first: %2e%2e must not slip past the containment check.
        path = os.path.realpath(unquote(parsed.path))
        if path.startswith(static_root + os.sep):
            return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    raise ValueError(f"PDF may not fetch {url!r}")


def render_pdf(template: str, **context) -> bytes:
    """Render templates/pdf/<template> with context into PDF bytes."""
    return html_to_pdf(render_template(template, **context))


def html_to_pdf(html: str, resources: dict[str, tuple[bytes, str]] | None = None) -> bytes:
    """WeasyPrint with the shared font configuration and the restricted fetcher.

    resources: in-memory files by URL ("cadre-resource:seal-7" → (bytes, mime type)),
    so an image printed on every page of a batch is in the HTML once by name, not
    200 times as a data: URL; WeasyPrint decodes it once per document.
    """
    from weasyprint import HTML

    fetcher = _restricted_fetcher
    if resources:

        def fetcher(url: str, timeout: int = 10, ssl_context=None):
            if url in resources:
                data, mime = resources[url]
                return {"string": data, "mime_type": mime, "redirected_url": url}
            return _restricted_fetcher(url, timeout=timeout, ssl_context=ssl_context)

    base_url = "file://" + os.path.realpath(current_app.static_folder) + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(font_config=_font_config())


def harfbuzz_subset_loaded() -> bool:
    """WeasyPrint is 20–100× slower at subsetting fonts without libharfbuzz-subset."""
    try:
        from weasyprint.text import ffi

        return getattr(ffi, "harfbuzz_subset", None) is not None
    except Exception:  # noqa: BLE001 - any import failure means no fast path
        return False


def cjk_font_installed() -> bool:
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "CJK" in out


@functools.cache
def printing_problems() -> tuple[str, ...]:
    """What would make PDFs slow or illegible on this machine (empty when fine)."""
    problems = []
    if not cjk_font_installed():
        problems.append(
            "no CJK font: Chinese text in PDFs would print as empty boxes; install fonts-noto-cjk"
        )
    if not harfbuzz_subset_loaded():
        problems.append(
            "libharfbuzz-subset is not loaded: PDFs render 20-100x slower; install libharfbuzz-subset0"
        )
    return tuple(problems)
