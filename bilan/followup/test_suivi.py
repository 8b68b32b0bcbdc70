"""The suivi à 6 mois: booked at closing (never before), one invitation and one reminder, the
self-diagnosis e-mailed once two weeks before, the consultant's report and its compte-rendu
PDF, the outcome category kept apart from content."""

from __future__ import annotations

import datetime as dt
import io
import smtplib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule
from pypdf import PdfReader

from bilan.bilans.content import is_content
from bilan.bilans.models import Bilan, FollowUpDecision, RuleViolation, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.testing import add_action, close, in_conclusions
from bilan.entretiens.tasks import send_entretien_reminders
from bilan.followup import actionplan, suivi, tasks
from bilan.followup.models import Outcome, SelfDiagnosis, Suivi, SuiviReport
from bilan.followup.suivi import SuiviSlot


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def slot(days: int = 150, **extra) -> SuiviSlot:
    start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    return SuiviSlot(starts_at=start + dt.timedelta(days=days), modality="phone", **extra)


def entretien_of(bilan: Bilan):
    return Suivi.objects.get(bilan=bilan).entretien


REPORT = {
    "advances": "Admise en formation de moniteur-éducateur.",
    "difficulties": "Le financement a pris du temps.",
    "adjustments": "Alternance plutôt que formation continue.",
    "new_actions": "Chercher un employeur pour l'alternance.",
    "calendar": "Rentrée en septembre 2027.",
    "recommendations": "Contacter trois associations avant l'été.",
}


@pytest.fixture
def in_suivi(cast, closed_bilan):
    suivi.start_suivi(bilan=closed_bilan, by=cast.consultant)
    return closed_bilan


# ---- scheduling -----------------------------------------------------------------------------


def test_a_suivi_before_closing_is_refused_with_a_clear_message(cast):
    bilan = in_conclusions(cast.bilan)
    for attempt in (
        lambda: suivi.schedule_suivi(bilan=bilan, by=cast.consultant, slot=slot()),
        lambda: suivi.start_suivi(bilan=bilan, by=cast.consultant),
        lambda: suivi.save_report(bilan=bilan, by=cast.consultant, advances="x"),
        lambda: suivi.record_outcome(bilan=bilan, by=cast.consultant, outcome="training"),
    ):
        with pytest.raises(RuleViolation, match="après la clôture du bilan"):
            attempt()
    with pytest.raises(RuleViolation, match="après la clôture du bilan"):
        suivi.save_self_diagnosis(bilan=bilan, by=cast.beneficiary, results="x")
    assert not Suivi.objects.exists() and not SuiviReport.objects.exists()
    assert not bilan.entretiens.filter(phase="follow_up").exists()


def test_closing_books_the_suivi_with_the_guides_interview(closed_bilan):
    entretien = entretien_of(closed_bilan)
    assert entretien.guide.interview(entretien.interview_key)["title"] == (
        "Entretien de suivi à 6 mois"
    )
    assert entretien.status == "planned" and entretien.phase == "follow_up"


def test_the_consultant_moves_the_suivi_and_both_get_the_update(
    cast, closed_bilan, mailoutbox, django_capture_on_commit_callbacks
):
    before = entretien_of(closed_bilan)
    with django_capture_on_commit_callbacks(execute=True):
        suivi.schedule_suivi(bilan=closed_bilan, by=cast.consultant, slot=slot(170))
    after = entretien_of(closed_bilan)
    assert after.pk == before.pk and after.sequence == before.sequence + 1
    assert closed_bilan.entretiens.filter(phase="follow_up").count() == 1
    assert len(mailoutbox) == 2 and all("déplacé" in m.subject.lower() for m in mailoutbox)


def test_a_declined_suivi_cannot_be_scheduled(cast, monkeypatch):
    bilan = in_conclusions(cast.bilan)
    Bilan.objects.filter(pk=bilan.pk).update(follow_up_decision=FollowUpDecision.REFUSED)
    bilan.refresh_from_db()
    close(bilan, monkeypatch)
    with pytest.raises(RuleViolation, match="n'a pas accepté"):
        suivi.schedule_suivi(bilan=bilan, by=cast.consultant, slot=slot())


@pytest.mark.parametrize("who", ["admin", "colleague", "beneficiary", "outsider_admin"])
def test_only_the_consultant_schedules_the_suivi(cast, closed_bilan, who):
    with pytest.raises(RuleViolation) as refused:
        suivi.schedule_suivi(bilan=closed_bilan, by=getattr(cast, who), slot=slot(170))
    assert refused.value.code == "forbidden"


def test_the_suivi_gets_one_reminder_the_day_before_from_the_existing_mechanism(
    closed_bilan, mailoutbox
):
    entretien = entretien_of(closed_bilan)
    eve = timezone.localtime(entretien.starts_at - dt.timedelta(days=1)).replace(hour=18)
    assert send_entretien_reminders(now=eve) == 1
    assert send_entretien_reminders(now=eve + dt.timedelta(hours=1)) == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["benef@cap.test", "consultante@cap.test"]
    assert all(m.subject.startswith("Rappel") for m in mailoutbox)
    assert tasks.send_suivi_invitations(now=eve) == 1  # the self-diagnosis, not a 2nd reminder
    assert len([m for m in mailoutbox if m.subject.startswith("Rappel")]) == 2


# ---- the self-diagnosis ---------------------------------------------------------------------


def test_the_self_diagnosis_is_sent_once_two_weeks_before(cast, closed_bilan, mailoutbox):
    start = entretien_of(closed_bilan).starts_at
    assert tasks.send_suivi_invitations(now=start - dt.timedelta(days=20)) == 0
    assert tasks.send_suivi_invitations(now=start - dt.timedelta(days=14)) == 1
    assert tasks.send_suivi_invitations(now=start - dt.timedelta(days=13)) == 0
    (mail,) = mailoutbox
    assert mail.to == ["benef@cap.test"]
    assert "auto-diagnostic" in mail.subject
    assert reverse("portal:suivi") in mail.body
    assert "Suivre la formation" not in mail.body  # no content by e-mail
    # Moving the entretien does not send it again: one per bilan, ever.
    suivi.schedule_suivi(bilan=closed_bilan, by=cast.consultant, slot=slot(175))
    later = entretien_of(closed_bilan).starts_at - dt.timedelta(days=14)
    assert tasks.send_suivi_invitations(now=later) == 0
    assert len(mailoutbox) == 1
    assert Suivi.objects.get().self_diagnosis_sent_at is not None


def test_the_command_sends_the_due_invitations(closed_bilan, mailoutbox, monkeypatch):
    start = entretien_of(closed_bilan).starts_at
    monkeypatch.setattr(timezone, "now", lambda: start - dt.timedelta(days=10))
    out = io.StringIO()
    call_command("send_suivi_invitations", stdout=out)
    call_command("send_suivi_invitations", stdout=out)
    assert len(mailoutbox) == 1
    assert "1 invitation(s)" in out.getvalue() and "0 invitation(s)" in out.getvalue()


def test_a_refused_self_diagnosis_invitation_is_retried_then_sent_once(
    closed_bilan, mailoutbox, monkeypatch
):
    """Same claim / send / mark-sent as the entretien reminders (bilan.lib.deliveries)."""
    start = entretien_of(closed_bilan).starts_at
    day = start - dt.timedelta(days=14)
    real = tasks.send_self_diagnosis_invitation

    def refused(suivi_row) -> None:
        raise smtplib.SMTPRecipientsRefused({"benef@cap.test": (451, b"try later")})

    monkeypatch.setattr(tasks, "send_self_diagnosis_invitation", refused)
    assert tasks.send_suivi_invitations(now=day) == 0
    row = Suivi.objects.get()
    assert (row.self_diagnosis_sent_at, row.self_diagnosis_attempts) == (None, 1)
    monkeypatch.setattr(tasks, "send_self_diagnosis_invitation", real)
    assert tasks.send_suivi_invitations(now=day + dt.timedelta(days=1)) == 1
    assert tasks.send_suivi_invitations(now=day + dt.timedelta(days=2)) == 0
    assert len(mailoutbox) == 1
    assert Suivi.objects.get().self_diagnosis_sent_at == day + dt.timedelta(days=1)


@pytest.mark.django_db
def test_a_daily_schedule_runs_the_invitations():
    schedule = Schedule.objects.get(name="bilan-suivi-invitations")
    assert schedule.func == "bilan.followup.tasks.send_suivi_invitations"
    assert (schedule.schedule_type, schedule.repeats) == (Schedule.DAILY, -1)
    from importlib import import_module

    import_module("bilan.followup.migrations.0002_suivi_invitations_schedule").forwards(apps, None)
    assert Schedule.objects.filter(name="bilan-suivi-invitations").count() == 1


def test_the_beneficiary_fills_in_the_self_diagnosis_in_their_space(cast, client, closed_bilan):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:suivi")).content.decode()
    assert "Mon auto-diagnostic" in page and 'name="viewport"' in page
    response = client.post(
        reverse("portal:suivi"),
        {
            "formations": "Prépa concours",
            "candidatures": "3 écoles",
            "enquetes": "2",
            "contacts": "Mme Durand",
            "results": "Admissible",
            "obstacles": "Le coût",
            "questions": "Alternance ?",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    diagnosis = SelfDiagnosis.objects.get(bilan=closed_bilan)
    assert diagnosis.results == "Admissible" and diagnosis.submitted_at is not None
    client.force_login(cast.consultant)
    staff = client.get(reverse("followup:suivi", args=[closed_bilan.pk])).content.decode()
    assert "Admissible" in staff
    assert AuditEvent.objects.filter(object_type="followup.SelfDiagnosis").exists()


def test_a_too_long_self_diagnosis_is_refused_and_kept(cast, client, closed_bilan):
    client.force_login(cast.beneficiary)
    response = client.post(reverse("portal:suivi"), {"results": "Gardez-moi " + "x" * 5000})
    assert response.status_code == 422
    assert "Gardez-moi" in response.content.decode()
    assert not SelfDiagnosis.objects.exists()


@pytest.mark.parametrize("who", ["consultant", "admin", "other_beneficiary"])
def test_only_the_beneficiary_writes_their_self_diagnosis(cast, closed_bilan, who):
    with pytest.raises(RuleViolation) as refused:
        suivi.save_self_diagnosis(bilan=closed_bilan, by=getattr(cast, who), results="x")
    assert refused.value.code == "forbidden"


# ---- the entretien de suivi page, the report, the outcome -----------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("consultant", 200),
        ("admin", 403),
        ("colleague", 404),
        ("outsider_admin", 404),
        ("beneficiary", 403),
    ],
)
def test_the_suivi_page_is_for_the_assigned_consultant(cast, client, closed_bilan, who, status):
    client.force_login(getattr(cast, who))
    pk = closed_bilan.pk
    assert client.get(reverse("followup:suivi", args=[pk])).status_code == status
    for name in ("suivi_start", "suivi_report", "suivi_outcome", "suivi_schedule"):
        response = client.post(reverse(f"followup:{name}", args=[pk]), {})
        assert response.status_code in ((302, 422) if status == 200 else (status,)), name
    assert client.get(reverse("followup:suivi_report_pdf", args=[pk])).status_code in (
        (200, 302) if status == 200 else (status,)
    )


def test_the_suivi_page_shows_the_guide_next_to_the_plans_progress(cast, client, closed_bilan):
    action = actionplan.plan_of(closed_bilan).actions.get()
    actionplan.set_status(action=action, by=cast.beneficiary, status="done")
    client.force_login(cast.consultant)
    page = client.get(reverse("followup:suivi", args=[closed_bilan.pk])).content.decode()
    assert "Où en êtes-vous dans la réalisation de votre projet ?" in page
    assert "Suivre la formation de moniteur-éducateur" in page
    assert "100 % des actions réalisées" in page


def test_the_report_needs_the_suivi_started(cast, closed_bilan):
    with pytest.raises(RuleViolation, match="Commencez d'abord le suivi"):
        suivi.save_report(bilan=closed_bilan, by=cast.consultant, **REPORT)


def test_the_consultant_records_the_suivi_and_the_beneficiary_reads_the_compte_rendu(
    cast, client, in_suivi
):
    client.force_login(cast.consultant)
    response = client.post(reverse("followup:suivi_report", args=[in_suivi.pk]), REPORT)
    assert response.status_code == 302
    assert SuiviReport.objects.get().finalised_at is None
    client.force_login(cast.beneficiary)
    early = client.get(reverse("portal:suivi_report_pdf"), follow=True)
    assert "pas encore rédigé" in early.content.decode()
    client.force_login(cast.consultant)
    client.post(reverse("followup:suivi_report", args=[in_suivi.pk]), {**REPORT, "finalise": "1"})
    client.force_login(cast.beneficiary)
    assert (
        reverse("portal:suivi_report_pdf") in client.get(reverse("portal:suivi")).content.decode()
    )
    response = client.get(reverse("portal:suivi_report_pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "Compte-rendu de l'entretien de suivi",
        "Bruno Bénéf",
        "Recommandations",
        "Contacter trois associations avant l'été.",
        "Calendrier actualisé",
        "Rentrée en septembre 2027.",
        "Où en est mon plan d'action",
        "Appeler l'IRTS pour les dates de sélection 1 mars 2027 à faire",
        "L6313-4",
    ):
        assert expected in text, expected


def test_the_consultants_download_of_the_report_is_audited(cast, client, in_suivi):
    suivi.save_report(bilan=in_suivi, by=cast.consultant, **REPORT)
    client.force_login(cast.consultant)
    response = client.get(reverse("followup:suivi_report_pdf", args=[in_suivi.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        object_type="followup.SuiviReport", action=AuditEvent.Action.EXPORT
    ).exists()


def test_an_empty_report_cannot_be_handed_over(cast, in_suivi):
    with pytest.raises(RuleViolation, match="vide"):
        suivi.save_report(bilan=in_suivi, by=cast.consultant, finalise=True)


@pytest.mark.parametrize("who", ["admin", "colleague", "beneficiary"])
def test_only_the_consultant_writes_the_report_and_the_outcome(cast, in_suivi, who):
    with pytest.raises(RuleViolation) as refused:
        suivi.save_report(bilan=in_suivi, by=getattr(cast, who), **REPORT)
    assert refused.value.code == "forbidden"
    with pytest.raises(RuleViolation):
        suivi.record_outcome(bilan=in_suivi, by=getattr(cast, who), outcome="training")


def test_the_outcome_is_recorded_as_a_category_apart_from_content(cast, client, in_suivi):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("followup:suivi_outcome", args=[in_suivi.pk]), {"outcome": "training"}
    )
    assert response.status_code == 302
    record = Suivi.objects.get(bilan=in_suivi)
    assert record.outcome == Outcome.TRAINING and record.outcome_recorded_by == cast.consultant
    assert record.get_outcome_display() == "en formation"
    assert not is_content(Suivi) and is_content(SuiviReport) and is_content(SelfDiagnosis)
    assert set(Outcome.labels) == {
        "en poste visé",
        "en formation",
        "création d'activité",
        "projet en cours",
        "projet abandonné",
        "autre",
    }
    bad = client.post(reverse("followup:suivi_outcome", args=[in_suivi.pk]), {"outcome": "x"})
    assert bad.status_code == 422
    record.refresh_from_db()
    assert record.outcome == Outcome.TRAINING


def test_during_the_suivi_the_consultant_adds_a_new_action(cast, in_suivi):
    add_action(in_suivi, by=cast.consultant, what="Trouver un employeur en alternance")
    assert in_suivi.status == Status.FOLLOW_UP
    assert actionplan.plan_of(in_suivi).actions.filter(added_at_suivi=True).count() == 1


@pytest.mark.parametrize("who", ["consultant", "admin", "colleague"])
def test_the_portal_suivi_pages_are_for_beneficiaries(cast, client, closed_bilan, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("portal:suivi")).status_code == 403
    assert client.post(reverse("portal:suivi"), {"results": "x"}).status_code == 403
    assert client.get(reverse("portal:suivi_report_pdf")).status_code == 403


def test_another_beneficiary_sees_no_suivi_and_cannot_fill_one(cast, client, closed_bilan):
    client.force_login(cast.other_beneficiary)
    page = client.get(reverse("portal:suivi")).content.decode()
    assert "Aucun entretien de suivi n'est prévu." in page
    response = client.post(reverse("portal:suivi"), {"results": "x"})
    assert response.status_code == 422
    assert not SelfDiagnosis.objects.exists()


def test_pasted_html_in_the_report_is_printed_as_text(cast, in_suivi):
    suivi.save_report(
        bilan=in_suivi,
        by=cast.consultant,
        recommendations='<b>Gras</b> <img src="https://exemple.test/x.png"> « Œuvre » €',
        finalise=True,
    )
    text = pdf_text(suivi.report_pdf(reader=cast.beneficiary, bilan=in_suivi))
    assert '<b>Gras</b> <img src="https://exemple.test/x.png"> « Œuvre » €' in text
