"""Closing: the checklist names each missing item and closing refuses until none is; then
Bilan.close records the end date, an accepted suivi is booked, and the certificat de
réalisation is produced without any content of the bilan."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bilan.bilans.models import (
    Bilan,
    BilanFraming,
    Completion,
    FollowUpDecision,
    Phase,
    RuleViolation,
    Status,
)
from bilan.careers.models import CareerOption
from bilan.demo.testing import (
    SYNTHESE_MISSING,
    add_action,
    close,
    in_conclusions,
    stub_synthese,
)
from bilan.entretiens.models import Entretien, EntretienNote, NoteKind
from bilan.followup import actionplan, certificate, closing
from bilan.followup.models import Suivi
from bilan.followup.suivi import SuiviSlot


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def ready(cast, monkeypatch):
    """A bilan with everything closing needs."""
    bilan = in_conclusions(cast.bilan)
    add_action(bilan)
    stub_synthese(monkeypatch)
    return bilan


def refused_with(bilan: Bilan) -> list[str]:
    with pytest.raises(RuleViolation) as refused:
        closing.close_bilan(bilan=bilan, by=bilan.consultant)
    bilan.refresh_from_db()
    assert bilan.status == Status.CONCLUSIONS and bilan.closed_on is None
    assert refused.value.messages[0].startswith("Impossible de clore le bilan, il manque : ")
    return refused.value.missing


# ---- the checklist --------------------------------------------------------------------------


def test_a_ready_bilan_has_every_item_ok(ready):
    items = closing.checklist(ready)
    assert [i.key for i in items] == [
        "phase_preliminary",
        "phase_investigation",
        "phase_conclusions",
        "hours",
        "attendance_signed",
        "synthese_validated",
        "synthese_handed_over",
        "follow_up_decision",
        "action_plan",
    ]
    assert all(i.ok for i in items)


def test_an_untouched_conclusions_phase_names_everything_missing(cast, monkeypatch):
    bilan = in_conclusions(cast.bilan)
    # Signed attendance is kept (PROTECT): the conclusions entretiens did not take place.
    Entretien.objects.filter(bilan=bilan, phase=Phase.CONCLUSIONS).update(status="cancelled")
    Bilan.objects.filter(pk=bilan.pk).update(follow_up_decision="")
    stub_synthese(monkeypatch, SYNTHESE_MISSING)
    assert refused_with(bilan) == [
        "un entretien tenu en phase de conclusions",
        "le document de synthèse validé par le ou la bénéficiaire",
        "la remise du document de synthèse",
        "la décision sur l'entretien de suivi (proposé, accepté ou refusé)",
        "un plan d'action avec au moins une action",
    ]


def break_phase(bilan: Bilan, monkeypatch) -> None:
    Entretien.objects.filter(bilan=bilan, phase=Phase.INVESTIGATION).update(status="cancelled")
    Entretien.objects.filter(bilan=bilan, phase=Phase.CONCLUSIONS).update(held_minutes=600)


def break_hours(bilan: Bilan, monkeypatch) -> None:
    Entretien.objects.filter(bilan=bilan, phase=Phase.INVESTIGATION).update(held_minutes=30)


def break_validation(bilan: Bilan, monkeypatch) -> None:
    stub_synthese(monkeypatch, {"validated": False, "handed_over": True, "label": ""})


def break_handover(bilan: Bilan, monkeypatch) -> None:
    stub_synthese(monkeypatch, {"validated": True, "handed_over": False, "label": ""})


def break_decision(bilan: Bilan, monkeypatch) -> None:
    Bilan.objects.filter(pk=bilan.pk).update(follow_up_decision="")
    bilan.refresh_from_db()


def break_plan(bilan: Bilan, monkeypatch) -> None:
    action = actionplan.plan_of(bilan).actions.get()
    actionplan.update_action(action=action, by=bilan.consultant, is_plan_b=True)


@pytest.mark.parametrize(
    ("breaker", "message"),
    [
        (break_phase, "un entretien tenu en phase d'investigation"),
        (
            break_hours,
            "13 h d'accompagnement réalisé au minimum pour un bilan réalisé en totalité (10 h réalisées)",
        ),
        (break_validation, "le document de synthèse validé par le ou la bénéficiaire"),
        (break_handover, "la remise du document de synthèse"),
        (break_decision, "la décision sur l'entretien de suivi (proposé, accepté ou refusé)"),
        (break_plan, "un plan d'action avec au moins une action"),
    ],
)
def test_each_missing_item_is_named_and_closing_is_refused(ready, monkeypatch, breaker, message):
    breaker(ready, monkeypatch)
    assert refused_with(ready) == [message]
    assert not Suivi.objects.exists()


def test_over_24_hours_delivered_is_named(ready, monkeypatch):
    Entretien.objects.filter(bilan=ready, phase=Phase.INVESTIGATION).update(held_minutes=300)
    assert refused_with(ready) == ["une durée réalisée d'au plus 24 h (32 h 30 réalisées)"]


def test_a_partial_completion_does_not_need_the_13_hours(ready, monkeypatch):
    break_hours(ready, monkeypatch)
    closing.close_bilan(
        bilan=ready, by=ready.consultant, completion=Completion.PARTIAL, reason="health"
    )
    assert ready.status == Status.CLOSED and ready.completion == Completion.PARTIAL


def test_the_real_synthese_status_is_asked_and_no_synthese_means_no_closing(cast):
    """No stub: bilan.documents.synthese.closing_status (or, before it exists, the adapter's
    fallback) says there is no synthèse, validated nor handed over."""
    bilan = in_conclusions(cast.bilan)
    add_action(bilan)
    assert closing.synthese_status(bilan)["validated"] is False
    assert refused_with(bilan) == [
        "le document de synthèse validé par le ou la bénéficiaire",
        "la remise du document de synthèse",
    ]


@pytest.mark.parametrize("who", ["admin", "colleague", "beneficiary", "outsider_admin"])
def test_only_the_assigned_consultant_closes(cast, ready, who):
    with pytest.raises(RuleViolation) as refused:
        closing.close_bilan(bilan=ready, by=getattr(cast, who))
    assert refused.value.code == "forbidden"
    ready.refresh_from_db()
    assert ready.status == Status.CONCLUSIONS


# ---- closing --------------------------------------------------------------------------------


def test_closing_records_the_end_date_and_books_the_suivi_six_months_later(
    ready, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        closing.close_bilan(bilan=ready, by=ready.consultant)
    assert ready.status == Status.CLOSED
    assert ready.closed_on == timezone.localdate()
    entretien = Suivi.objects.get(bilan=ready).entretien
    assert entretien.phase == Phase.FOLLOW_UP
    assert entretien.interview_key == "suivi-6-mois"
    assert entretien.title == "Entretien de suivi à 6 mois"
    days = (timezone.localdate(entretien.starts_at) - ready.closed_on).days
    assert 182 <= days <= 184  # six months, moved off a weekend
    assert timezone.localdate(entretien.starts_at).weekday() < 5
    assert sorted(m.to[0] for m in mailoutbox) == ["benef@cap.test", "consultante@cap.test"]
    (ics,) = mailoutbox[0].attachments
    assert ics.get_content_type() == "text/calendar"


def test_the_delay_is_a_setting(ready, settings):
    settings.SUIVI_DELAY_DAYS = 90
    closing.close_bilan(bilan=ready, by=ready.consultant)
    entretien = Suivi.objects.get(bilan=ready).entretien
    assert 90 <= (timezone.localdate(entretien.starts_at) - ready.closed_on).days <= 92


def test_a_declined_suivi_is_not_booked(ready, mailoutbox, django_capture_on_commit_callbacks):
    Bilan.objects.filter(pk=ready.pk).update(follow_up_decision=FollowUpDecision.REFUSED)
    ready.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        closing.close_bilan(bilan=ready, by=ready.consultant)
    assert ready.status == Status.CLOSED
    assert not Suivi.objects.exists() and not mailoutbox


def test_a_suivi_slot_that_cannot_be_booked_leaves_the_bilan_open(ready):
    slot = SuiviSlot(starts_at=timezone.now() + dt.timedelta(days=180), modality="video")
    with pytest.raises(RuleViolation, match="lien de la visio"):
        closing.close_bilan(bilan=ready, by=ready.consultant, suivi_slot=slot)
    ready.refresh_from_db()
    assert ready.status == Status.CONCLUSIONS


# ---- the closing page -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("consultant", 200),
        ("admin", 200),
        ("colleague", 404),
        ("outsider_admin", 404),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
    ],
)
def test_the_checklist_page_is_for_the_bilans_staff(cast, client, ready, who, status):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("followup:close", args=[ready.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Plan d&#x27;action (au moins une action)" in page
        assert ("Clore le bilan</button>" in page) == (who == "consultant")


@pytest.mark.parametrize("who", ["admin", "colleague", "beneficiary"])
def test_nobody_else_closes_from_the_page(cast, client, ready, who):
    client.force_login(getattr(cast, who))
    response = client.post(reverse("followup:close", args=[ready.pk]), {"completion": "full"})
    assert response.status_code in (403, 404)
    ready.refresh_from_db()
    assert ready.status == Status.CONCLUSIONS


def test_the_page_refuses_with_the_list_of_what_is_missing(cast, client, ready, monkeypatch):
    stub_synthese(monkeypatch, SYNTHESE_MISSING)
    client.force_login(cast.consultant)
    page = client.get(reverse("followup:close", args=[ready.pk])).content.decode()
    assert "✘ manque</span> — Document de synthèse remis" in page
    assert "✔ fait</span> — Plan d&#x27;action" in page or "✔ fait</span> — Plan d'action" in page
    response = client.post(
        reverse("followup:close", args=[ready.pk]),
        {
            "completion": "full",
            "day": "2027-06-01",
            "time": "10:00",
            "minutes": "60",
            "modality": "phone",
        },
    )
    assert response.status_code == 409
    assert "il manque : le document de synthèse validé" in response.content.decode()
    ready.refresh_from_db()
    assert ready.status == Status.CONCLUSIONS


def test_the_consultant_closes_from_the_page_with_the_suivi_slot(cast, client, ready):
    client.force_login(cast.consultant)
    day = timezone.localdate() + dt.timedelta(days=185)
    response = client.post(
        reverse("followup:close", args=[ready.pk]),
        {
            "completion": "full",
            "reason": "",
            "day": day.isoformat(),
            "time": "14:30",
            "minutes": "90",
            "modality": "phone",
        },
    )
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == Status.CLOSED
    entretien = Suivi.objects.get(bilan=ready).entretien
    local = timezone.localtime(entretien.starts_at)
    assert (local.date(), local.hour, local.minute, entretien.planned_minutes) == (day, 14, 30, 90)
    page = client.get(reverse("followup:close", args=[ready.pk])).content.decode()
    assert reverse("followup:certificate", args=[ready.pk]) in page


# ---- the certificat de réalisation ----------------------------------------------------------


def test_the_certificate_has_the_ministry_models_fields(closed_bilan):
    text = pdf_text(certificate.certificate_pdf(closed_bilan))
    for expected in (
        "CERTIFICAT DE RÉALISATION",
        "Bruno Bénéf",
        "Cap Avenir Conseil",
        "SIRET : 73282932000074",
        "Numéro de déclaration d'activité : 11755555575",
        "☒ bilan de compétences",
        "art. L6313-1",
        f"au {closed_bilan.closed_on.day} ",
        "17 h 30 d'accompagnement",
        "Fait le",
        "signature et cachet",
    ):
        assert expected in text, expected
    start = certificate.start_date(closed_bilan)
    assert start < closed_bilan.closed_on


def test_the_certificate_holds_no_content_of_the_bilan(cast, monkeypatch):
    bilan = in_conclusions(cast.bilan)
    add_action(bilan, what="ACTION-CONFIDENTIELLE", obstacles="OBSTACLE-INTIME")
    actionplan.save_plan_b(bilan=bilan, by=cast.consultant, text="PLANB-SECRET")
    CareerOption.objects.create(bilan=bilan, kind="free", origin="free", title="PISTE-SECRETE")
    entretien = bilan.entretiens.filter(phase=Phase.CONCLUSIONS).first()
    EntretienNote.objects.create(entretien=entretien, key="free", text="NOTE-PRIVEE-DU-CONSULTANT")
    EntretienNote.objects.create(
        entretien=entretien, key="summary", kind=NoteKind.SHARED, text="SYNTHESE-PARTAGEE"
    )
    close(bilan, monkeypatch)
    framing = BilanFraming.objects.get(bilan=bilan)
    text = pdf_text(certificate.certificate_pdf(bilan))
    for secret in (
        framing.request_text,
        "changer de métier",
        framing.needs_analysis[:40],
        framing.agreed_arrangements[:40],
        "ACTION-CONFIDENTIELLE",
        "OBSTACLE-INTIME",
        "PLANB-SECRET",
        "PISTE-SECRETE",
        "NOTE-PRIVEE",
        "SYNTHESE-PARTAGEE",
        "Motivations et valeurs",  # an entretien's free title
        "Plan d'action",
    ):
        assert secret not in text, secret


def test_no_certificate_before_closing(cast, ready):
    with pytest.raises(RuleViolation, match="établi à la clôture du bilan"):
        certificate.certificate_pdf(ready)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("consultant", 200),
        ("admin", 200),
        ("colleague", 404),
        ("outsider_admin", 404),
        ("beneficiary", 403),
    ],
)
def test_the_certificate_is_downloaded_by_the_bilans_staff(cast, client, closed_bilan, who, status):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("followup:certificate", args=[closed_bilan.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert "Bruno Bénéf" in pdf_text(response.content)


def test_the_beneficiary_downloads_their_certificate(cast, client, closed_bilan):
    client.force_login(cast.beneficiary)
    response = client.get(reverse("portal:certificate"))
    assert response.status_code == 200
    assert "CERTIFICAT DE RÉALISATION" in pdf_text(response.content)


@pytest.mark.parametrize("who", ["consultant", "admin"])
def test_the_portal_certificate_is_for_beneficiaries(cast, client, closed_bilan, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("portal:certificate")).status_code == 403


def test_another_beneficiary_gets_no_certificate_of_an_open_bilan(cast, client, closed_bilan):
    client.force_login(cast.other_beneficiary)
    response = client.get(reverse("portal:certificate"), follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "établi à la clôture du bilan" in response.content.decode()


def test_the_staff_certificate_link_before_closing_explains(cast, client, ready):
    client.force_login(cast.consultant)
    response = client.get(reverse("followup:certificate", args=[ready.pk]), follow=True)
    assert "établi à la clôture du bilan" in response.content.decode()
