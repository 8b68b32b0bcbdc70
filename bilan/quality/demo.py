"""The quality system's demo data (called by `manage.py demo`, safe to run again): answers to
the surveys of the closed demo bilans, a complaint being treated, two improvement actions, and
an audit pack requested for the worker to build."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bilan.accounts.models import User
from bilan.organisations.models import Membership, Organisation, Role
from bilan.quality import complaints, improvements, indicators, pack, surveys
from bilan.quality.models import (
    AuditPack,
    Complaint,
    ImprovementAction,
    QuestionType,
    SurveyInvitation,
    SurveyKind,
)

FUNDER = "OPCO Atlas — service des financements"


def admin_of(organisation: Organisation) -> User | None:
    membership = (
        Membership.objects.active()
        .filter(organisation=organisation, role=Role.ADMIN)
        .select_related("user", "organisation")
        .first()
    )
    if membership is None:
        return None
    user = membership.user
    user.membership = membership
    return user


def answer_surveys(organisation: Organisation) -> int:
    """The « à chaud » invitations of the closed demo bilans, answered (once)."""
    answered = 0
    pending = SurveyInvitation.objects.filter(
        organisation=organisation, kind=SurveyKind.HOT, answered=False
    ).order_by("pk")
    for n, invitation in enumerate(pending):
        answers: dict[str, object] = {}
        for q in invitation.question_set.questions:
            if q["type"] == QuestionType.SCALE:
                answers[q["key"]] = 5 - (n + len(answers)) % 2
            elif q["type"] == QuestionType.YES_NO:
                answers[q["key"]] = "yes"
            else:
                answers[q["key"]] = "Un accompagnement très structurant, merci."
        surveys.submit_answer(token=surveys.token_for(invitation), answers=answers)
        answered += 1
    return answered


def seed(organisation: Organisation) -> None:
    admin = admin_of(organisation)
    if admin is None:
        return
    answer_surveys(organisation)
    complaint = Complaint.objects.filter(organisation=organisation, complainant_name=FUNDER).first()
    if complaint is None:
        complaint = complaints.create_complaint(
            organisation=organisation,
            by=admin,
            text="L'attestation de présence du mois dernier ne nous est pas parvenue.",
            category="administrative",
            channel="email",
            complainant_role="funder",
            complainant_name=FUNDER,
            complainant_email="financements@opco.demo.test",
            received_on=timezone.localdate() - dt.timedelta(days=4),
        )
        complaints.treat_complaint(
            complaint=complaint,
            by=admin,
            treatment="Émargements vérifiés : l'envoi automatique a échoué ; renvoi manuel prévu.",
        )
    if not ImprovementAction.objects.filter(organisation=organisation).exists():
        improvements.create_improvement(
            organisation=organisation,
            by=admin,
            source="complaint",
            complaint=complaint,
            title="Vérifier chaque mois l'envoi des attestations aux financeurs",
            owner=admin,
            due_on=timezone.localdate() + dt.timedelta(days=30),
        )
        improvements.create_improvement(
            organisation=organisation,
            by=admin,
            source="survey",
            survey_kind=SurveyKind.HOT,
            title="Proposer un créneau en soirée pour les entretiens d'investigation",
            owner=admin,
            due_on=timezone.localdate() + dt.timedelta(days=60),
        )
    if (
        not AuditPack.objects.filter(organisation=organisation).exists()
        and pack.bilans_in(organisation, indicators.period()).exists()
    ):
        pack.request_pack(organisation=organisation, by=admin, start=None, end=None, size=5, seed=1)
