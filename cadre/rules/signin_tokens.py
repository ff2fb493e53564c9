"""Signed, rotating sign-in tokens for the projector's QR code, their short numeric codes, device cookies.

Stdlib only (hmac, hashlib, base64, secrets); the key is a parameter (the app's
SECRET_KEY), from which each use derives its own subkey, so a token can never
pass as a code or a device cookie. Times are POSIX seconds (``float``) or aware
datetimes, passed in by the caller: tests inject them, nothing here reads a clock.

Rotation
    Time is cut into windows of ``window`` seconds (default 20); the projector
    shows the token of the current window. A token is accepted during its own
    window, the next one, and ``grace`` seconds more (default 10): at most
    2 × 20 + 10 = 50 s after it first appeared, so a photo of the QR sent to
    someone at home stops working within a minute. A token from a window that
    starts more than ``grace`` seconds in the future (a host whose clock runs
    ahead) counts as expired too.

Token (``make_token`` / ``verify_token``)
    URL-safe base64 without padding of: version byte, session id (4 bytes),
    window number (4 bytes), and the first 12 bytes of an HMAC-SHA256 over
    them and the purpose (``"in"`` for sign-in, ``"out"`` for sign-out):
    28 characters, small enough for a QR a phone reads from the back of a room.
    ``verify_token`` answers ``ok``, ``expired``, ``forged`` (anything that does
    not decode or whose MAC is wrong, a token of the other purpose included) or
    ``wrong_session`` (genuine, but for another session); MACs are compared in
    constant time.

Short code (``make_code`` / ``verify_code`` / ``find_code_session``)
    Six digits (HOTP-style dynamic truncation, RFC 4226) of an HMAC over the
    same session, window and purpose, under a subkey of its own; accepted in the
    same windows as the token. A wrong code cannot tell forged from expired by
    itself, so ``verify_code`` also looks back ``CODE_LOOKBACK`` windows: a code
    of those is ``expired``, anything else ``forged``.

Device cookie (``new_device_cookie`` / ``verify_device_cookie``)
    ``<random id>.<MAC>``: 16 random bytes and a 12-byte HMAC, both URL-safe
    base64. A cookie the client edited fails verification and is replaced; the
    id ties a phone to the one trainee who signed in with it for a session.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime

DEFAULT_WINDOW = 20
DEFAULT_GRACE = 10
CODE_DIGITS = 6
CODE_LOOKBACK = 15  # windows a wrong code is compared with to say "expired" (5 min at 20 s)

_VERSION = 1
_LAYOUT = struct.Struct(">BII")  # version, session id, window number
_MAC_BYTES = 12
_TOKEN_BYTES = _LAYOUT.size + _MAC_BYTES
_DEVICE_ID_BYTES = 16
PURPOSES = ("in", "out")

__all__ = [
    "DEFAULT_GRACE",
    "DEFAULT_WINDOW",
    "TokenCheck",
    "TokenStatus",
    "find_code_session",
    "make_code",
    "make_token",
    "new_device_cookie",
    "seconds_to_next_window",
    "verify_code",
    "verify_device_cookie",
    "verify_token",
    "window_number",
]


class TokenStatus(enum.StrEnum):
    OK = "ok"
    EXPIRED = "expired"
    FORGED = "forged"
    WRONG_SESSION = "wrong_session"


@dataclass(frozen=True)
class TokenCheck:
    """The verdict on a token or code; `session_id` is the session it names (None when forged)."""

    status: TokenStatus
    session_id: int | None = None
    window: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == TokenStatus.OK


def _seconds(now: float | datetime) -> float:
    if isinstance(now, datetime):
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("naive datetime: sign-in tokens take aware datetimes or POSIX seconds")
        return now.timestamp()
    return float(now)


def _check_window(window: int) -> int:
    if not isinstance(window, int) or window <= 0:
        raise ValueError("the rotation window must be a positive number of seconds")
    return window


def _check_purpose(purpose: str) -> bytes:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    return purpose.encode()


def _check_session(session_id: int) -> int:
    if not isinstance(session_id, int) or not 0 < session_id < 2**32:
        raise ValueError("session id must be a positive 32-bit integer")
    return session_id


def _subkey(key: str | bytes, use: bytes) -> bytes:
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if not raw:
        raise ValueError("an empty key signs nothing")
    return hmac.new(raw, b"cadre/" + use, hashlib.sha256).digest()


def window_number(now: float | datetime, window: int = DEFAULT_WINDOW) -> int:
    """The number of the rotation window `now` falls in."""
    return int(_seconds(now) // _check_window(window))


def seconds_to_next_window(now: float | datetime, window: int = DEFAULT_WINDOW) -> float:
    """How long the projector keeps the current token before it asks for the next."""
    seconds = _seconds(now)
    return (window_number(seconds, window) + 1) * window - seconds


def _accepted(number: int, now: float, window: int, grace: int) -> bool:
    """Whether window `number` is still (or already, within grace) accepted at `now`."""
    return number * window <= now + grace and now < (number + 2) * window + grace


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _unb64(text: str) -> bytes:
    """Strict URL-safe base64 without padding (b64decode alone would skip stray characters)."""
    if not text or not _ALPHABET.issuperset(text):
        raise ValueError("not URL-safe base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --------------------------------------------------------------------------- QR token


def _token_mac(key: str | bytes, body: bytes, purpose: bytes) -> bytes:
    digest = hmac.new(_subkey(key, b"signin-token"), body + b"|" + purpose, hashlib.sha256).digest()
    return digest[:_MAC_BYTES]


def make_token(
    key: str | bytes,
    session_id: int,
    now: float | datetime,
    *,
    window: int = DEFAULT_WINDOW,
    purpose: str = "in",
) -> str:
    """The token the projector shows for `session_id` during the window of `now`."""
    body = _LAYOUT.pack(_VERSION, _check_session(session_id), window_number(now, window))
    return _b64(body + _token_mac(key, body, _check_purpose(purpose)))


def verify_token(
    key: str | bytes,
    token: str | None,
    session_id: int,
    now: float | datetime,
    *,
    window: int = DEFAULT_WINDOW,
    grace: int = DEFAULT_GRACE,
    purpose: str = "in",
) -> TokenCheck:
    """ok / expired / forged / wrong_session for a token scanned at `now` on `session_id`'s page."""
    seconds = _seconds(now)
    _check_window(window)
    purpose_bytes = _check_purpose(purpose)
    if not isinstance(token, str) or len(token) > 64:
        return TokenCheck(TokenStatus.FORGED)
    try:
        raw = _unb64(token)
    except (binascii.Error, ValueError):
        return TokenCheck(TokenStatus.FORGED)
    if len(raw) != _TOKEN_BYTES:
        return TokenCheck(TokenStatus.FORGED)
    body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    if not hmac.compare_digest(mac, _token_mac(key, body, purpose_bytes)):
        return TokenCheck(TokenStatus.FORGED)
    version, token_session, number = _LAYOUT.unpack(body)
    if version != _VERSION:
        return TokenCheck(TokenStatus.FORGED)
    if token_session != session_id:
        return TokenCheck(TokenStatus.WRONG_SESSION, token_session, number)
    if not _accepted(number, seconds, window, grace):
        return TokenCheck(TokenStatus.EXPIRED, token_session, number)
    return TokenCheck(TokenStatus.OK, token_session, number)


# --------------------------------------------------------------------------- short numeric code


def _code_for(key: str | bytes, session_id: int, number: int, purpose: bytes, digits: int) -> str:
    message = _LAYOUT.pack(_VERSION, session_id, number) + b"|" + purpose
    digest = hmac.new(_subkey(key, b"signin-code"), message, hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def make_code(
    key: str | bytes,
    session_id: int,
    now: float | datetime,
    *,
    window: int = DEFAULT_WINDOW,
    purpose: str = "in",
    digits: int = CODE_DIGITS,
) -> str:
    """The short numeric code shown under the QR for `session_id` during the window of `now`."""
    number = window_number(now, window)
    return _code_for(key, _check_session(session_id), number, _check_purpose(purpose), digits)


def _normalise_code(code: str | None, digits: int) -> str | None:
    if not isinstance(code, str):
        return None
    # People type "123 456" or paste full-width digits from a chat.
    cleaned = "".join(ch for ch in code if not ch.isspace() and ch != "-")
    cleaned = cleaned.translate({0xFF10 + n: ord("0") + n for n in range(10)})
    if len(cleaned) != digits or not (cleaned.isascii() and cleaned.isdigit()):
        return None
    return cleaned


def verify_code(
    key: str | bytes,
    code: str | None,
    session_id: int,
    now: float | datetime,
    *,
    window: int = DEFAULT_WINDOW,
    grace: int = DEFAULT_GRACE,
    purpose: str = "in",
    digits: int = CODE_DIGITS,
) -> TokenCheck:
    """ok / expired / forged for a code typed at `now` for `session_id` (compared in constant time)."""
    seconds = _seconds(now)
    _check_window(window)
    purpose_bytes = _check_purpose(purpose)
    _check_session(session_id)
    typed = _normalise_code(code, digits)
    if typed is None:
        return TokenCheck(TokenStatus.FORGED)
    current = window_number(seconds, window)
    # Newest first, so a code that was shown twice in a row (1 in 10^6) resolves to the valid window.
    verdict = TokenCheck(TokenStatus.FORGED)
    for number in range(current + 1, current - CODE_LOOKBACK - 1, -1):
        if number < 0:
            break
        expected = _code_for(key, session_id, number, purpose_bytes, digits)
        if hmac.compare_digest(typed, expected) and verdict.status == TokenStatus.FORGED:
            accepted = _accepted(number, seconds, window, grace)
            verdict = TokenCheck(TokenStatus.OK if accepted else TokenStatus.EXPIRED, session_id, number)
    return verdict


def find_code_session(
    key: str | bytes,
    code: str | None,
    session_ids,
    now: float | datetime,
    **options,
) -> TokenCheck:
    """The session among `session_ids` (e.g. the trainee's sessions open now) a typed code belongs to.

    The first session whose code is valid wins; else `expired` when the code was
    one of a session's recent codes, else `forged`.
    """
    best = TokenCheck(TokenStatus.FORGED)
    for session_id in session_ids:
        check = verify_code(key, code, session_id, now, **options)
        if check.ok:
            return check
        if check.status == TokenStatus.EXPIRED and best.status == TokenStatus.FORGED:
            best = check
    return best


# --------------------------------------------------------------------------- device cookie


def _device_mac(key: str | bytes, device_id: str) -> str:
    digest = hmac.new(_subkey(key, b"device"), device_id.encode("ascii"), hashlib.sha256).digest()
    return _b64(digest[:_MAC_BYTES])


def new_device_cookie(key: str | bytes, *, random_bytes: bytes | None = None) -> tuple[str, str]:
    """(device id, cookie value) for a phone seen for the first time; `random_bytes` only for tests."""
    raw = secrets.token_bytes(_DEVICE_ID_BYTES) if random_bytes is None else random_bytes
    if len(raw) != _DEVICE_ID_BYTES:
        raise ValueError(f"a device id takes {_DEVICE_ID_BYTES} random bytes")
    device_id = _b64(raw)
    return device_id, f"{device_id}.{_device_mac(key, device_id)}"


def verify_device_cookie(key: str | bytes, value: str | None) -> str | None:
    """The device id of a genuine cookie value, or None (missing, edited, or signed with another key)."""
    if not isinstance(value, str) or len(value) > 128 or value.count(".") != 1:
        return None
    device_id, mac = value.split(".")
    try:
        if len(_unb64(device_id)) != _DEVICE_ID_BYTES:
            return None
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(mac, _device_mac(key, device_id)):
        return None
    return device_id
