"""The information notice as versioned server-side data (REQ-58): the version in force, its
publication, and the acknowledgement of a changed notice at the next login.

`Bilan.record_consent` reads the version through `bilan.bilans.notice` (registered by
LifecycleConfig.ready): the consent records what the server showed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from bilan.accounts.models import User
from bilan.bilans.models import Consent
from bilan.lifecycle.models import InformationNotice, NoticeAcknowledgement

# The session key of a changed notice waiting for acknowledgement (set at login).
PENDING = "lifecycle_notice_pending"


def current(now: dt.datetime | None = None) -> InformationNotice | None:
    return InformationNotice.objects.filter(published_at__lte=now or timezone.now()).first()


def current_version() -> str:
    notice = current()
    if notice is not None:
        return notice.version
    version: str = settings.INFORMATION_NOTICE_VERSION
    return version


def publish(*, version: str, changes: str, now: dt.datetime | None = None) -> InformationNotice:
    """A new version of the notice: every beneficiary sees it again at her next login."""
    return InformationNotice.objects.create(
        version=version, changes=changes, published_at=now or timezone.now()
    )


def session_hash(session_key: str | None) -> str:
    """The session as proof without the session key itself (an HMAC under SECRET_KEY)."""
    if not session_key:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), session_key.encode(), hashlib.sha256).hexdigest()


def needs_acknowledgement(user: User) -> str | None:
    """The version `user` must read again: she consented under an older one and has not
    acknowledged the one in force. None: nothing to show."""
    version = current_version()
    consented = Consent.objects.filter(bilan__beneficiary=user).exclude(notice_version=version)
    if not consented.exists():
        return None
    if NoticeAcknowledgement.objects.filter(user=user, version=version).exists():
        return None
    if Consent.objects.filter(bilan__beneficiary=user, notice_version=version).exists():
        return None
    return version


def acknowledge(*, user: User, session_key: str | None = None) -> NoticeAcknowledgement:
    """`user` has read the notice in force (the server's version, never the client's)."""
    version = current_version()
    try:
        with transaction.atomic():
            return NoticeAcknowledgement.objects.create(
                user=user,
                version=version,
                acknowledged_at=timezone.now(),
                session_hash=session_hash(session_key),
            )
    except IntegrityError:
        return NoticeAcknowledgement.objects.get(user=user, version=version)


def on_login(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    """At login, a beneficiary who consented under an older notice is shown the new one."""
    if request is None or not hasattr(request, "session"):
        return
    version = needs_acknowledgement(user)
    if version is None:
        request.session.pop(PENDING, None)
    else:
        request.session[PENDING] = version
