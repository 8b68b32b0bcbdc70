"""Every request names its audit origin, and a refused read of a bilan's page is logged."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.apps import apps
from django.http import HttpRequest, HttpResponse

from bilan.compliance import origin
from bilan.compliance.audit import record_refused_read
from bilan.lib.net import client_ip, hash_ip

REFUSED = (403, 404)
READS = ("GET", "HEAD")
# Routes whose `pk` is a bilan's or an entretien's (see config/urls.py and each app's urls.py).
BILAN_PK = re.compile(r"(^|/)bilans?/<int:pk>")
ENTRETIEN_PK = re.compile(r"(^|/)entretiens/<int:pk>")


def _int(value: object) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def asked_for(request: HttpRequest) -> tuple[int | None, str] | None:
    """(bilan id or None, object id) of the object a request names; None if it names none."""
    match = request.resolver_match
    if match is None:
        return None
    ids = {name: _int(value) for name, value in match.kwargs.items()}
    ids = {name: number for name, number in ids.items() if number is not None}
    if not ids:
        return None
    route = match.route or ""
    object_id = str(ids.get("pk") or next(iter(ids.values())))
    if "bilan_id" in ids:
        return ids["bilan_id"], object_id
    if "pk" in ids and BILAN_PK.search(route):
        return ids["pk"], object_id
    entretien_id = ids.get("entretien_id") or (
        ids.get("pk") if ENTRETIEN_PK.search(route) else None
    )
    if entretien_id is not None:
        entretien = apps.get_model("entretiens", "Entretien")
        bilan_id = entretien.objects.filter(pk=entretien_id).values_list("bilan_id", flat=True)
        return next(iter(bilan_id), None), object_id
    return None, object_id


class AuditOriginMiddleware:
    """Sets the channel (web page or API) and the hashed client address every audit row of
    the request carries, and logs a refused read (403/404 on a GET naming an object) by anyone
    logged in, unless the view logged the refusal itself (e.g. the synthèse)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = origin.API if request.path_info.startswith("/api/") else origin.WEB
        with origin.audit_origin(channel, hash_ip(client_ip(request))) as here:
            response = self.get_response(request)
            if (
                response.status_code in REFUSED
                and request.method in READS
                and not here.denied_logged
                and getattr(request, "user", None) is not None
                and request.user.is_authenticated
                and (asked := asked_for(request)) is not None
            ):
                bilan_id, object_id = asked
                record_refused_read(
                    request.user,
                    bilan_id,
                    request.resolver_match.view_name,
                    request,
                    object_id=object_id,
                )
        return response
