"""Shared by the tests that upload roster files: a private upload folder and the upload itself.

Use the fixture with ``upload_dir = upload_support.upload_dir`` in the test module, and import
``post_roster``.
"""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart


@pytest.fixture
def upload_dir(app, tmp_path):
    """Uploaded files go to the test's own folder, and the setting is put back afterwards."""
    previous = app.config.get("IMPORT_UPLOAD_DIR")
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["IMPORT_UPLOAD_DIR"] = previous


def post_roster(client, cohort_id: int, data: bytes, filename: str = "名单.xlsx"):
    """Upload a roster file to the cohort's import page (the preview step)."""
    # Encoded in memory: the test client would spool a big body to a temporary file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return client.post(
        f"/cohorts/{cohort_id}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
