"""API v1: the organisation's side of the house — its team (invite a consultant or an admin),
its profile and dated hour rules (the admin), and the invitations addressed to the caller
(accept, decline). In the shell's app like bilan/api/bilans.py: accounts and organisations sit
below the API shell, so they cannot hold their operations. The rules stay in their owners
(bilans.actions.invite_member, organisations.invitations, OrganisationForm,
organisations.rules); here we only translate."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _t
from ninja import Field, Path, Router, Schema, Status

from bilan.accounts.models import User
from bilan.api.base import acting_user, error, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.organisations import invitations, rules
from bilan.organisations.access import require_membership
from bilan.organisations.forms import OrganisationForm
from bilan.organisations.invitations import invite_member
from bilan.organisations.logos import LOGO_MAX_BYTES
from bilan.organisations.models import HoursRule, Membership, Organisation, Role

router = Router(tags=["organisation"])

StaffRole = Annotated[str, Field(pattern=f"^({Role.CONSULTANT}|{Role.ADMIN})$")]


# ---- the team ------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int = Field(description="The membership's id.")
    user_id: int
    name: str
    email: str
    role: str
    is_active: bool


def member_out(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "user_id": m.user_id,
        "name": m.user.get_full_name(),
        "email": invitations.invited_address(m.user),
        "role": m.role,
        "is_active": m.is_active,
    }


@router.get(
    "/team",
    response={200: list[MemberOut], **errors(401, 403)},
    operation_id="list_team",
    summary="The organisation's staff, as on « Équipe » (the admin)",
)
def list_team(request: HttpRequest) -> list[dict[str, Any]]:
    membership = require_membership(acting_user(request), Role.ADMIN)
    members = (
        Membership.objects.filter(organisation_id=membership.organisation_id)
        .exclude(role=Role.BENEFICIARY)
        .select_related("user")
        .order_by("role", "user__last_name")
    )
    return [member_out(m) for m in members]


class InviteIn(InputSchema):
    first_name: str = Field(min_length=1, max_length=150)
    last_name: str = Field(min_length=1, max_length=150)
    email: str = Field(max_length=254)
    role: StaffRole = Field(description="consultant or admin")


@router.post(
    "/team",
    response={201: MemberOut, **errors(401, 403, 409, 422)},
    operation_id="invite_member",
    summary="Invite a consultant or an admin: an account is made (or, for someone else's "
    "account, an invitation she answers) and the invitation e-mailed (the admin)",
)
def invite_member_endpoint(request: HttpRequest, payload: InviteIn) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, Role.ADMIN)
    email = payload.email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_t("Cette adresse e-mail n'est pas valide.")) from None
    made = invite_member(
        acting_user=user,
        organisation=Organisation.objects.get(pk=membership.organisation_id),
        email=email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        role=payload.role,
    )
    made = Membership.objects.select_related("user").get(pk=made.pk)
    return Status(201, member_out(made))


# ---- the invitations addressed to the caller -----------------------------------------------


class InvitationOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    role: str
    created_at: dt.datetime


class JoinedOut(Schema):
    organisation_id: int
    organisation_name: str
    role: str


InvitationId = Annotated[int, Path(ge=1, le=MAX_INT)]


@router.get(
    "/invitations",
    response={200: list[InvitationOut], **errors(401, 403)},
    operation_id="list_invitations",
    summary="The invitations to join an organisation waiting for the caller's answer",
)
def list_invitations(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": i.pk,
            "organisation_id": i.organisation_id,
            "organisation_name": i.organisation.name,
            "role": i.role,
            "created_at": i.created_at,
        }
        for i in invitations.pending_for(acting_user(request))
    ]


def refused(request: HttpRequest, exc: invitations.InvitationRefused) -> HttpResponse:
    return error(request, 404, str(exc))


@router.post(
    "/invitations/{invitation_id}/accept",
    response={200: JoinedOut, **errors(401, 403, 404, 422)},
    operation_id="accept_invitation",
    summary="Join the organisation (what it recorded under the invitation becomes the "
    "caller's); then name it in X-Bilan-Organisation to work in it",
)
def accept_invitation(
    request: HttpRequest, invitation_id: InvitationId
) -> dict[str, Any] | HttpResponse:
    user: User = acting_user(request)
    try:
        joined = invitations.accept(user, invitation_id)
    except invitations.InvitationRefused as exc:
        return refused(request, exc)
    return {
        "organisation_id": joined.organisation_id,
        "organisation_name": joined.organisation.name,
        "role": joined.role,
    }


@router.post(
    "/invitations/{invitation_id}/decline",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="decline_invitation",
    summary="Decline the invitation: nothing is shared",
)
def decline_invitation(
    request: HttpRequest, invitation_id: InvitationId
) -> tuple[int, None] | HttpResponse:
    try:
        invitations.decline(acting_user(request), invitation_id)
    except invitations.InvitationRefused as exc:
        return refused(request, exc)
    return Status(204, None)


# ---- the organisation's profile and hour rules ---------------------------------------------


class OrganisationOut(Schema):
    id: int
    name: str
    siret: str
    nda: str
    qualiopi_certificate: str
    qualiopi_expires_on: dt.date | None
    address: str
    mfa_grace_days: int
    has_logo: bool


def organisation_out(o: Organisation) -> dict[str, Any]:
    return {
        "id": o.pk,
        **{name: getattr(o, name) for name in OrganisationForm.Meta.fields},
        "has_logo": bool(o.logo),
    }


class OrganisationIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    siret: str = Field(max_length=20, description="14 digits; spaces allowed")
    nda: str = Field(max_length=20)
    qualiopi_certificate: str = Field(max_length=100)
    qualiopi_expires_on: dt.date | None = None
    address: str = Field("", max_length=2000)
    mfa_grace_days: int = Field(ge=0, le=365)
    logo_base64: str | None = Field(
        None,
        max_length=LOGO_MAX_BYTES * 4 // 3 + 8,
        description="A PNG, JPEG or WebP, base64; re-encoded as on the page. Null: unchanged.",
    )
    remove_logo: bool = Field(False, description="true: the logo is removed")


def admin_organisation(request: HttpRequest) -> Organisation:
    membership = require_membership(acting_user(request), Role.ADMIN)
    return Organisation.objects.get(pk=membership.organisation_id)


@router.get(
    "/organisation",
    response={200: OrganisationOut, **errors(401, 403)},
    operation_id="get_organisation",
    summary="The organisation's profile (the admin)",
)
def get_organisation(request: HttpRequest) -> dict[str, Any]:
    return organisation_out(admin_organisation(request))


@router.put(
    "/organisation",
    response={200: OrganisationOut, **errors(401, 403, 422)},
    operation_id="update_organisation",
    summary="The organisation's profile: name, SIRET, NDA, Qualiopi, address, the MFA grace, "
    "the logo (the admin; the page's form checks it)",
)
def update_organisation(request: HttpRequest, payload: OrganisationIn) -> dict[str, Any]:
    organisation = admin_organisation(request)
    data = payload.model_dump(exclude={"logo_base64", "remove_logo"})
    data = {k: "" if v is None else v for k, v in data.items()}
    files = {}
    if payload.logo_base64:
        try:
            raw = base64.b64decode(payload.logo_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(_t("Le logo doit être une image encodée en base64.")) from None
        files["logo"] = SimpleUploadedFile("logo", raw)
    elif payload.remove_logo:
        data["logo-clear"] = "on"
    form = OrganisationForm(data, files, instance=organisation)
    if not form.is_valid():
        raise ValidationError([m for messages in form.errors.values() for m in messages])
    return organisation_out(form.save())


class HoursRuleIn(InputSchema):
    effective_from: dt.date
    max_total_minutes: int = Field(ge=0, le=MAX_INT)
    min_accompaniment_minutes: int = Field(ge=0, le=MAX_INT)
    count_personal_work: bool = True
    source: str = Field("", max_length=300, description="The text the rule comes from")


class HoursRuleOut(Schema):
    id: int
    effective_from: dt.date
    max_total_minutes: int
    min_accompaniment_minutes: int
    count_personal_work: bool
    source: str


@router.post(
    "/organisation/hours-rules",
    response={201: HoursRuleOut, **errors(401, 403, 422)},
    operation_id="add_hours_rule",
    summary="A dated hour rule of the organisation, in force from its date (the admin; one "
    "rule a date, 24 h at most)",
)
def add_hours_rule(request: HttpRequest, payload: HoursRuleIn) -> tuple[int, dict[str, Any]]:
    organisation = admin_organisation(request)
    rule: HoursRule = rules.add_hours_rule(organisation=organisation, **payload.model_dump())
    return Status(201, {"id": rule.pk, **payload.model_dump()})
