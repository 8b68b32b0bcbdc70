"""Second factor: TOTP (django-otp) with single-use recovery codes; mandatory for staff after a
grace period, opt-in for beneficiaries. One owner for « must this person enrol now? »."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Protocol

import segno
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bilan.accounts.models import User

RECOVERY_CODES = 10
STAFF_ROLES = {"admin", "consultant"}
# The pending login (password or link checked, code not yet) kept in the session.
PENDING_KEY = "mfa_pending_user"
PENDING_BACKEND_KEY = "mfa_pending_backend"
MAX_CODE_FAILURES = 5


class StaffRole(Protocol):
    """What MFA reads of a membership (organisations.models.Membership, a higher layer)."""

    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def role(self) -> str: ...
    @property
    def mfa_grace_days(self) -> int: ...


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_mfa(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def mfa_deadline(user: User, memberships: Iterable[StaffRole]) -> dt.date | None:
    """The last day a staff member may work without MFA: for each staff membership, its
    organisation's grace period (Organisation.mfa_grace_days) after the later of MFA's
    deployment (for accounts that existed then) and the membership's start; the earliest of
    these (the strictest organisation wins). None for people with no staff role
    (beneficiaries opt in)."""
    deadlines = []
    for m in memberships:
        if not (m.is_active and m.role in STAFF_ROLES):
            continue
        start = timezone.localdate(m.created_at)
        if user.mfa_grace_from and user.mfa_grace_from > start:
            start = user.mfa_grace_from
        deadlines.append(start + dt.timedelta(days=m.mfa_grace_days))
    return min(deadlines, default=None)


def must_enrol(user: User, memberships: Iterable[StaffRole], today: dt.date | None = None) -> bool:
    deadline = mfa_deadline(user, memberships)
    today = today or timezone.localdate()
    return deadline is not None and today > deadline and not has_mfa(user)


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled: the unconfirmed one, or a new one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Bilan", confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no script, no external image)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def secret_of(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def confirm(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device with its first code; the new recovery codes, or None if wrong."""
    if not device.verify_token(normalise(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return new_recovery_codes(device.user)


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh single-use codes; the older ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery")
    device.confirmed = True
    device.save()
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def normalise(code: str) -> str:
    return "".join((code or "").split()).lower()


def verify(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts `code` (a TOTP code, or a recovery code, spent), or None.
    django-otp's devices slow down repeated failures on their own (throttling)."""
    code = normalise(code)
    if not code:
        return None
    totp = totp_device(user)
    if totp is not None and code.isdecimal() and totp.verify_token(code):
        return totp
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if static is not None and static.verify_token(code):  # deletes the code it matched
        return static
    return None


def remove(user: User) -> None:
    """Turn MFA off (beneficiaries who opted in; staff are sent back to enrolment)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
