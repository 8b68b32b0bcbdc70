"""The staff pages: permissions for every view, and what each page lets a user do."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, ConsentMethod, Status, is_visible_to
from bilan.bilans.testing import make_bilan, make_member
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Entretien
from bilan.organisations.models import Role

ROLES = [
    "consultant",
    "colleague",
    "admin",
    "beneficiary",
    "other_beneficiary",
    "outsider_admin",
    "outsider_consultant",
]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    """Scanned consent forms go to a temporary MEDIA_ROOT in these tests."""
    settings.MEDIA_ROOT = tmp_path / "media"


def staff_urls(c: SimpleNamespace) -> list[tuple[str, str, dict[str, Any]]]:
    entretien = Entretien.objects.create(
        bilan=c.bilan,
        phase="preliminary",
        starts_at=timezone.now() - dt.timedelta(hours=2),
        planned_minutes=60,
    )
    pk = c.bilan.pk
    return [
        ("get", reverse("bilans:detail", args=[pk]), {}),
        ("post", reverse("bilans:transition", args=[pk, "start_preliminary"]), {}),
        ("post", reverse("bilans:consent", args=[pk]), {"confirm": "on"}),
        ("post", reverse("bilans:framing", args=[pk]), {"format": "in_person"}),
        ("post", reverse("bilans:hours", args=[pk]), {"accompaniment": "16", "personal": "4"}),
        ("post", reverse("bilans:personal_work", args=[pk]), {"personal": "1"}),
        (
            "post",
            reverse("entretiens:schedule", args=[pk]),
            {
                "date": "2030-01-10",
                "time": "10:00",
                "duration": "2",
                "modality": "in_person",
                "place": "Salle 2",
            },
        ),
        (
            "post",
            reverse("entretiens:update", args=[entretien.pk, "tenu"]),
            {"duration": "1"},
        ),
    ]


# What each role gets on the consultant's bilan: 404 hides other organisations' and unassigned
# bilans; 403 answers a role that may see the bilan but not do this.
EXPECTED_DETAIL = {
    "consultant": 200,
    "colleague": 404,
    "admin": 200,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_view_checks_organisation_role_and_assignment(
    cast: SimpleNamespace, client: Client, role: str
) -> None:
    client.force_login(getattr(cast, role))
    for method, url, data in staff_urls(cast):
        response = getattr(client, method)(url, data)
        if role == "consultant":
            # 422: allowed to try, refused by a lifecycle rule (here: framing before consent).
            assert response.status_code in (200, 302, 422), (url, response.status_code)
        elif role == "admin":
            # Administration sees the bilan but does not do the consultant's acts.
            expected = 200 if method == "get" else 403
            if url.endswith("/consentement/"):
                expected = 302  # paper consent may be recorded by the organisation
            assert response.status_code == expected, (url, response.status_code)
        else:
            assert response.status_code == EXPECTED_DETAIL[role], (url, response.status_code)


def test_anonymous_users_are_sent_to_the_login_page(cast: SimpleNamespace, client: Client) -> None:
    for method, url, data in staff_urls(cast):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "role,status",
    [
        ("admin", 302),
        ("consultant", 403),
        ("colleague", 404),
        ("beneficiary", 403),
        ("outsider_admin", 404),
    ],
)
def test_only_an_admin_of_the_organisation_reassigns_a_bilan(
    cast: SimpleNamespace, client: Client, role: str, status: int
) -> None:
    client.force_login(getattr(cast, role))
    response = client.post(
        reverse("bilans:reassign", args=[cast.bilan.pk]), {"consultant": cast.colleague.pk}
    )
    assert response.status_code == status
    cast.bilan.refresh_from_db()
    assert cast.bilan.consultant == (cast.colleague if status == 302 else cast.consultant)


def test_reassignment_shows_the_history_on_the_bilan_page(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.admin)
    client.post(
        reverse("bilans:reassign", args=[cast.bilan.pk]),
        {"consultant": cast.colleague.pk, "reason": "congé"},
    )
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert "Claire Conseil" in page and "Karim Collègue" in page and "(congé)" in page


@pytest.mark.parametrize(
    "role,status",
    [("consultant", 200), ("admin", 200), ("beneficiary", 403), ("outsider_admin", 200)],
)
def test_the_list_and_create_pages_are_for_staff(
    cast: SimpleNamespace, client: Client, role: str, status: int
) -> None:
    client.force_login(getattr(cast, role))
    assert client.get(reverse("bilans:list")).status_code == status
    assert client.get(reverse("bilans:create")).status_code == status


def test_the_list_shows_only_what_the_user_may_see(cast: SimpleNamespace, client: Client) -> None:
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:list")).content.decode()
    assert "Bruno Bénéf" in page and "Olga Autre" not in page and "Omar Out" not in page
    client.force_login(cast.admin)
    page = client.get(reverse("bilans:list")).content.decode()
    assert "Bruno Bénéf" in page and "Olga Autre" in page and "Omar Out" not in page


def test_a_consultant_opens_a_bilan_and_the_beneficiary_is_invited(
    cast: SimpleNamespace,
    client: Client,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(cast.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bilans:create"),
            {
                "first_name": "Nina",
                "last_name": "Nouvelle",
                "email": "nina@exemple.test",
                "situation": "job_seeker",
                "request_text": "Je veux changer de voie.",
                "funding_route": "france_travail",
                "funding_reference": "AIF-42",
                "format": "mixed",
                "consultant": cast.consultant.pk,
            },
        )
    bilan = Bilan.objects.get(beneficiary__email="nina@exemple.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("bilans:detail", args=[bilan.pk])
    assert bilan.status == Status.ENQUIRY and bilan.consultant == cast.consultant
    assert bilan.framing.request_text == "Je veux changer de voie."
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nina@exemple.test"]
    assert "invitation/" in mailoutbox[0].body


def test_a_consultant_cannot_open_a_bilan_for_a_colleague(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    response = client.post(
        reverse("bilans:create"),
        {
            "first_name": "Nina",
            "last_name": "Nouvelle",
            "email": "nina@exemple.test",
            "situation": "employee",
            "funding_route": "personal",
            "format": "mixed",
            "consultant": cast.colleague.pk,
        },
    )
    assert response.status_code == 403
    assert "pour son propre suivi" in response.content.decode()
    assert not Bilan.objects.filter(beneficiary__email="nina@exemple.test").exists()


def test_bad_input_on_creation_is_explained_in_french_and_kept(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("bilans:create"),
        {
            "first_name": "Nina",
            "last_name": "Nouvelle",
            "email": "pas-une-adresse",
            "situation": "employee",
            "funding_route": "cpf",
            "funding_reference": "",
            "format": "mixed",
            "consultant": cast.consultant.pk,
            "request_text": "Mon texte",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide." in page
    assert "Indiquez le numéro de dossier CPF." in page
    assert "Mon texte" in page  # nothing typed is lost


def test_starting_without_consent_is_refused_with_the_reason(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    response = client.post(
        reverse("bilans:transition", args=[cast.bilan.pk, "start_preliminary"]), follow=True
    )
    assert "il manque le consentement" in response.content.decode()
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.ENQUIRY


def test_paper_consent_then_start_then_framing_from_the_page(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    url = reverse("bilans:consent", args=[cast.bilan.pk])
    response = client.post(url, {"confirm": "on"}, follow=True)
    assert "joignez le formulaire signé" in response.content.decode()
    assert cast.bilan.active_consent() is None
    scan = SimpleUploadedFile("consentement.pdf", b"%PDF-1.4\n%%EOF\n")
    client.post(url, {"confirm": "on", "scan": scan})
    assert cast.bilan.active_consent().method == ConsentMethod.PAPER
    client.post(reverse("bilans:transition", args=[cast.bilan.pk, "start_preliminary"]))
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.PRELIMINARY
    response = client.post(
        reverse("bilans:framing", args=[cast.bilan.pk]),
        {
            "needs_analysis": "Analyse",
            "format": "remote",
            "rhythm": "hebdomadaire",
            "agreed_arrangements": "Le mardi",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("bilans:transition", args=[cast.bilan.pk, "open_investigation"]), follow=True
    )
    page = response.content.decode()
    assert "la validation des modalités par le ou la bénéficiaire" in page
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.PRELIMINARY


def test_an_hour_plan_over_24_hours_is_refused_and_the_form_keeps_the_input(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    response = client.post(
        reverse("bilans:hours", args=[cast.bilan.pk]), {"accompaniment": "20", "personal": "4,5"}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "24 h 30 &gt; 24 h maximum (art. L6313-4 du Code du travail)" in page
    assert 'value="4,5"' in page
    cast.bilan.refresh_from_db()
    assert cast.bilan.planned_personal_minutes == 0


def test_scheduling_with_htmx_returns_the_activity_block(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]),
        {
            "date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "time": "10:00",
            "duration": "1,5",
            "modality": "video",
            "video_link": "https://visio.example/bilan",
        },
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section class="card" id="activity">')
    assert Entretien.objects.get(bilan=cast.bilan).planned_minutes == 90


def test_the_bilan_page_warns_below_the_13_hour_minimum(
    cast: SimpleNamespace, client: Client
) -> None:
    advance_to(cast.bilan, Status.PRELIMINARY)
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert 'id="minimum-warning"' in page
    assert "Sous 13 h" in page


def test_the_consultant_reading_content_is_audited_and_the_admin_sees_no_content(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert "Je voudrais savoir si je peux changer de métier." in page
    event = AuditEvent.objects.get()
    assert (event.actor_id, event.bilan_id, event.object_type, event.action) == (
        cast.consultant.pk,
        cast.bilan.pk,
        "bilans.BilanFraming",
        "read",
    )
    client.force_login(cast.admin)
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert "Je voudrais savoir si je peux changer de métier." not in page
    assert AuditEvent.objects.count() == 1


def dashboard_queries(client: Client, user: User) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["consultant", "admin"])
def test_dashboards_cost_the_same_queries_whatever_the_number_of_bilans(
    cast: SimpleNamespace, client: Client, role: str
) -> None:
    user = getattr(cast, role)
    before = dashboard_queries(client, user)
    for i in range(6):
        b = make_member(cast.org, f"extra{i}@cap.test", Role.BENEFICIARY, "Extra", f"N{i}")
        bilan = make_bilan(cast.org, b, cast.consultant)
        Entretien.schedule(
            bilan=bilan,
            by=cast.consultant,
            phase="preliminary",
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
            planned_minutes=60,
        )
    assert dashboard_queries(client, user) == before


def test_the_consultant_dashboard_shows_next_and_overdue_entretiens(
    cast: SimpleNamespace, client: Client
) -> None:
    Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase="preliminary",
        starts_at=timezone.now() + dt.timedelta(days=2),
        planned_minutes=60,
        title="Accueil",
    )
    Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase="preliminary",
        starts_at=timezone.now() - dt.timedelta(days=2),
        planned_minutes=60,
    )
    client.force_login(cast.consultant)
    page = client.get(reverse("home")).content.decode()
    assert "Prochains entretiens" in page and "Accueil" in page
    assert "à marquer tenu ou manqué" in page


def test_the_admin_dashboard_counts_bilans_by_consultant_and_phase(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("home")).content.decode()
    assert "Claire Conseil" in page and "Karim Collègue" in page
    assert "Omar Out" not in page


def test_a_beneficiary_landing_on_home_goes_to_their_space(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.beneficiary)
    assert client.get(reverse("home"))["Location"] == reverse("portal:home")


def administration(**changes: str) -> dict[str, str]:
    data = {
        "first_name": "Bruno",
        "last_name": "Bénéfique",
        "phone": "06 12 34 56 78",
        "situation": "job_seeker",
        "situation_detail": "",
        "funding_route": "cpf",
        "funding_reference": "CPF-987654321",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "role,status",
    [
        ("consultant", 302),
        ("admin", 302),
        ("colleague", 404),
        ("beneficiary", 403),
        ("outsider_admin", 404),
    ],
)
def test_the_administrative_record_is_corrected_by_its_consultant_or_an_admin(
    cast: SimpleNamespace, client: Client, role: str, status: int
) -> None:
    client.force_login(getattr(cast, role))
    response = client.post(reverse("bilans:administration", args=[cast.bilan.pk]), administration())
    assert response.status_code == status
    cast.bilan.refresh_from_db()
    cast.beneficiary.refresh_from_db()
    changed = status == 302
    assert (cast.bilan.funding_reference == "CPF-987654321") is changed
    assert (cast.beneficiary.last_name == "Bénéfique") is changed
    assert (cast.bilan.situation == "job_seeker") is changed


def test_a_cpf_bilan_without_dossier_number_is_refused_and_the_input_kept(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    response = client.post(
        reverse("bilans:administration", args=[cast.bilan.pk]),
        administration(funding_reference="", last_name="Nouveau nom"),
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Indiquez le numéro de dossier CPF." in page
    assert 'value="Nouveau nom"' in page
    cast.beneficiary.refresh_from_db()
    assert cast.beneficiary.last_name == "Bénéf"  # nothing half-saved


def test_the_rule_for_a_bilan_in_hand_agrees_with_the_query_for_every_role(
    cast: SimpleNamespace,
) -> None:
    """bilans.models.is_visible_to (the autosave path) and visible_to (every list) are one rule."""

    people = [
        cast.admin,
        cast.consultant,
        cast.colleague,
        cast.beneficiary,
        cast.other_beneficiary,
        cast.outsider_admin,
        cast.outsider_consultant,
        cast.outsider_beneficiary,
    ]
    for bilan in (cast.bilan, cast.other_bilan, cast.outsider_bilan):
        for user in people:
            expected = Bilan.objects.for_user(user).filter(pk=bilan.pk).exists()
            assert is_visible_to(user, bilan) is expected, (user.email, bilan.pk)
