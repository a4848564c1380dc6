"""Password rules, in one place for the forms and the CLI."""

from __future__ import annotations

from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MAX_LENGTH = 256

# The most common passwords of at least 8 characters (from public breach
# lists); anything here is refused however long it is.
COMMON_PASSWORDS = frozenset(
    [
        "12345678",
        "123456789",
        "1234567890",
        "12345678910",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "qwertyuiop",
        "qwerty123",
        "qwerty1234",
        "1qaz2wsx",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "11111111",
        "00000000",
        "88888888",
        "87654321",
        "abcd1234",
        "abc12345",
        "iloveyou",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "welcome1",
        "welcome123",
        "letmein1",
        "trustno1",
        "superman",
        "starwars",
        "whatever",
        "computer",
        "internet",
        "michelle",
        "jennifer",
        "corvette",
        "mercedes",
        "changeme",
        "changeme1",
        "administrator",
        "admin123",
        "admin1234",
        "qwertyui",
        "asdfghjk",
        "zxcvbnm1",
        "aa123456",
        "monkey12",
        "dragon12",
        "master12",
        "shadow12",
        "secret123",
    ]
)


def password_problem(password: str) -> str | None:
    """Why `password` is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in COMMON_PASSWORDS:
        return "This password is one of the most common ones; choose another."
    if len(set(password)) < 3:
        return "Use more than two different characters."
    return None


def hash_password(password: str) -> str:
    # Tests lower the scrypt cost through PASSWORD_HASH_METHOD; nothing else should.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)


def spend_password_check_time(password: str) -> None:
    """Check against a dummy hash, so an unknown email answers as slowly as a
    known one and timing does not reveal who has an account."""
    check_password_hash(
        _dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password
    )
