"""The client's address as the application may keep it: a keyed hash, never the address."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind TRUSTED_PROXY_COUNT reverse proxies (README « Production »), the
    address the outermost trusted proxy saw: the n-th entry from the right of X-Forwarded-For, since
    only what our own proxies appended can be believed (a client can send any left part). Also the
    address the login lockout counts (AXES_CLIENT_IP_CALLABLE), so clients are not all one proxy."""
    peer: str = request.META.get("REMOTE_ADDR", "")
    count: int = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return peer
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return peer
    return hops[-count][:45]  # at most an IPv6 address in text


def client_ua(request: HttpRequest) -> str:
    agent: str = request.META.get("HTTP_USER_AGENT", "")
    return agent


def hash_ip(ip: str) -> str:
    """An HMAC-SHA-256 of the address under IP_HASH_KEY, a secret of its own: comparable between
    records (attendance, audit), never reversible to the address by whoever reads the table."""
    if not ip:
        return ""
    return hmac.new(settings.IP_HASH_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()
