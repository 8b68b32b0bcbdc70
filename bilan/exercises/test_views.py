"""Pages of the reflection exercises: the beneficiary's (portal) and the consultant's
(read-only, audited); permissions for every page, bad input shown in French with what was
typed kept."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from bilan.bilans.models import Status
from bilan.bilans.testing import make_member
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exercises.models import Experience, MotivationsExercise
from bilan.exercises.parcours import AchievementData, add_experience, save_motivations
from bilan.organisations.models import Role

ROLES = [
    "beneficiary",
    "other_beneficiary",
    "consultant",
    "colleague",
    "admin",
    "outsider_admin",
    "outsider_consultant",
    "outsider_beneficiary",
]


@pytest.fixture
def bilan(cast):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


@pytest.fixture
def experience(bilan) -> Experience:
    return add_experience(
        bilan=bilan,
        by=bilan.beneficiary,
        kind="job",
        title="Assistante comptable",
        start_on=dt.date(2015, 9, 1),
        end_on=dt.date(2019, 6, 1),
        missions="Saisie des factures.",
        achievements=[AchievementData(situation="Impayés", action="Relances", result="-30 %")],
        competences=["Gérer un budget"],
    )


def form_data(**extra) -> dict:
    return {
        "kind": "volunteering",
        "title": "Trésorière de l'association",
        "place": "Les Amis du quartier",
        "start": "2020-01",
        "end": "",
        "missions": "Tenir les comptes, préparer l'assemblée générale.",
        "liked": "Le lien avec les bénévoles.",
        "liked_less": "Les relances de cotisations.",
        "competences": "gerer un BUDGET\nAnimer une réunion",
        "achievements-TOTAL_FORMS": "1",
        "achievements-INITIAL_FORMS": "0",
        "achievements-MIN_NUM_FORMS": "0",
        "achievements-MAX_NUM_FORMS": "10",
        "achievements-0-situation": "Comptes en retard",
        "achievements-0-action": "Un tableau partagé",
        "achievements-0-result": "Comptes approuvés à l'AG",
        **extra,
    }


# ---- portal: who reaches which page -------------------------------------------------------------

PORTAL_PAGES = ["portal:parcours", "portal:parcours_new", "portal:portfolio", "portal:motivations"]


@pytest.mark.parametrize("name", PORTAL_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_the_portal_exercise_pages_are_for_beneficiaries_only(cast, bilan, client, name, role):
    client.force_login(getattr(cast, role))
    expected = 200 if role.endswith("beneficiary") else 403
    assert client.get(reverse(name)).status_code == expected


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_the_portal_exercise_pages_ask_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize("name", ["portal:parcours_experience", "portal:parcours_edit"])
@pytest.mark.parametrize("role", ROLES)
def test_an_experience_page_is_only_for_its_beneficiary(cast, client, experience, name, role):
    client.force_login(getattr(cast, role))
    expected = {"beneficiary": 200, "other_beneficiary": 404, "outsider_beneficiary": 404}
    response = client.get(reverse(name, args=[experience.pk]))
    assert response.status_code == expected.get(role, 403)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_beneficiary_rewrites_or_deletes_their_experience(cast, client, experience, role):
    client.force_login(getattr(cast, role))
    edit = client.post(reverse("portal:parcours_edit", args=[experience.pk]), form_data())
    delete = client.post(reverse("portal:parcours_delete", args=[experience.pk]))
    if role == "beneficiary":
        assert (edit.status_code, delete.status_code) == (302, 302)
        assert not Experience.objects.exists()
    else:
        expected = 404 if role.endswith("beneficiary") else 403
        assert (edit.status_code, delete.status_code) == (expected, expected)
        assert Experience.objects.get().title == "Assistante comptable"


@pytest.mark.parametrize("role", ["consultant", "colleague", "admin", "other_beneficiary"])
def test_nobody_else_writes_in_the_beneficiarys_parcours_or_motivations(cast, bilan, client, role):
    client.force_login(getattr(cast, role))
    client.post(reverse("portal:parcours_new"), form_data())
    client.post(reverse("portal:motivations"), {"motivates": "Écrit par un autre"})
    assert not Experience.objects.filter(bilan=bilan).exists()
    assert not MotivationsExercise.objects.filter(bilan=bilan).exists()


def test_the_other_beneficiary_sees_only_their_own_parcours(cast, bilan, client, experience):
    client.force_login(cast.other_beneficiary)
    page = client.get(reverse("portal:parcours")).content.decode()
    assert "Assistante comptable" not in page
    assert "Gérer un budget" not in client.get(reverse("portal:portfolio")).content.decode()


def test_a_beneficiary_without_a_bilan_gets_a_friendly_page_everywhere(cast, client):
    lonely = make_member(cast.org, "seul@cap.test", Role.BENEFICIARY, "Sam", "Seul")
    client.force_login(lonely)
    for name in PORTAL_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "Vous n'avez pas encore de bilan" in response.content.decode()
    assert client.post(reverse("portal:parcours_new"), form_data()).status_code == 200
    assert not Experience.objects.exists()


# ---- portal: writing -----------------------------------------------------------------------------


def test_the_beneficiary_adds_an_experience_from_the_page(cast, bilan, client):
    client.force_login(cast.beneficiary)
    response = client.post(reverse("portal:parcours_new"), form_data())
    e = Experience.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:parcours_experience", args=[e.pk])
    assert (e.bilan, e.kind, e.start_on, e.end_on) == (
        bilan,
        "volunteering",
        dt.date(2020, 1, 1),
        None,
    )
    assert [c.label for c in e.competences.all()] == ["gerer un BUDGET", "Animer une réunion"]
    assert e.achievements.get().result == "Comptes approuvés à l'AG"
    page = client.get(response.url).content.decode()
    assert "Trésorière de l&#x27;association" in page and "depuis janvier 2020 (en cours)" in page


def test_a_month_typed_by_hand_as_mm_yyyy_is_understood(cast, bilan, client):
    client.force_login(cast.beneficiary)
    client.post(reverse("portal:parcours_new"), form_data(start="09/2015", end="6/2019"))
    e = Experience.objects.get()
    assert (e.start_on, e.end_on) == (dt.date(2015, 9, 1), dt.date(2019, 6, 1))


@pytest.mark.parametrize(
    "bad,message",
    [
        ({"start": "2019-06", "end": "2018-01"}, "La fin est avant le début"),
        ({"start": "2019-06", "end": "2999-01"}, "La fin est dans le futur"),
        ({"start": "juin 2019"}, "Indiquez un mois sous la forme MM/AAAA"),
        ({"title": ""}, "Ce champ est obligatoire."),
        ({"missions": "x" * 5001}, "au plus 5000 caractères"),
        ({"achievements-0-action": "x" * 5001}, "au plus 5000 caractères"),
    ],
)
def test_a_refused_experience_is_shown_in_french_with_every_typed_value_kept(
    cast, bilan, client, bad, message
):
    client.force_login(cast.beneficiary)
    response = client.post(reverse("portal:parcours_new"), form_data(**bad))
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    for key in ("place", "liked", "achievements-0-situation", "achievements-0-action"):
        if key not in bad:
            assert html.escape(form_data()[key]) in page, key
    assert "gerer un BUDGET\nAnimer une réunion" in page
    assert ("x" * 5001 in page) == any(len(v) > 5000 for v in bad.values())
    if "start" in bad:
        assert f'value="{bad["start"]}"' in page
    assert not Experience.objects.exists()


def test_a_refused_rewrite_keeps_what_was_typed_and_what_was_saved(cast, client, experience):
    client.force_login(cast.beneficiary)
    url = reverse("portal:parcours_edit", args=[experience.pk])
    response = client.post(url, form_data(start="2021-03", end="2020-01"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "La fin est avant le début" in page and 'value="2021-03"' in page
    experience.refresh_from_db()
    assert experience.title == "Assistante comptable"


def test_the_edit_page_is_prefilled_with_the_experience(cast, client, experience):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:parcours_edit", args=[experience.pk])).content.decode()
    assert 'value="Assistante comptable"' in page and 'value="2015-09"' in page
    assert "Gérer un budget" in page and "Impayés" in page


def test_the_timeline_and_portfolio_pages_show_the_parcours(cast, bilan, client, experience):
    add_experience(
        bilan=bilan,
        by=cast.beneficiary,
        kind="training",
        title="BTS comptabilité",
        start_on=dt.date(2012, 9, 1),
        end_on=dt.date(2014, 6, 1),
        competences=["gérer un BUDGET"],
    )
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:parcours")).content.decode()
    assert page.index("BTS comptabilité") < page.index("Assistante comptable")
    assert "de septembre 2015 à juin 2019" in page
    page = client.get(reverse("portal:portfolio")).content.decode()
    assert page.lower().count("gérer un budget") == 1 and "Montrée par 2 expériences" in page
    assert not AuditEvent.objects.exists()  # the beneficiary's own reads are not logged


def test_a_closed_bilan_shows_the_parcours_read_only(cast, bilan, client, experience):
    advance_to(bilan, Status.CLOSED)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:parcours")).content.decode()
    assert "Assistante comptable" in page and "ne se modifient plus" in page
    assert reverse("portal:parcours_new") not in page
    response = client.post(reverse("portal:parcours_new"), form_data())
    assert (
        response.status_code == 422
        and "Impossible d&#x27;ajouter une expérience" in response.content.decode()
    )
    response = client.post(reverse("portal:parcours_delete", args=[experience.pk]))
    assert response.status_code == 302 and Experience.objects.count() == 1


def test_the_portal_navigation_links_to_the_exercises(cast, bilan, client):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:parcours") in page and "Mes exercices" in page


# ---- staff pages ----------------------------------------------------------------------------------

STAFF_PAGES = ["exercises:parcours", "exercises:portfolio", "exercises:motivations"]
STAFF_EXPECTED = {
    "consultant": 200,
    "colleague": 404,
    "admin": 403,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 403,
}


@pytest.mark.parametrize("name", STAFF_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_assigned_consultant_reads_the_exercises_on_the_staff_side(
    cast, client, experience, name, role
):
    save_motivations(bilan=experience.bilan, by=cast.beneficiary, motivates="Transmettre")
    client.force_login(getattr(cast, role))
    response = client.get(reverse(name, args=[experience.bilan_id]))
    assert response.status_code == STAFF_EXPECTED[role]
    assert AuditEvent.objects.exclude(action="denied").exists() == (role == "consultant")
    # A refused read is logged as such (issue 11).
    assert AuditEvent.objects.filter(action="denied").exists() == (role != "consultant")


def test_the_consultant_reads_the_timeline_with_one_audit_row_per_object(cast, client, experience):
    client.force_login(cast.consultant)
    page = client.get(reverse("exercises:parcours", args=[experience.bilan_id])).content.decode()
    assert "Assistante comptable" in page and "Impayés" in page and "Gérer un budget" in page
    assert sorted(AuditEvent.objects.values_list("object_type", flat=True)) == [
        "exercises.Achievement",
        "exercises.Experience",
        "exercises.ExperienceCompetence",
    ]
    assert set(AuditEvent.objects.values_list("actor_role", "channel")) == {("consultant", "web")}


def test_the_consultant_reads_the_portfolio_and_the_motivations(cast, client, experience):
    save_motivations(bilan=experience.bilan, by=cast.beneficiary, exhausts="Le bruit")
    client.force_login(cast.consultant)
    page = client.get(reverse("exercises:portfolio", args=[experience.bilan_id])).content.decode()
    assert "Gérer un budget" in page and f"#experience-{experience.pk}" in page
    page = client.get(reverse("exercises:motivations", args=[experience.bilan_id])).content.decode()
    assert "Le bruit" in page and "Ce qui m&#x27;épuise" in page
    assert AuditEvent.objects.filter(object_type="exercises.MotivationsExercise").count() == 1


def test_the_staff_pages_have_no_form_to_write(cast, client, experience):
    client.force_login(cast.consultant)
    for name in STAFF_PAGES:
        url = reverse(name, args=[experience.bilan_id])
        assert "<textarea" not in client.get(url).content.decode()
        assert client.post(url, {"motivates": "x"}).status_code in (200, 405)
    assert not MotivationsExercise.objects.exists()


def test_the_bilan_page_links_the_consultant_to_the_exercises_but_not_the_admin(
    cast, bilan, client
):
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[bilan.pk])).content.decode()
    assert reverse("exercises:parcours", args=[bilan.pk]) in page
    client.force_login(cast.admin)
    page = client.get(reverse("bilans:detail", args=[bilan.pk])).content.decode()
    assert "Exercices de réflexion" in page
    assert reverse("exercises:parcours", args=[bilan.pk]) not in page
