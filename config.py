"""Configuration classes. Values come from the environment where deployments differ."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def normalize_database_url(url: str) -> str:
    """Make postgres:// and postgresql:// URLs use psycopg 3."""
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


DEV_SECRET_KEY = "dev-only-change-me"  # noqa: S105 - refused by ProductionConfig


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'cadre.sqlite3'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    DISPLAY_TIMEZONE = "Asia/Shanghai"

    # Cookies: HttpOnly and SameSite everywhere; Secure when served over HTTPS.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A trainee's phone stays logged in for a training programme, not for a year.
    REMEMBER_COOKIE_DURATION = timedelta(days=60)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # A form left open all morning (projector, registration desk) must still submit.
    WTF_CSRF_TIME_LIMIT = 12 * 3600

    # Flask-Limiter: memory per process by default, Redis when several workers share it.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or (
        os.environ["REDIS_URL"] if os.environ.get("REDIS_URL") else "memory://"
    )
    RATELIMIT_HEADERS_ENABLED = True
    # Login limits (README "Login limits"): attempts per account and client address; attempts
    # per account from anywhere; FAILED attempts per client address (a class shares one).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_RATE_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_RATE_LIMIT_PER_ACCOUNT", "50 per hour")
    LOGIN_RATE_LIMIT_PER_IP = os.environ.get("LOGIN_RATE_LIMIT_PER_IP", "300 per minute")
    POOL_PHONE_GUESS_LIMIT = os.environ.get("POOL_PHONE_GUESS_LIMIT", "30 per hour")

    # QR sign-in: the projector's code changes every SIGNIN_QR_SECONDS; a scanned code stays
    # good for SIGNIN_TICKET_SECONDS (logging in, then the one tap); attempts are limited per
    # trainee, generously per address (a class shares one Wi-Fi address).
    SIGNIN_QR_SECONDS = int(os.environ.get("SIGNIN_QR_SECONDS", "20"))
    SIGNIN_GRACE_SECONDS = 10
    SIGNIN_TICKET_SECONDS = 300
    SIGNIN_POLL_SECONDS = 3
    SIGNIN_RATE_LIMIT = os.environ.get("SIGNIN_RATE_LIMIT", "10 per minute")
    SIGNIN_RATE_LIMIT_PER_IP = os.environ.get("SIGNIN_RATE_LIMIT_PER_IP", "3000 per minute")
    # The QR page and its tap answered by cadre/signin/views_lean.py when they are the common case
    # (off: every request goes through the Flask view, as tests compare).
    SIGNIN_LEAN_PATH = os.environ.get("SIGNIN_LEAN_PATH", "1") == "1"
    # The public certificate check, per client address (scanning a stack of certificates is fine).
    CERTIFICATE_VERIFY_RATE_LIMIT = os.environ.get("CERTIFICATE_VERIFY_RATE_LIMIT", "30 per minute")
    # Wrong 6-digit codes a trainee may type per day (right ones do not count): bounds guessing.
    SIGNIN_CODE_FAILURES_PER_DAY = os.environ.get("SIGNIN_CODE_FAILURES_PER_DAY", "30 per day")

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    # Spreadsheet import limits (stated in the refusal message).
    IMPORT_MAX_BYTES = 20 * 1024 * 1024
    IMPORT_MAX_ROWS = 20_000
    # Where an uploaded roster waits between preview and commit (default instance/uploads);
    # with several hosts it must be a directory they share.
    IMPORT_UPLOAD_DIR = os.environ.get("IMPORT_UPLOAD_DIR") or None

    # Check at start-up that printing will be fast and legible.
    CHECK_PRINTING = os.environ.get("CADRE_CHECK_PRINTING", "1") == "1"

    # The address people outside the server use, e.g. https://cadre.example.gov.cn/: every link
    # printed or put in a QR code is built from it (cadre/urls.py), never from the Host header.
    # Unset: printed material carries no link and says so.
    PUBLIC_URL = os.environ.get("CADRE_PUBLIC_URL", "").strip() or None


class DevelopmentConfig(Config):
    DEBUG = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite:///:memory:")
    )
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    # Tests post forms directly; tests/test_security.py checks CSRF with it switched on.
    WTF_CSRF_ENABLED = False
    CHECK_PRINTING = False
    # Not the test client's Host (localhost): a test can tell the two apart.
    PUBLIC_URL = "https://cadre.example.gov.cn/"


configs = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}
