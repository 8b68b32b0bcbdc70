"""Complaints (ind. 31, REQ-46): the one owner of the register.

A complaint arrives from the beneficiary's space, or is entered by the staff (an e-mail, a
call, a letter). It gets a reference, an answer deadline (the organisation's setting,
15 days by default) and an acknowledgment e-mail; the admins are alerted before the deadline
and once it has passed; the treatment and the answer are recorded, and the answer is sent.
Each e-mail leaves once (bilan.lib.deliveries), from the worker or right after the commit.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import RuleViolation
from bilan.lib import deliveries, emails
from bilan.lib.text import capped
from bilan.organisations.models import Membership, Organisation, Role
from bilan.quality.models import (
    ComplainantRole,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    QualitySettings,
)

TEXT_MAX = 5000
NAME_MAX = 200
OLDEST_DAYS = 365  # a complaint entered late is still entered, within a year
ACK = deliveries.Slot("ack")
ALERT = deliveries.Slot("alert")
OVERDUE = deliveries.Slot("overdue")


def role_of(user: User, organisation: Organisation | None = None) -> str | None:
    membership: Membership | None = getattr(user, "membership", None)
    if membership is None or (organisation and membership.organisation_id != organisation.pk):
        return None
    return membership.role


def settings_for(organisation: Organisation) -> QualitySettings:
    found, _created = QualitySettings.objects.get_or_create(organisation=organisation)
    return found


def update_settings(
    *, organisation: Organisation, by: User, complaint_answer_days: int, complaint_alert_days: int
) -> QualitySettings:
    if role_of(by, organisation) != Role.ADMIN:
        raise RuleViolation(
            _t("Seul·e un·e administrateur·rice règle le délai des réclamations."),
            code="forbidden",
        )
    if not 1 <= complaint_answer_days <= 90:
        raise RuleViolation(_t("Le délai de réponse va de 1 à 90 jours."), code="invalid")
    if not 0 <= complaint_alert_days < complaint_answer_days:
        raise RuleViolation(
            _t("L'alerte part avant l'échéance : entre 0 et %(max)s jours avant.")
            % {"max": complaint_answer_days - 1},
            code="invalid",
        )
    found = settings_for(organisation)
    found.complaint_answer_days = complaint_answer_days
    found.complaint_alert_days = complaint_alert_days
    found.save(update_fields=["complaint_answer_days", "complaint_alert_days"])
    return found


def next_reference(organisation: Organisation, year: int) -> str:
    """REC-2026-001, …: called with the organisation row locked."""
    count = Complaint.objects.filter(
        organisation=organisation, reference__startswith=f"REC-{year}-"
    ).count()
    return f"REC-{year}-{count + 1:03d}"


def create_complaint(
    *,
    organisation: Organisation,
    by: User,
    text: str,
    category: str,
    channel: str = "",
    complainant_role: str = "",
    complainant_name: str = "",
    complainant_email: str = "",
    received_on: dt.date | None = None,
) -> Complaint:
    """Register a complaint. A beneficiary files her own from her space; the staff enter one
    received otherwise (e-mail, phone, letter, in person), naming who made it."""
    role = role_of(by, organisation)
    if role is None:
        raise RuleViolation(_t("Vous n'êtes pas membre de cet organisme."), code="forbidden")
    text = capped(_t("Réclamation"), text, TEXT_MAX)
    if not text:
        raise RuleViolation(_t("Décrivez votre réclamation : le texte est vide."), code="invalid")
    if category not in ComplaintCategory.values:
        raise RuleViolation(_t("Choisissez l'objet de la réclamation."), code="invalid")
    today = timezone.localdate()
    if role == Role.BENEFICIARY:
        channel, complainant_role = ComplaintChannel.PORTAL, ComplainantRole.BENEFICIARY
        complainant_name, complainant_email = by.get_full_name(), by.email
        received_on, complainant = today, by
    else:
        if channel not in ComplaintChannel.values or channel == ComplaintChannel.PORTAL:
            raise RuleViolation(
                _t("Indiquez par quel canal la réclamation est arrivée."), code="invalid"
            )
        if complainant_role not in ComplainantRole.values:
            raise RuleViolation(_t("Indiquez qui a émis la réclamation."), code="invalid")
        complainant_name = capped(_t("Nom"), complainant_name, NAME_MAX)
        if not complainant_name:
            raise RuleViolation(_t("Indiquez le nom de la personne ou de la structure."), "invalid")
        complainant_email = capped(_t("E-mail"), complainant_email, 254).lower()
        if complainant_email:
            try:
                validate_email(complainant_email)
            except ValidationError:
                raise RuleViolation(_t("L'adresse e-mail n'est pas valide."), "invalid") from None
        received_on = received_on or today
        if not today - dt.timedelta(days=OLDEST_DAYS) <= received_on <= today:
            raise RuleViolation(
                _t("La date de réception est dans l'année écoulée, au plus tard aujourd'hui."),
                code="invalid",
            )
        complainant = None
    days = settings_for(organisation).complaint_answer_days
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        complaint = Complaint.objects.create(
            organisation=organisation,
            reference=next_reference(organisation, received_on.year),
            received_on=received_on,
            channel=channel,
            complainant=complainant,
            complainant_role=complainant_role,
            complainant_name=complainant_name,
            complainant_email=complainant_email,
            category=category,
            text=text,
            answer_due_on=received_on + dt.timedelta(days=days),
            created_by=by,
        )
        transaction.on_commit(partial(acknowledge, complaint.pk))
    return complaint


def treat_complaint(
    *, complaint: Complaint, by: User, treatment: str, answer: str = "", send_answer: bool = False
) -> Complaint:
    """Record the treatment (status « en traitement »); with `send_answer`, the answer too,
    which closes it and goes to the complainant. An answered complaint no longer changes."""
    if role_of(by, complaint.organisation) != Role.ADMIN:
        raise RuleViolation(
            _t("Seul·e un·e administrateur·rice (qualité) traite les réclamations."),
            code="forbidden",
        )
    treatment = capped(_t("Traitement"), treatment, TEXT_MAX)
    answer = capped(_t("Réponse"), answer, TEXT_MAX)
    if send_answer and not answer:
        raise RuleViolation(_t("Écrivez la réponse avant de l'envoyer."), code="invalid")
    if not treatment and not answer:
        raise RuleViolation(_t("Décrivez le traitement de la réclamation."), code="invalid")
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status == ComplaintStatus.ANSWERED:
            raise RuleViolation(
                _t("La réclamation %(ref)s a déjà reçu sa réponse : elle ne change plus.")
                % {"ref": locked.reference}
            )
        locked.treatment = treatment
        locked.answer = answer
        locked.status = ComplaintStatus.IN_TREATMENT
        if send_answer:
            locked.status = ComplaintStatus.ANSWERED
            locked.answered_at = timezone.now()
            locked.answered_by = by
            if locked.complainant_email:
                transaction.on_commit(partial(send_answer_email, locked.pk))
        locked.save()
    return locked


# ---- reading --------------------------------------------------------------------------------


def complaints_for(user: User) -> QuerySet[Complaint]:
    """The register for the staff; her own complaints for a beneficiary."""
    membership: Membership | None = getattr(user, "membership", None)
    if membership is None:
        return Complaint.objects.none()
    mine = Complaint.objects.filter(organisation_id=membership.organisation_id)
    if membership.role == Role.BENEFICIARY:
        return mine.filter(complainant=user)
    return mine


def get_complaint_for_user(user: User, pk: int) -> Complaint:
    found = complaints_for(user).select_related("organisation").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# ---- e-mails --------------------------------------------------------------------------------


def acknowledge(pk: int, now: dt.datetime | None = None) -> bool:
    """Send the acknowledgment once (right after the commit; the worker retries failures)."""
    owed = Complaint.objects.exclude(complainant_email="")
    return deliveries.deliver(
        owed, ACK, pk, partial(_mail, pk, "complaint_ack"), now=now or timezone.now()
    )


def send_answer_email(pk: int) -> None:
    _mail(pk, "complaint_answer")


def _mail(pk: int, name: str) -> None:
    complaint = Complaint.objects.select_related("organisation").get(pk=pk)
    emails.complaint_notice(name=name, to=complaint.complainant_email, complaint=complaint)


def _alert(pk: int, overdue: bool) -> None:
    complaint = Complaint.objects.select_related("organisation").get(pk=pk)
    admins = Membership.objects.active().filter(
        organisation=complaint.organisation, role=Role.ADMIN
    )
    for membership in admins.select_related("user"):
        emails.complaint_alert(to=membership.user, complaint=complaint, overdue=overdue)


def send_complaint_emails(now: dt.datetime | None = None) -> int:
    """The daily job: acknowledgments still owed, the alert before the deadline and the one
    once it has passed, each once. Returns the number of complaints mailed about."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sent = 0
    owed = Complaint.objects.exclude(complainant_email="")
    for pk in deliveries.due(owed, ACK, now).values_list("pk", flat=True):
        sent += acknowledge(pk, now)
    open_ = Complaint.objects.filter(answered_at__isnull=True)
    for complaint in deliveries.due(open_, ALERT, now).select_related(
        "organisation__quality_settings"
    ):
        alert_days = settings_for(complaint.organisation).complaint_alert_days
        if complaint.answer_due_on - dt.timedelta(days=alert_days) <= today:
            sent += deliveries.deliver(
                open_, ALERT, complaint.pk, partial(_alert, complaint.pk, False), now=now
            )
    overdue = open_.filter(answer_due_on__lt=today)
    for pk in deliveries.due(overdue, OVERDUE, now).values_list("pk", flat=True):
        sent += deliveries.deliver(overdue, OVERDUE, pk, partial(_alert, pk, True), now=now)
    return sent
