"""Improvement actions (ind. 32, REQ-47): the one owner of the register.

An action comes from a complaint, a survey result, an audit finding or the watch; it has an
owner (a member of the staff), a due date and a status; once done, the effect measured is
recorded. The admin (quality) creates and updates them; the staff read them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import RuleViolation
from bilan.lib.text import capped
from bilan.organisations.models import Membership, Organisation, Role
from bilan.quality.models import (
    LABEL_MAX,
    Complaint,
    ImprovementAction,
    ImprovementSource,
    ImprovementStatus,
    SurveyKind,
)

TEXT_MAX = 5000
LATEST_DUE_YEARS = 5


def require_admin(by: User, organisation: Organisation) -> None:
    membership: Membership | None = getattr(by, "membership", None)
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or membership.role != Role.ADMIN
    ):
        raise RuleViolation(
            _t("Seul·e un·e administrateur·rice (qualité) gère les actions d'amélioration."),
            code="forbidden",
        )


def check_owner(organisation: Organisation, owner: User | None) -> User:
    if owner is None or not (
        Membership.objects.active()
        .filter(user=owner, organisation=organisation, role__in=(Role.ADMIN, Role.CONSULTANT))
        .exists()
    ):
        raise RuleViolation(
            _t("Le ou la responsable de l'action est un membre de l'équipe de l'organisme."),
            code="invalid",
        )
    return owner


def check_due(due_on: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if due_on is None:
        raise RuleViolation(_t("Indiquez l'échéance de l'action."), code="invalid")
    if not today - dt.timedelta(days=366) <= due_on <= today.replace(year=today.year + 5):
        raise RuleViolation(
            _t("L'échéance est entre l'an dernier et dans %(n)s ans au plus.")
            % {"n": LATEST_DUE_YEARS},
            code="invalid",
        )
    return due_on


def create_improvement(
    *,
    organisation: Organisation,
    by: User,
    source: str,
    title: str,
    owner: User | None,
    due_on: dt.date | None,
    description: str = "",
    complaint: Complaint | None = None,
    survey_kind: str = "",
    source_note: str = "",
) -> ImprovementAction:
    require_admin(by, organisation)
    if source not in ImprovementSource.values:
        raise RuleViolation(_t("Indiquez l'origine de l'action."), code="invalid")
    title = capped(_t("Action"), title, LABEL_MAX)
    if not title:
        raise RuleViolation(_t("Décrivez l'action en une ligne."), code="invalid")
    description = capped(_t("Description"), description, TEXT_MAX)
    source_note = capped(_t("Constat à l'origine"), source_note, TEXT_MAX)
    if source == ImprovementSource.COMPLAINT:
        if complaint is None or complaint.organisation_id != organisation.pk:
            raise RuleViolation(_t("Choisissez la réclamation à l'origine."), code="invalid")
    else:
        complaint = None
    if source == ImprovementSource.SURVEY:
        if survey_kind not in SurveyKind.values:
            raise RuleViolation(_t("Choisissez l'enquête à l'origine."), code="invalid")
    else:
        survey_kind = ""
    if source in (ImprovementSource.AUDIT, ImprovementSource.WATCH) and not source_note:
        raise RuleViolation(_t("Décrivez le constat à l'origine de l'action."), code="invalid")
    return ImprovementAction.objects.create(
        organisation=organisation,
        source=source,
        complaint=complaint,
        survey_kind=survey_kind,
        source_note=source_note,
        title=title,
        description=description,
        owner=check_owner(organisation, owner),
        due_on=check_due(due_on),
        created_by=by,
    )


def update_improvement(
    *,
    action: ImprovementAction,
    by: User,
    status: str | None = None,
    owner: User | None = None,
    due_on: dt.date | None = None,
    effect: str | None = None,
) -> ImprovementAction:
    """Move the action on: its status, owner, due date, and once done the effect measured."""
    require_admin(by, action.organisation)
    if status is not None and status not in ImprovementStatus.values:
        raise RuleViolation(_t("Choisissez un état dans la liste."), code="invalid")
    effect_text = capped(_t("Effet mesuré"), effect, TEXT_MAX) if effect is not None else None
    with transaction.atomic():
        locked = ImprovementAction.objects.select_for_update().get(pk=action.pk)
        if status is not None:
            locked.status = status
        if owner is not None:
            locked.owner = check_owner(locked.organisation, owner)
        if due_on is not None:
            locked.due_on = check_due(due_on)
        if effect_text is not None:
            if effect_text and locked.status != ImprovementStatus.DONE:
                raise RuleViolation(
                    _t("L'effet se mesure une fois l'action réalisée."), code="invalid"
                )
            locked.effect = effect_text
            locked.effect_measured_on = timezone.localdate() if effect_text else None
        locked.save()
    return locked


def improvements_for(user: User) -> QuerySet[ImprovementAction]:
    membership: Membership | None = getattr(user, "membership", None)
    if membership is None or membership.role not in (Role.ADMIN, Role.CONSULTANT):
        return ImprovementAction.objects.none()
    return ImprovementAction.objects.filter(
        organisation_id=membership.organisation_id
    ).select_related("owner", "complaint")


def get_improvement_for_user(user: User, pk: int) -> ImprovementAction:
    found = improvements_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def owners_of(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        memberships__organisation=organisation,
        memberships__is_active=True,
        memberships__role__in=(Role.ADMIN, Role.CONSULTANT),
        is_active=True,
    ).order_by("last_name", "first_name")
