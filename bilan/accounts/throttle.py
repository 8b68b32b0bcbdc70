"""Throttling of the login forms: axes locks accounts and addresses after failed passwords;
here, a per-address cap on the e-mails the login-link and reset forms send (no e-mail bombing),
counted in Django's cache (a database table, shared by every worker)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

MAIL_WINDOW_SECONDS = 15 * 60


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The account axes counts failures for: the e-mail as stored (lower-case)."""
    value = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(value).strip().lower()


def mail_allowed(kind: str, address: str) -> bool:
    """Count one e-mail of `kind` to `address`; False beyond MAIL_LIMIT_PER_ADDRESS in 15 min.

    Every address is counted, known or not, so the work does not tell them apart."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()
    key = f"mail:{kind}:{digest}"
    cache.add(key, 0, MAIL_WINDOW_SECONDS)  # the window starts at the first e-mail
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, MAIL_WINDOW_SECONDS)
        count = 1
    limit: int = settings.MAIL_LIMIT_PER_ADDRESS
    return count <= limit
