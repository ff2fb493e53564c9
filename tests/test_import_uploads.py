"""Roster files kept on disk between an import's preview and its commit."""

from __future__ import annotations

import os
import secrets
import time

from cadre.imports import uploads
from tests import upload_support

upload_dir = upload_support.upload_dir  # the fixture


def test_purging_old_uploads_leaves_other_files_in_a_shared_upload_directory_alone(upload_dir):
    a_day_ago = time.time() - uploads.MAX_AGE_SECONDS - 60
    others = [upload_dir / "backup-2025-05-01.sqlite3", upload_dir / "README.txt"]
    for path in others:
        path.write_text("not an upload")
        os.utime(path, (a_day_ago, a_day_ago))
    abandoned = upload_dir / f"{secrets.token_urlsafe(32)}.xlsx"
    abandoned.write_bytes(b"PK")
    os.utime(abandoned, (a_day_ago, a_day_ago))

    uploads.save_upload(b"name,phone\n", "csv")

    assert all(path.exists() for path in others)
    assert not abandoned.exists()
