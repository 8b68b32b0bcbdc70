"""REST API v1, the shell: token auth per user, the NinjaAPI object, the error mapping and the
helpers every feature's router uses (each feature's operations live in `<feature>/api*.py`,
mounted by bilan/api/api.py). OpenAPI at /api/v1/openapi.json.

Endpoints are thin: the access helper first, then one model method or action. Every rule
stays in the models; here we only translate their refusals into HTTP statuses:
PermissionDenied → 403, Http404 → 404, a RuleViolation on an existing bilan → 409 (403 when
it is not the caller's act, 422 when the input is invalid), invalid input (schema, or a refused
creation) → 422. Error bodies are `{"detail": "…"}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _t
from ninja import NinjaAPI, Path
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestInvalid
from ninja.parser import Parser
from ninja.security import HttpBearer

from bilan.accounts.models import ApiToken, User, digest_of
from bilan.api.schemas import (
    MAX_INT,
    ErrorOut,
)
from bilan.bilans.models import RuleViolation
from bilan.lib.text import UNSTORABLE_MESSAGE
from bilan.organisations.middleware import token_membership


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the user gets their membership as on the web. A person
    in several organisations works in one at a time, as on the web: the one the
    `X-Bilan-Organisation` header names (its id), or else the oldest membership."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        chosen = request.headers.get(ORGANISATION_HEADER, "").strip()
        if chosen and not (chosen.isdigit() and 0 < int(chosen) <= MAX_INT):
            raise PermissionDenied(
                _t(
                    "En-tête X-Bilan-Organisation invalide : un identifiant d'organisme est attendu."
                )
            )
        # One query for the token, its user and their membership: every API call pays it.
        found = token_membership(digest_of(token), int(chosen) if chosen else None)
        if found is None:
            if ApiToken.objects.authenticate(token) is None:
                return None
            if chosen:
                raise PermissionDenied(
                    _t("Ce compte n'est pas membre actif de l'organisme demandé.")
                )
            raise PermissionDenied(_t("Ce compte n'est membre actif d'aucun organisme."))
        membership, user, api_token = found
        api_token.touch()
        # The organisation is loaded by the few calls using it.
        user.membership = membership
        request.user = user
        return user


ORGANISATION_HEADER = "X-Bilan-Organisation"


class UnsupportedMediaType(Exception):
    """A body whose Content-Type is not JSON, sent to a JSON operation (415)."""


class MalformedJson(Exception):
    """A JSON body that does not parse (400)."""


def is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class JsonBodies(Parser):
    """JSON bodies only, and only when they say so: ninja's parser reads any body as JSON."""

    def parse_body(self, request: HttpRequest) -> Any:
        if not is_json(request.content_type or ""):
            raise UnsupportedMediaType(request.content_type)
        try:
            return json.loads(request.body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
            raise MalformedJson(str(exc)) from exc


api = NinjaAPI(
    title="Bilan API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=TokenAuth(),
    parser=JsonBodies(),
)


BilanId = Annotated[int, Path(ge=1, le=MAX_INT)]


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(codes, ErrorOut)


def error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(
        request, 401, _t("Authentification requise : jeton d'API absent, invalide ou révoqué.")
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, str(exc) or _t("Votre rôle ne permet pas cette action."))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, _t("Ressource introuvable."))


@api.exception_handler(ValidationError)
def refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    status = 422
    if isinstance(exc, RuleViolation):
        status = {"forbidden": 403, "invalid": 422}.get(exc.code, 409)
    return error(request, status, " ".join(exc.messages))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps what the parser raised in an HttpError(400) "from" it.
    if isinstance(exc.__cause__, UnsupportedMediaType):
        return error(
            request,
            415,
            _t("Type de contenu non pris en charge : envoyez du JSON (Content-Type: %(ct)s).")
            % {"ct": "application/json"},
        )
    if isinstance(exc.__cause__, MalformedJson):
        return error(request, 400, _t("Corps de requête illisible : ce n'est pas du JSON valide."))
    return error(request, exc.status_code, str(exc))


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses the body past DATA_UPLOAD_MAX_MEMORY_SIZE; pages keep its HTML 400.
    return error(
        request,
        413,
        _t("Corps de requête trop volumineux (%(max)s octets au plus).")
        % {"max": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
    )


@api.exception_handler(RequestInvalid)
def request_invalid(request: HttpRequest, exc: RequestInvalid) -> HttpResponse:
    fields = sorted({".".join(str(part) for part in e["loc"]) for e in exc.errors})
    detail = _t("Requête invalide, vérifiez : %(fields)s.") % {"fields": ", ".join(fields)}
    unstorable = str(UNSTORABLE_MESSAGE)
    if any(unstorable in str(e.get("msg", "")) for e in exc.errors):
        detail = f"{detail} {unstorable}"  # say why: the field looks fine to the person
    return error(request, 422, detail, errors=exc.errors)


@contextmanager
def invalid_input() -> Iterator[None]:
    """Where there is no existing state to conflict with, a refusal means bad input (422);
    a refusal of the person (« forbidden ») stays a 403."""
    try:
        yield
    except RuleViolation as exc:
        if exc.code == "forbidden":
            raise
        raise ValidationError(exc.messages) from exc


def acting_user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]  # set by TokenAuth
