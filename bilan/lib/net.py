"""The client's address as the application may keep it: a keyed hash, never the address."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The peer address (behind a proxy, the proxy sets REMOTE_ADDR; see README « Production »)."""
    return request.META.get("REMOTE_ADDR", "")


def client_ua(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def hash_ip(ip: str) -> str:
    """An HMAC-SHA-256 of the address under IP_HASH_KEY, a secret of its own: comparable between
    records (attendance, audit), never reversible to the address by whoever reads the table."""
    if not ip:
        return ""
    return hmac.new(settings.IP_HASH_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()
