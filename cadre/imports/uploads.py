"""Uploaded roster files kept on disk between the preview and the commit.

Nothing lives in process memory: any worker can commit what another previewed.
The file name is a random token; the commit also checks the file's sha256.
With several hosts, IMPORT_UPLOAD_DIR must be a shared directory.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
EXTENSIONS = ("xlsx", "csv")
MAX_AGE_SECONDS = 24 * 3600


def upload_dir() -> Path:
    configured = current_app.config.get("IMPORT_UPLOAD_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(token: str, ext: str) -> Path | None:
    if not TOKEN_RE.match(token or "") or ext not in EXTENSIONS:
        return None
    return upload_dir() / f"{token}.{ext}"


def save_upload(data: bytes, ext: str) -> str:
    """Keep the file for the commit; returns its token. Old abandoned uploads are removed."""
    purge_old()
    token = secrets.token_urlsafe(32)
    path = _path(token, ext)
    if path is None:
        raise ValueError(f"not an import file type: {ext!r}")
    # O_EXCL: never overwrite; 0o600: personal data readable by the app only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return token


def load_upload(token: str, ext: str) -> bytes | None:
    path = _path(token, ext)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()


def delete_upload(token: str, ext: str) -> None:
    path = _path(token, ext)
    if path is not None:
        path.unlink(missing_ok=True)


def purge_old(max_age: float = MAX_AGE_SECONDS) -> None:
    """Remove uploads previewed but never committed (personal data should not linger)."""
    cutoff = time.time() - max_age
    for path in upload_dir().glob("*.*"):
        # Only our own files: IMPORT_UPLOAD_DIR may be a directory shared with other things.
        if path.suffix[1:] not in EXTENSIONS or not TOKEN_RE.fullmatch(path.stem):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
