"""Booking, moving and cancelling entretiens: every refusal, the e-mails with their .ics, and
the pages (staff and beneficiary) with their permissions across the cast."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bilan.bilans.models import RuleViolation, Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.guides import current_guide_for
from bilan.entretiens.models import CancelReason, Entretien, EntretienStatus, Modality

PARIS = ZoneInfo("Europe/Paris")
# These tests book at fixed dates up to 2030.
pytestmark = pytest.mark.usefixtures("booking_window_to_2031")
CEILING = "(art. L6313-4 du Code du travail)"
ROLES = [
    "consultant",
    "colleague",
    "admin",
    "beneficiary",
    "other_beneficiary",
    "outsider_admin",
    "outsider_consultant",
    "outsider_beneficiary",
]


def soon(days: int = 3, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=PARIS)


def book(cast, **extra) -> Entretien:
    fields = {
        "starts_at": soon(),
        "planned_minutes": 90,
        "modality": Modality.IN_PERSON,
        "place": "Cap Avenir, salle 2",
        "invite": True,
        **extra,
    }
    return Entretien.schedule(bilan=cast.bilan, by=cast.consultant, **fields)


# ---- the model's rules ----------------------------------------------------------------


def test_an_interview_of_the_guide_takes_its_phase_and_title_from_the_current_guide(cast):
    entretien = book(cast, interview_key="accueil")
    assert entretien.guide == current_guide_for(cast.org)
    assert entretien.phase == "preliminary"
    assert entretien.title == "Entretien d'accueil et d'information"
    assert entretien.place == "Cap Avenir, salle 2"


def test_a_title_given_replaces_the_interviews_title(cast):
    assert book(cast, interview_key="accueil", title="Premier rendez-vous").title == (
        "Premier rendez-vous"
    )


def test_a_free_entretien_belongs_to_the_bilans_current_phase(cast):
    entretien = book(cast, title="Point d'étape")
    assert (entretien.phase, entretien.guide, entretien.interview_key) == ("preliminary", None, "")


def test_an_interview_of_a_phase_not_reached_is_refused_with_the_reason(cast):
    with pytest.raises(RuleViolation) as refused:
        book(cast, interview_key="analyse-parcours")
    assert refused.value.messages[0] == (
        "Impossible de planifier un entretien de phase d'investigation : le bilan est en "
        "phase préliminaire ; cette phase n'est pas encore ouverte."
    )
    assert not Entretien.objects.exists()


def test_an_interview_of_a_closed_phase_is_refused_with_the_reason(cast):
    advance_to(cast.bilan, Status.INVESTIGATION)
    count = Entretien.objects.count()
    with pytest.raises(
        RuleViolation, match="le bilan est en phase d'investigation ; cette phase est close"
    ):
        book(cast, interview_key="analyse-demande")
    assert Entretien.objects.count() == count


def test_an_interview_missing_from_the_guide_is_refused(cast):
    with pytest.raises(RuleViolation, match="ne figure pas dans le guide") as refused:
        book(cast, interview_key="inconnu")
    assert refused.value.code == "invalid"


def test_an_entretien_over_24_hours_is_refused_citing_l6313_4(cast):
    book(cast, planned_minutes=23 * 60)
    with pytest.raises(RuleViolation) as refused:
        book(cast, planned_minutes=90)
    assert refused.value.messages[0] == (
        f"Entretien refusé : durée planifiée 24 h 30 > 24 h maximum {CEILING}."
    )
    assert Entretien.objects.count() == 1


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"starts_at": timezone.now() - dt.timedelta(hours=1)}, "Cette date est passée"),
        ({"starts_at": dt.datetime(2030, 1, 10, 10, 0)}, "avec leur décalage horaire"),
        ({"starts_at": "10/01/2030"}, "Indiquez une date et une heure valides"),
        ({"planned_minutes": 0}, "La durée prévue doit être positive"),
        ({"place": "  "}, "Indiquez le lieu de l'entretien en présentiel"),
        ({"modality": Modality.VIDEO}, "Indiquez le lien de la visio"),
        (
            {"modality": Modality.VIDEO, "video_link": "visio demain"},
            "Indiquez le lien de la visio",
        ),
        ({"modality": "pigeon"}, "Choisissez une modalité dans la liste"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_booked(cast, extra, message):
    with pytest.raises(RuleViolation, match=message) as refused:
        book(cast, **extra)
    assert refused.value.code == "invalid"
    assert not Entretien.objects.exists()


def test_by_phone_needs_neither_place_nor_link(cast):
    entretien = book(cast, modality=Modality.PHONE, place="ignored")
    assert (entretien.place, entretien.video_link) == ("", "")


@pytest.mark.parametrize("who", ["admin", "colleague"])
def test_only_the_assigned_consultant_books_an_entretien(cast, who):
    with pytest.raises(RuleViolation) as refused:
        Entretien.schedule(
            bilan=cast.bilan,
            by=getattr(cast, who),
            starts_at=soon(),
            planned_minutes=60,
            place="Salle 2",
            invite=True,
        )
    assert refused.value.code == "forbidden"


def test_rescheduling_moves_the_entretien_bumps_the_sequence_and_rearms_the_reminder(cast):
    entretien = book(cast)
    Entretien.objects.filter(pk=entretien.pk).update(reminder_sent_at=timezone.now())
    entretien.reschedule(
        by=cast.consultant,
        starts_at=soon(days=5, hour=14),
        planned_minutes=120,
        modality=Modality.VIDEO,
        video_link="https://visio.example/bilan",
        place="forgotten",
    )
    assert entretien.starts_at == soon(days=5, hour=14)
    assert (entretien.planned_minutes, entretien.modality) == (120, Modality.VIDEO)
    assert (entretien.place, entretien.video_link) == ("", "https://visio.example/bilan")
    assert entretien.sequence == 1
    assert entretien.reminder_sent_at is None


def test_rescheduling_over_the_ceiling_is_refused_and_keeps_the_old_date(cast):
    entretien = book(cast, planned_minutes=20 * 60)
    with pytest.raises(
        RuleViolation,
        match=re.escape(f"Déplacement refusé : durée planifiée 25 h > 24 h maximum {CEILING}"),
    ):
        entretien.reschedule(
            by=cast.consultant, starts_at=soon(days=4), planned_minutes=25 * 60, modality="phone"
        )
    entretien.refresh_from_db()
    assert (entretien.starts_at, entretien.planned_minutes, entretien.sequence) == (soon(), 1200, 0)


def test_rescheduling_into_the_past_or_once_cancelled_is_refused(cast):
    entretien = book(cast)
    with pytest.raises(RuleViolation, match="Cette date est passée"):
        entretien.reschedule(
            by=cast.consultant,
            starts_at=timezone.now() - dt.timedelta(days=1),
            planned_minutes=60,
            modality="phone",
        )
    entretien.cancel(by=cast.consultant, reason=CancelReason.HEALTH)
    with pytest.raises(RuleViolation, match="Cet entretien est déjà « annulé »"):
        entretien.reschedule(
            by=cast.consultant, starts_at=soon(days=4), planned_minutes=60, modality="phone"
        )


def test_rescheduling_once_the_phase_is_closed_is_refused(cast):
    advance_to(cast.bilan, Status.PRELIMINARY)
    entretien = book(cast)
    advance_to(cast.bilan, Status.INVESTIGATION)
    with pytest.raises(
        RuleViolation, match="Impossible de déplacer un entretien de phase préliminaire"
    ):
        entretien.reschedule(
            by=cast.consultant, starts_at=soon(days=4), planned_minutes=60, modality="phone"
        )


def test_cancelling_records_the_reason_category_and_bumps_the_sequence(cast):
    entretien = book(cast)
    entretien.cancel(by=cast.consultant, reason=CancelReason.FORCE_MAJEURE)
    assert entretien.status == EntretienStatus.CANCELLED
    assert entretien.cancel_reason == CancelReason.FORCE_MAJEURE
    assert entretien.sequence == 1


def test_a_cancel_reason_outside_the_list_is_refused(cast):
    entretien = book(cast)
    with pytest.raises(RuleViolation, match="Choisissez un motif dans la liste"):
        entretien.cancel(by=cast.consultant, reason="mon chat est malade")
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.PLANNED


def test_only_the_assigned_consultant_moves_or_cancels(cast):
    entretien = book(cast)
    with pytest.raises(RuleViolation):
        entretien.cancel(by=cast.admin, reason=CancelReason.OTHER)
    with pytest.raises(RuleViolation):
        entretien.reschedule(by=cast.admin, starts_at=soon(4), planned_minutes=60, modality="phone")
    entretien.refresh_from_db()
    assert (entretien.status, entretien.sequence) == (EntretienStatus.PLANNED, 0)


# ---- e-mails ------------------------------------------------------------------------------


def calendar_of(message) -> tuple[str, Calendar]:
    (part,) = message.attachments
    return part.get_content_type() + "; method=" + part.get_param("method"), Calendar.from_ical(
        part.get_payload(decode=True)
    )


def test_booking_e_mails_both_parties_the_invitation_once_committed(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entretien = book(cast, interview_key="accueil", starts_at=soon(days=3, hour=10))
    assert sorted(m.to[0] for m in mailoutbox) == ["benef@cap.test", "consultante@cap.test"]
    for message in mailoutbox:
        assert message.subject.startswith("Entretien planifié le ")
        assert "à 10:00" in message.subject
        content_type, cal = calendar_of(message)
        assert content_type == "text/calendar; method=REQUEST"
        (event,) = cal.walk("VEVENT")
        assert str(event["UID"]).startswith(f"entretien-{entretien.pk}@")
        assert "Cap Avenir, salle 2" in message.body
        assert "Entretien d&#x27;accueil et d&#x27;information" in message.alternatives[0][0]
    to_beneficiary = next(m for m in mailoutbox if m.to == ["benef@cap.test"])
    assert "Avec : Claire Conseil" in to_beneficiary.body
    assert "/espace/" in to_beneficiary.body


def test_no_e_mail_leaves_without_an_invitation_or_when_the_booking_is_refused(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(cast, invite=False, starts_at=timezone.now() - dt.timedelta(days=1))
        with pytest.raises(RuleViolation):
            book(cast, planned_minutes=30 * 60)
    assert mailoutbox == []


def test_moving_and_cancelling_notify_both_parties(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    entretien = book(cast)
    with django_capture_on_commit_callbacks(execute=True):
        entretien.reschedule(
            by=cast.consultant,
            starts_at=soon(days=6, hour=15),
            planned_minutes=60,
            modality="phone",
        )
    assert [m.subject[:16] for m in mailoutbox] == ["Entretien déplac"] * 2
    assert calendar_of(mailoutbox[0])[1].walk("VEVENT")[0]["SEQUENCE"] == 1
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        entretien.cancel(by=cast.consultant, reason=CancelReason.CONSULTANT)
    assert len(mailoutbox) == 2
    content_type, cal = calendar_of(mailoutbox[0])
    assert content_type == "text/calendar; method=CANCEL"
    assert cal["METHOD"] == "CANCEL"
    assert "motif : empêchement du ou de la consultant·e" in mailoutbox[0].body


def test_a_missed_entretien_sends_no_cancellation(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    entretien = book(cast, invite=False, starts_at=timezone.now() - dt.timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        entretien.cancel(by=cast.consultant, missed=True)
    assert entretien.cancel_reason == CancelReason.NO_SHOW
    assert mailoutbox == []


# ---- the staff pages ----------------------------------------------------------------------

SCHEDULE_POST = {
    "interview": "accueil",
    "title": "",
    "date": "2030-01-10",
    "time": "10:00",
    "duration": "1,5",
    "modality": "in_person",
    "place": "Salle 2",
}


def test_the_booking_form_offers_the_current_phases_interviews_and_a_free_entretien(cast, client):
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert f'action="/entretiens/bilan/{cast.bilan.pk}/planifier/"' in page
    assert (
        '<option value="accueil" selected>Entretien d&#x27;accueil et d&#x27;information</option>'
        in page
    )
    assert '<option value="analyse-demande">' in page
    assert '<option value="">Entretien libre</option>' in page
    assert "analyse-parcours" not in page


def test_booking_from_the_bilan_page_with_htmx_returns_the_activity_block(cast, client):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]), SCHEDULE_POST, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section class="card" id="activity">')
    assert "Entretien d&#x27;accueil et d&#x27;information" in page
    entretien = Entretien.objects.get()
    assert (entretien.interview_key, entretien.planned_minutes) == ("accueil", 90)
    assert entretien.starts_at == dt.datetime(2030, 1, 10, 10, 0, tzinfo=PARIS)


def test_a_malformed_date_is_refused_and_what_was_typed_is_kept(cast, client):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]),
        {**SCHEDULE_POST, "date": "31/02/2030", "place": "Salle des Tilleuls"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Vérifiez la date, l&#x27;heure et la durée." in page
    assert 'value="Salle des Tilleuls"' in page
    assert not Entretien.objects.exists()


def test_a_refused_booking_shows_the_rule_and_keeps_the_form(cast, client):
    book(cast, planned_minutes=23 * 60)
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]),
        {**SCHEDULE_POST, "duration": "1,5", "interview": ""},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "24 h 30 &gt; 24 h maximum (art. L6313-4 du Code du travail)" in page
    assert 'value="1,5"' in page
    assert Entretien.objects.count() == 1


def staff_urls(cast, entretien: Entretien) -> list[tuple[str, str, dict]]:
    return [
        ("post", reverse("entretiens:schedule", args=[cast.bilan.pk]), SCHEDULE_POST),
        ("get", reverse("entretiens:reschedule", args=[entretien.pk]), {}),
        (
            "post",
            reverse("entretiens:reschedule", args=[entretien.pk]),
            {"date": "2030-02-01", "time": "09:00", "duration": "1", "modality": "phone"},
        ),
        ("get", reverse("entretiens:invitation", args=[entretien.pk]), {}),
        ("post", reverse("entretiens:cancel", args=[entretien.pk]), {"reason": "health"}),
    ]


# What each role gets: the consultant acts; the admin reads the .ics (administrative data)
# and is refused the consultant's acts; others' bilans do not exist for them.
EXPECTED = {
    "consultant": {"schedule": 302, "reschedule": 200, "invitation": 200, "cancel": 302},
    "admin": {"schedule": 403, "reschedule": 403, "invitation": 200, "cancel": 403},
    "colleague": 404,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_scheduling_page_checks_organisation_role_and_assignment(cast, client, role):
    entretien = book(cast)
    client.force_login(getattr(cast, role))
    for method, url, data in staff_urls(cast, entretien):
        response = getattr(client, method)(url, data)
        expected = EXPECTED[role]
        if isinstance(expected, dict):
            name = url.rstrip("/").split("/")[-1]
            key = {
                "planifier": "schedule",
                "deplacer": "reschedule",
                "invitation.ics": "invitation",
                "annuler": "cancel",
            }[name]
            expected = expected[key]
            if key == "reschedule" and method == "post" and role == "consultant":
                expected = 302
        assert response.status_code == expected, (role, method, url, response.status_code)
    entretien.refresh_from_db()
    assert entretien.status == (
        EntretienStatus.CANCELLED if role == "consultant" else EntretienStatus.PLANNED
    )


def test_anonymous_users_are_sent_to_the_login_page(cast, client):
    for method, url, data in staff_urls(cast, book(cast)):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_consultant_moves_an_entretien_from_its_page(cast, client):
    entretien = book(cast)
    client.force_login(cast.consultant)
    page = client.get(reverse("entretiens:reschedule", args=[entretien.pk])).content.decode()
    assert f'value="{soon():%Y-%m-%d}"' in page and 'value="Cap Avenir, salle 2"' in page
    response = client.post(
        reverse("entretiens:reschedule", args=[entretien.pk]),
        {
            "date": "2030-02-01",
            "time": "09:00",
            "duration": "2",
            "modality": "video",
            "video_link": "https://visio.example/b",
        },
    )
    assert response.status_code == 302
    entretien.refresh_from_db()
    assert entretien.starts_at == dt.datetime(2030, 2, 1, 9, 0, tzinfo=PARIS)
    assert (entretien.planned_minutes, entretien.sequence) == (120, 1)


def test_moving_without_the_visio_link_is_refused_and_keeps_what_was_typed(cast, client):
    entretien = book(cast)
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:reschedule", args=[entretien.pk]),
        {"date": "2030-02-01", "time": "09:00", "duration": "2", "modality": "video"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Indiquez le lien de la visio" in page
    assert 'value="2030-02-01"' in page
    entretien.refresh_from_db()
    assert entretien.starts_at == soon()


def test_cancelling_needs_a_reason_from_the_list(cast, client):
    entretien = book(cast)
    client.force_login(cast.consultant)
    response = client.post(reverse("entretiens:cancel", args=[entretien.pk]), {"reason": "x"})
    assert response.status_code == 422
    assert "Choisissez le motif de l&#x27;annulation." in response.content.decode()
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.PLANNED


def test_the_bilan_page_links_each_planned_entretien_to_its_ics(cast, client):
    entretien = book(cast)
    for who in ("consultant", "admin"):
        client.force_login(getattr(cast, who))
        page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
        assert reverse("entretiens:invitation", args=[entretien.pk]) in page
        assert (reverse("entretiens:reschedule", args=[entretien.pk]) in page) == (
            who == "consultant"
        )


def test_the_staff_ics_download_is_a_calendar_file(cast, client):
    entretien = book(cast)
    client.force_login(cast.admin)
    response = client.get(reverse("entretiens:invitation", args=[entretien.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert response["Content-Disposition"].startswith('attachment; filename="entretien-')
    assert Calendar.from_ical(response.content).walk("VEVENT")


# ---- the beneficiary's space ------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("beneficiary", 200),
        ("other_beneficiary", 404),
        ("outsider_beneficiary", 404),
        ("consultant", 403),
        ("admin", 403),
        ("outsider_admin", 403),
    ],
)
def test_only_the_beneficiary_downloads_their_ics_from_their_space(cast, client, role, status):
    entretien = book(cast)
    client.force_login(getattr(cast, role))
    response = client.get(reverse("portal:entretien_invitation", args=[entretien.pk]))
    assert response.status_code == status
    if status == 200:
        (event,) = Calendar.from_ical(response.content).walk("VEVENT")
        assert str(event["UID"]).startswith(f"entretien-{entretien.pk}@")
        assert str(event["ATTENDEE"]) == "mailto:benef@cap.test"


def test_the_anonymous_visitor_is_sent_to_log_in_for_an_ics(cast, client):
    response = client.get(reverse("portal:entretien_invitation", args=[book(cast).pk]))
    assert response.status_code == 302


def test_my_next_entretien_card_offers_to_add_it_to_my_calendar(cast, client):
    entretien = book(cast)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Ajouter à mon agenda (.ics)" in page
    assert reverse("portal:entretien_invitation", args=[entretien.pk]) in page
