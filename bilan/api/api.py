"""REST API v1: token auth per user, OpenAPI at /api/v1/openapi.json.

Endpoints are thin: the access helper first, then one model method or action. Every rule
stays in the models; here we only translate their refusals into HTTP statuses:
PermissionDenied → 403, Http404 → 404, a RuleViolation on an existing bilan → 409 (403 when
it is not the caller's act, 422 when the input is invalid), invalid input (schema, or a refused
creation) → 422. Error bodies are `{"detail": "…"}`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _t
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestInvalid
from ninja.parser import Parser
from ninja.security import HttpBearer

from bilan.accounts.models import ApiToken, User, digest_of
from bilan.api.schemas import (
    MAX_INT,
    AdvanceIn,
    BilanDetailOut,
    BilanIn,
    BilanOut,
    BilanPageOut,
    ConsentIn,
    ConsentOut,
    ConsultantIn,
    ErrorOut,
    HoursIn,
    PersonalWorkIn,
    PreliminaryOutputsIn,
)
from bilan.bilans import actions
from bilan.bilans.models import Bilan, BilanFraming, RuleViolation
from bilan.bilans.models import Status as BilanStatus
from bilan.bilans.transitions import may_transition, run_transition
from bilan.compliance.audit import record_content_access
from bilan.lib.rows import column_list, instances
from bilan.lib.text import UNSTORABLE_MESSAGE
from bilan.organisations.access import can_read_content, get_bilan_for_user, require_membership
from bilan.organisations.models import HoursRule, Membership, Role


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
        params: list[Any] = [digest_of(token), timezone.now(), True, True]
        with connection.cursor() as cursor:
            params[1] = connection.ops.adapt_datetimefield_value(params[1])
            cursor.execute(_token_sql(bool(chosen)), params + ([int(chosen)] if chosen else []))
            row = cursor.fetchone()
        if row is None:
            if ApiToken.objects.authenticate(token) is None:
                return None
            if chosen:
                raise PermissionDenied(
                    _t("Ce compte n'est pas membre actif de l'organisme demandé.")
                )
            raise PermissionDenied(_t("Ce compte n'est membre actif d'aucun organisme."))
        membership, user, api_token = instances(row, Membership, User, ApiToken)
        api_token.touch()
        membership.user = user  # the organisation is loaded by the few calls using it
        user.membership = membership
        request.user = user
        return user


ORGANISATION_HEADER = "X-Bilan-Organisation"


@functools.cache
def _token_sql(chosen: bool) -> str:
    """The active membership (the chosen organisation's, or the oldest as on the web) of the
    user of a live token: the same rows as Membership.objects.active() joined to the token,
    written once per process."""
    q = connection.ops.quote_name
    return (
        f"SELECT {column_list(Membership, 'm')}, {column_list(User, 'u')}, "
        f"{column_list(ApiToken, 't')} "
        f"FROM {q(Membership._meta.db_table)} m "
        f"JOIN {q(User._meta.db_table)} u ON u.{q('id')} = m.{q('user_id')} "
        f"JOIN {q(ApiToken._meta.db_table)} t ON t.{q('user_id')} = u.{q('id')} "
        f"WHERE t.{q('digest')} = %s AND t.{q('revoked_at')} IS NULL AND t.{q('expires_at')} > %s "
        f"AND m.{q('is_active')} = %s AND u.{q('is_active')} = %s "
        + (f"AND m.{q('organisation_id')} = %s " if chosen else "")
        + f"ORDER BY m.{q('created_at')}, m.{q('id')} LIMIT 1"
    )


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

    def parse_body(self, request: HttpRequest) -> Any:  # noqa: ANN401
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


# ---- serialising ------------------------------------------------------------------


def rules_in_force() -> Callable[[Bilan], HoursRule]:
    """The hours rule of each bilan, with one query per organisation met (one for staff)."""
    tables: dict[int, Callable] = {}

    def rule(bilan: Bilan) -> HoursRule:
        if bilan.organisation_id not in tables:
            tables[bilan.organisation_id] = HoursRule.table(bilan.organisation)
        return tables[bilan.organisation_id](bilan.opened_on)

    return rule


def bilan_out(bilan: Bilan, rule: HoursRule | None = None) -> dict[str, Any]:
    budget = bilan.budget(rule)
    return {
        "id": bilan.pk,
        "reference": bilan.reference,
        "status": bilan.status,
        "status_label": str(bilan.get_status_display()),
        "beneficiary": {
            "id": bilan.beneficiary_id,
            "name": bilan.beneficiary.get_full_name(),
            "email": bilan.beneficiary_email,
        },
        "consultant": {"id": bilan.consultant_id, "name": bilan.consultant.get_full_name()},
        "situation": bilan.situation,
        "funding_route": bilan.funding_route,
        "funding_reference": bilan.funding_reference,
        "format": bilan.format,
        "opened_on": bilan.opened_on,
        "closed_on": bilan.closed_on,
        "hours": {
            "planned_total": budget.planned_total,
            "delivered_accompaniment": budget.delivered_accompaniment,
            "max_total": budget.max_total,
            "min_accompaniment": budget.min_accompaniment,
            "below_minimum": budget.below_minimum,
        },
    }


def content_out(framing: BilanFraming) -> dict[str, Any]:
    return {
        "request_text": framing.request_text,
        "needs_analysis": framing.needs_analysis,
        "agreed_arrangements": framing.agreed_arrangements,
        "arrangements_validations": {
            "beneficiary_validated_at": framing.arrangements_beneficiary_validated_at,
            "consultant_validated_at": framing.arrangements_consultant_validated_at,
        },
    }


def member_of(organisation_id: int, pk: int | None) -> User:
    """The member `pk` of the organisation; the model then checks they are a consultant."""
    user = User.objects.filter(pk=pk, memberships__organisation_id=organisation_id).first()
    if user is None:
        raise ValidationError(_t("Choisissez un·e consultant·e de l'organisme (consultant_id)."))
    return user


def acting_user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]  # set by TokenAuth


# ---- endpoints ----------------------------------------------------------------------


@api.get(
    "/bilans",
    response={200: BilanPageOut, **errors(401, 403, 422)},
    operation_id="list_bilans",
    summary="Bilans visible to the token's user",
)
def list_bilans(
    request: HttpRequest,
    status: BilanStatus | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_INT),
) -> dict[str, Any]:
    user = acting_user(request)
    bilans = Bilan.objects.for_user(user)
    if status:
        bilans = bilans.filter(status=status)
    page = bilans.with_people().with_hours()[offset : offset + limit]
    rule = rules_in_force()
    return {
        "count": bilans.count(),
        "limit": limit,
        "offset": offset,
        "items": [bilan_out(bilan, rule(bilan)) for bilan in page],
    }


@api.post(
    "/bilans",
    response={201: BilanOut, **errors(401, 403, 422)},
    operation_id="create_bilan",
    summary="Open a bilan (status « demande ») for a new or existing beneficiary",
)
def create_bilan(request: HttpRequest, payload: BilanIn) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, Role.ADMIN, Role.CONSULTANT)
    if membership.role == Role.CONSULTANT and payload.consultant_id is None:
        consultant = user  # a consultant opens bilans for themself
    else:
        # create_bilan checks this person may choose them (consultants_open_to).
        consultant = member_of(membership.organisation_id, payload.consultant_id)
    with invalid_input():
        bilan = actions.create_bilan(
            acting_user=user,
            organisation=membership.organisation,
            consultant=consultant,
            **payload.model_dump(exclude={"consultant_id"}),
        )
    return Status(201, bilan_out(bilan))


@api.get(
    "/bilans/{bilan_id}",
    response={200: BilanDetailOut, **errors(401, 403, 404, 422)},
    operation_id="get_bilan",
    summary="One bilan; its content only for the beneficiary and the assigned consultant",
)
def get_bilan(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    content = None
    if can_read_content(user, bilan):
        framing = bilan.framing_or_empty()
        content = content_out(framing)
        if framing.pk:  # the beneficiary's own reads are not logged (record_content_access)
            record_content_access(actor=user, bilan=bilan, objects=[framing], channel="api")
    return {**bilan_out(bilan), "content": content}


@api.post(
    "/bilans/{bilan_id}/consent",
    response={201: ConsentOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_consent",
    summary="Record consent: online by the beneficiary, or on paper by the organisation",
)
def record_consent(
    request: HttpRequest, bilan_id: BilanId, payload: ConsentIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    consent = bilan.record_consent(
        by=user, method=payload.method, notice_version=payload.notice_version
    )
    return Status(
        201,
        {
            "given_at": consent.given_at,
            "method": consent.method,
            "notice_version": consent.notice_version,
        },
    )


@api.post(
    "/bilans/{bilan_id}/advance",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="advance_bilan",
    summary="Run one lifecycle transition",
)
def advance_bilan(request: HttpRequest, bilan_id: BilanId, payload: AdvanceIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    if not may_transition(user, bilan, payload.transition):
        raise PermissionDenied(
            _t("Votre rôle ne permet pas cette transition (%(transition)s).")
            % {"transition": payload.transition}
        )
    run_transition(
        bilan,
        payload.transition,
        by=user,
        completion=payload.completion,
        reason=payload.reason,
        decision=payload.decision,
    )
    return bilan_out(bilan)


@api.post(
    "/bilans/{bilan_id}/hours",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="plan_hours",
    summary="Set the programme of hours (refused over the ceiling)",
)
def plan_hours(request: HttpRequest, bilan_id: BilanId, payload: HoursIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    bilan.plan_hours(
        by=user,
        accompaniment_minutes=payload.accompaniment_minutes,
        personal_minutes=payload.personal_minutes,
    )
    return bilan_out(bilan)


@api.post(
    "/bilans/{bilan_id}/consultant",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="assign_consultant",
    summary="Give the bilan to another consultant of the organisation (admin only)",
)
def assign_consultant(
    request: HttpRequest, bilan_id: BilanId, payload: ConsultantIn
) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, Role.ADMIN)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    consultant = member_of(bilan.organisation_id, payload.consultant_id)
    bilan.assign_consultant(by=user, consultant=consultant, reason=payload.reason)
    return bilan_out(bilan)


@api.post(
    "/bilans/{bilan_id}/preliminary-outputs",
    response={200: BilanDetailOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_preliminary_outputs",
    summary="Record the preliminary phase's outputs: needs analysis, format, rhythm, agreed "
    "arrangements (the assigned consultant, in the preliminary phase)",
)
def record_preliminary_outputs(
    request: HttpRequest, bilan_id: BilanId, payload: PreliminaryOutputsIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    bilan.record_preliminary_outputs(by=user, **payload.model_dump())
    return get_bilan(request, bilan_id)


@api.post(
    "/bilans/{bilan_id}/personal-work",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_personal_work",
    summary="Record the personal work delivered (the assigned consultant; refused over the "
    "ceiling when it counts)",
)
def record_personal_work(
    request: HttpRequest, bilan_id: BilanId, payload: PersonalWorkIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    bilan.record_personal_work(by=user, minutes=payload.minutes)
    return bilan_out(bilan)


@api.post(
    "/bilans/{bilan_id}/consent/withdrawal",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="withdraw_consent",
    summary="The beneficiary withdraws their consent: the bilan is interrupted (beneficiary only)",
)
def withdraw_consent(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    bilan.withdraw_consent(by=user)
    return bilan_out(bilan)


# Each feature's endpoints live in their own module, on a router mounted here (at the bottom,
# since those modules import the helpers above).
from bilan.api import (  # noqa: E402
    assessments,
    assignments,
    attendance,
    entretiens,
    exchanges,
    exercises,
    followup,
    guides,
    matching,
    metiers,
    notes,
    pistes,
    synthese,
)

for feature in (
    guides,
    entretiens,
    attendance,
    assignments,
    notes,
    assessments,
    exercises,
    exchanges,
    metiers,
    matching,
    pistes,
    followup,
    synthese,
):
    api.add_router("", feature.router)


def declare_body_errors() -> None:
    """Every operation taking a JSON body may answer 400 (malformed JSON), 413 (too large)
    and 415 (not JSON), in the error shape: declared once here rather than at each route.
    It uses ninja's operation internals (1.7): test_contract.py fails if that stops working."""
    for router in (api.default_router, *(router for _, router in api._routers)):
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if any(m.__ninja_param_source__ == "body" for m in operation.models):
                    for code in BODY_ERRORS:
                        operation.response_models.setdefault(
                            code, operation._create_response_model(ErrorOut)
                        )


BODY_ERRORS = (400, 413, 415)
declare_body_errors()
