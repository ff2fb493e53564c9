"""Sign-in tokens, short codes and device cookies: bound to a session, short-lived, unforgeable.

Every clock value is injected; nothing sleeps.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

import pytest

from cadre.rules.signin_tokens import (
    TokenStatus,
    find_code_session,
    make_code,
    make_token,
    new_device_cookie,
    seconds_to_next_window,
    verify_code,
    verify_device_cookie,
    verify_token,
    window_number,
)

KEY = "test-secret-key"
T0 = 1_746_752_400.0  # 2025-05-09 09:00 Shanghai, the start of a 20-second window
OK, EXPIRED, FORGED, WRONG = (
    TokenStatus.OK,
    TokenStatus.EXPIRED,
    TokenStatus.FORGED,
    TokenStatus.WRONG_SESSION,
)


def test_t0_starts_a_window():
    assert T0 % 20 == 0


def test_a_token_is_short_url_safe_and_names_its_session():
    token = make_token(KEY, 42, T0)
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,32}", token)
    check = verify_token(KEY, token, 42, T0)
    assert check.ok and check.session_id == 42 and check.window == window_number(T0)


@pytest.mark.parametrize(
    ("shown_at", "scanned_at", "status"),
    [
        (0, 0, OK),
        (0, 19.9, OK),  # its own window
        (0, 39.9, OK),  # the next one
        (0, 49.99, OK),  # plus 10 seconds of grace
        (0, 50, EXPIRED),
        (19.99, 49.99, OK),  # shown at the very end of its window: still 30 s
        (19.99, 50, EXPIRED),
        (0, 3600, EXPIRED),
        (0, -10, OK),  # a host whose clock is up to 10 s behind the projector's
        (0, -10.01, EXPIRED),
    ],
)
def test_a_token_lives_its_window_the_next_one_and_ten_seconds(shown_at, scanned_at, status):
    token = make_token(KEY, 7, T0 + shown_at)
    assert verify_token(KEY, token, 7, T0 + scanned_at).status == status


@pytest.mark.parametrize("offset", [0, 5, 10, 19.999])
def test_a_photo_of_the_qr_stops_working_within_a_minute(offset):
    token = make_token(KEY, 7, T0 + offset)
    assert verify_token(KEY, token, 7, T0 + offset + 29).ok
    assert verify_token(KEY, token, 7, T0 + offset + 60).status == EXPIRED


def test_window_and_grace_are_settings():
    token = make_token(KEY, 7, T0, window=60)
    assert verify_token(KEY, token, 7, T0 + 125, window=60, grace=10).ok
    assert verify_token(KEY, token, 7, T0 + 130, window=60, grace=10).status == EXPIRED
    assert verify_token(KEY, make_token(KEY, 7, T0), 7, T0 + 40, grace=0).status == EXPIRED


def test_another_sessions_token_is_wrong_session_not_forged():
    token = make_token(KEY, 7, T0)
    check = verify_token(KEY, token, 8, T0)
    assert check.status == WRONG and check.session_id == 7


def test_tokens_of_different_sessions_and_windows_differ():
    tokens = {make_token(KEY, s, T0 + 20 * w) for s in (1, 2, 3) for w in range(5)}
    assert len(tokens) == 15


def flip(token: str, position: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    replacement = alphabet[(alphabet.index(token[position]) + 1) % 64]
    return token[:position] + replacement + token[position + 1 :]


def test_any_changed_character_makes_a_forgery():
    token = make_token(KEY, 7, T0)
    for position in range(len(token)):
        altered = flip(token, position)
        if altered != token:
            assert verify_token(KEY, altered, 7, T0).status == FORGED, position


def test_moving_a_token_to_a_later_window_or_another_session_by_hand_is_a_forgery():
    import base64
    import struct

    raw = base64.urlsafe_b64decode(make_token(KEY, 7, T0) + "=")
    version, session, number = struct.unpack(">BII", raw[:9])
    later = struct.pack(">BII", version, session, number + 100)
    other = struct.pack(">BII", version, 8, number)
    for body, session_id, now in ((later, 7, T0 + 2000), (other, 8, T0)):
        moved = base64.urlsafe_b64encode(body + raw[9:]).rstrip(b"=").decode()
        assert verify_token(KEY, moved, session_id, now).status == FORGED


@pytest.mark.parametrize(
    "garbage",
    [None, "", "abc", "%%%%", "AQAAAAcAAAAy" * 10, "签到码" * 9 + "签", 12345, "A" * 28, "A" * 27 + "="],
)
def test_garbage_is_forged_never_an_error(garbage):
    assert verify_token(KEY, garbage, 7, T0).status == FORGED


def test_a_token_signed_with_another_key_or_for_sign_out_is_forged():
    assert verify_token(KEY, make_token("other-key", 7, T0), 7, T0).status == FORGED
    sign_out = make_token(KEY, 7, T0, purpose="out")
    assert verify_token(KEY, sign_out, 7, T0).status == FORGED
    assert verify_token(KEY, sign_out, 7, T0, purpose="out").ok


def test_stray_characters_around_a_valid_token_are_refused():
    token = make_token(KEY, 7, T0)
    assert verify_token(KEY, token + "!", 7, T0).status == FORGED
    assert verify_token(KEY, " " + token, 7, T0).status == FORGED


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: verify_token(KEY, flip(make_token(KEY, 7, T0), 20), 7, T0),
        lambda: verify_code(KEY, "000000", 7, T0),
        lambda: verify_device_cookie(KEY, new_device_cookie(KEY)[1]),
    ],
    ids=["token", "code", "device"],
)
def test_macs_are_compared_in_constant_time(monkeypatch, attempt):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    attempt()
    assert calls


def test_aware_datetimes_and_posix_seconds_agree():
    moment = datetime.fromtimestamp(T0 + 5, UTC)
    assert make_token(KEY, 7, moment) == make_token(KEY, 7, T0 + 5)
    assert verify_token(KEY, make_token(KEY, 7, T0), 7, moment).ok
    with pytest.raises(ValueError):
        make_token(KEY, 7, datetime(2025, 5, 9, 9, 0))


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (make_token, ("", 7, T0)),
        (make_token, (KEY, 0, T0)),
        (make_token, (KEY, 2**32, T0)),
        (make_token, (KEY, "7", T0)),
    ],
)
def test_programming_errors_raise(call, args):
    with pytest.raises(ValueError):
        call(*args)


def test_bad_window_or_purpose_raise():
    with pytest.raises(ValueError):
        make_token(KEY, 7, T0, window=0)
    with pytest.raises(ValueError):
        verify_token(KEY, "x", 7, T0, purpose="both")


def test_the_projector_knows_when_to_fetch_the_next_token():
    assert seconds_to_next_window(T0) == 20
    assert seconds_to_next_window(T0 + 15.5) == pytest.approx(4.5)
    assert window_number(T0 + 19.999) == window_number(T0)
    assert window_number(T0 + 20) == window_number(T0) + 1


# --------------------------------------------------------------------------- short codes


def test_a_code_has_six_digits_and_is_accepted_in_the_same_windows():
    code = make_code(KEY, 7, T0)
    assert re.fullmatch(r"\d{6}", code)
    assert verify_code(KEY, code, 7, T0 + 49.99).ok
    check = verify_code(KEY, code, 7, T0 + 50)
    assert check.status == EXPIRED and check.session_id == 7


def test_a_code_from_minutes_ago_is_expired_and_a_wrong_one_forged():
    old = make_code(KEY, 7, T0 - 200)
    assert verify_code(KEY, old, 7, T0).status == EXPIRED
    valid = {make_code(KEY, 7, T0 + 20 * w) for w in range(-16, 2)}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)
    assert verify_code(KEY, wrong, 7, T0).status == FORGED


@pytest.mark.parametrize("garbage", [None, "", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_a_code_of_the_wrong_shape_is_forged(garbage):
    assert verify_code(KEY, garbage, 7, T0).status == FORGED


def test_typed_codes_are_forgiving_about_spaces_dashes_and_full_width_digits():
    code = make_code(KEY, 7, T0)
    full_width = code.translate({ord("0") + n: 0xFF10 + n for n in range(10)})
    for typed in (f" {code} ", f"{code[:3]} {code[3:]}", f"{code[:3]}-{code[3:]}", full_width):
        assert verify_code(KEY, typed, 7, T0 + 5).ok, typed


def test_codes_depend_on_key_session_window_and_purpose():
    assert len({make_code(KEY, 7, T0 + 20 * w) for w in range(30)}) >= 28
    same = sum(make_code(KEY, 7, T0 + 20 * w) == make_code(KEY, 8, T0 + 20 * w) for w in range(30))
    assert same <= 1
    assert verify_code("other-key", make_code(KEY, 7, T0), 7, T0).status == FORGED
    out = make_code(KEY, 7, T0, purpose="out")
    assert verify_code(KEY, out, 7, T0, purpose="out").ok


def test_a_code_typed_on_my_timetable_finds_its_session():
    code = make_code(KEY, 12, T0)
    check = find_code_session(KEY, code, [11, 12, 13], T0 + 3)
    assert check.ok and check.session_id == 12
    assert find_code_session(KEY, code, [12], T0 + 120).status == EXPIRED
    assert find_code_session(KEY, code, [], T0).status == FORGED


# --------------------------------------------------------------------------- device cookies


def test_a_device_cookie_round_trips_and_each_phone_gets_its_own():
    device_id, value = new_device_cookie(KEY)
    assert verify_device_cookie(KEY, value) == device_id
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", value)
    assert new_device_cookie(KEY)[0] != device_id


def test_the_device_id_can_be_fixed_for_tests():
    first = new_device_cookie(KEY, random_bytes=b"\x01" * 16)
    assert first == new_device_cookie(KEY, random_bytes=b"\x01" * 16)
    with pytest.raises(ValueError):
        new_device_cookie(KEY, random_bytes=b"\x01" * 4)


def test_an_edited_or_foreign_device_cookie_is_refused():
    device_id, value = new_device_cookie(KEY)
    other_id, other_value = new_device_cookie(KEY)
    mac = value.split(".")[1]
    assert verify_device_cookie(KEY, f"{other_id}.{mac}") is None  # someone else's id with my MAC
    assert verify_device_cookie("other-key", value) is None
    assert verify_device_cookie(KEY, value + "x") is None
    for garbage in (None, "", ".", "abc", f"{device_id}.", f".{mac}", f"{value}.{mac}", "签." * 3):
        assert verify_device_cookie(KEY, garbage) is None, garbage


def test_a_token_cannot_pass_as_a_device_cookie_or_a_code():
    token = make_token(KEY, 7, T0)
    assert verify_device_cookie(KEY, token) is None
    assert verify_code(KEY, token, 7, T0).status == FORGED
