"""Test helpers that need no app: the test password, fast hashing, a wider booking window.
The shared cast (organisations, people, bilans) is in bilan/bilans/testing.py."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_django import Settings

PASSWORD = "motdepasse-de-test-42"

__all__ = [
    "PASSWORD",
    "_fast_password_hashing",
    "booking_window_to_2031",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # PBKDF2 at production strength costs ~0.3 s per user on this machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def booking_window_to_2031(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests booking entretiens at fixed dates up to 2030, beyond the real two-year window."""
    monkeypatch.setattr("bilan.lib.dates.latest_booking_day", lambda: dt.date(2031, 1, 1))
