"""PDF plumbing: fetches stay inside the static folder; this machine prints fast and legibly."""

import os

import pytest

from cadre.pdf import _restricted_fetcher, printing_problems


def _static_url(app, relative: str) -> str:
    return "file://" + os.path.realpath(app.static_folder) + "/" + relative


def test_pdf_may_fetch_the_apps_static_files(app):
    with app.test_request_context():
        result = _restricted_fetcher(_static_url(app, "css/cadre.css"))
    assert result  # WeasyPrint's fetch result for the file


@pytest.mark.parametrize(
    "suffix",
    ["../../config.py", "%2e%2e/%2e%2e/config.py", "..%2f..%2fconfig.py", "%2E%2E/%2E%2E/config.py"],
)
def test_pdf_may_not_fetch_files_outside_static(app, suffix):
    with app.test_request_context(), pytest.raises(ValueError):
        _restricted_fetcher(_static_url(app, suffix))


@pytest.mark.parametrize("url", ["http://127.0.0.1:5432/", "https://example.com/x.png", "file:///etc/passwd"])
def test_pdf_may_not_fetch_the_network_or_other_files(app, url):
    with app.test_request_context(), pytest.raises(ValueError):
        _restricted_fetcher(url)


def test_this_machine_has_the_cjk_font_and_fast_subsetting():
    """The set-up step installs fonts-noto-cjk and libharfbuzz-subset0; without them PDFs break."""
    assert printing_problems() == ()
