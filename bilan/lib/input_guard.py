"""One guard for every text a person sends: a request whose query string, form fields or JSON
strings hold a NUL or a lone surrogate is refused before any view runs, with a French page
(HTML) or `{"detail": …}` with 422 (the API's status for invalid input). Every form, portal
page and API operation is thereby covered at once, including fields added later."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _t

from bilan.lib.text import UNSTORABLE_MESSAGE, is_storable


def strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def sent_texts(request: HttpRequest) -> Iterator[str]:
    for key, values in request.GET.lists():
        yield key
        yield from values
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.content_type == "application/json" or request.path.startswith("/api/"):
        try:
            # Not JSON: left to the view, which answers its own error.
            yield from strings(json.loads(request.body))
        except (ValueError, RecursionError):
            return
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.POST.lists():  # files are not text: not checked
            yield key
            yield from values


class UnstorableTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            clean = all(is_storable(text) for text in sent_texts(request))
        except RequestDataTooBig:
            clean = True  # the view's own size check answers
        if clean:
            return self.get_response(request)
        message = str(UNSTORABLE_MESSAGE)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=422)
        return HttpResponse(
            f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>{_t("Requête refusée")}'
            f"</title><h1>{_t('Requête refusée')}</h1><p>{message}</p></html>",
            status=400,
            content_type="text/html; charset=utf-8",
        )
