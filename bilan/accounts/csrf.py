"""The page a refused form (CSRF) shows: in French, in the site's layout, with a way back
(Django's own is an English, desktop-only debugging page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. The typical cause is a page left open past the session's expiry,
    or a form sent from a page that was reloaded elsewhere; the reason is not shown (it is
    for developers). The way back is the referring page when it is on this site."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    response = TemplateResponse(request, "403_csrf.html", {"back": back}, status=403)
    return response.render()
