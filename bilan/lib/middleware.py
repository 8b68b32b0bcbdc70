from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class LanguageMiddleware:
    """French unless the person chose another language (cookie set by the language form).

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is ignored: a French
    provider's staff often run English-language browsers and still expect French pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# Issue 11: browser features no page of the platform uses are refused to every page and
# everything it embeds.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# What a page or an API answer is; anything else (PDF, DOCX, .ics, CSV, images…) is content.
NOT_DOWNLOADS = {"text/html", "application/json"}


def is_download(response: HttpResponse) -> bool:
    """A file leaving the platform: declared as one, or anything that is not a page or API data."""
    if "Content-Disposition" in response:
        return True
    media_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return media_type not in NOT_DOWNLOADS


def is_authenticated(request: HttpRequest) -> bool:
    """A session user, or an API call carrying a token (whether or not the token is valid)."""
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response, and `Cache-Control: no-store` on every response to
    an authenticated person and on every download, whoever asks (issue 11).

    Placed right after WhiteNoise: static files keep their long caching, and every other
    response, including the ones middleware below gives (MFA redirect, lockout, CSRF
    refusal), passes through here. A response that already says no-store is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "no-store" not in response.get("Cache-Control", "") and (
            is_authenticated(request) or is_download(response)
        ):
            response["Cache-Control"] = "private, no-store"
        return response
