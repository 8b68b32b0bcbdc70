"""The beneficiary's documentary research: fiches saved with notes, on their own or for an
assigned research task; only the beneficiary writes, only while the bilan is in its phases;
the assigned consultant reads (audited); nobody else."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

from bilan.bilans.content import is_content
from bilan.bilans.models import RuleViolation, Status
from bilan.bilans.testing import make_member
from bilan.careers import research, search
from bilan.careers.models import CareerOption, SavedFiche
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Assignment, AssignmentKind
from bilan.lib.testing import PASSWORD
from bilan.organisations.models import Role

# What each member of the cast gets on the staff page of the bilan's research.
STAFF_EXPECTED = {
    "admin": 403,
    "consultant": 200,
    "colleague": 404,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 403,
}
ROLES = list(STAFF_EXPECTED)


@pytest.fixture(autouse=True)
def fresh_index():
    search.forget_index()
    yield
    search.forget_index()


@pytest.fixture
def bilan(cast, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


def login(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def task(bilan, title="Explorer trois fiches métiers", kind=AssignmentKind.RESEARCH, **extra):
    return Assignment.objects.create(
        bilan=bilan, title=title, kind=kind, created_by=bilan.consultant, **extra
    )


def save(bilan, code="J1506", by=None, **notes):
    return research.save_fiche(bilan=bilan, by=by or bilan.beneficiary, code_rome=code, **notes)


# ---- the service --------------------------------------------------------------------------------


def test_a_saved_fiche_is_bilan_content():
    assert is_content(SavedFiche)


def test_the_beneficiary_saves_a_fiche_with_notes_and_its_rome_snapshot(bilan):
    saved, created = save(
        bilan,
        "j1506",
        attracts="  Le soin, le contact  ",
        worries="Les horaires de nuit",
        questions="Quelle formation en cours d'emploi ?",
    )
    assert created
    assert (saved.code_rome, saved.metier_id, saved.rome_version) == ("J1506", "J1506", "60")
    assert saved.metier_label == "Infirmier / Infirmière en soins généraux (IDE)"
    assert (saved.attracts, saved.worries, saved.questions) == (
        "Le soin, le contact",
        "Les horaires de nuit",
        "Quelle formation en cours d'emploi ?",
    )
    assert saved.assignment is None


def test_saving_the_same_fiche_twice_updates_it_never_duplicates(bilan):
    first, _ = save(bilan, attracts="Le soin")
    again, created = save(bilan, "J1506", attracts="Le soin et l'équipe", worries="La fatigue")
    assert not created and again.pk == first.pk
    assert SavedFiche.objects.filter(bilan=bilan).count() == 1
    again.refresh_from_db()
    assert (again.attracts, again.worries) == ("Le soin et l'équipe", "La fatigue")


def test_a_fiche_answers_an_open_research_assignment_of_the_bilan(cast, bilan):
    assignment = task(bilan)
    saved, _ = save(bilan, assignment_id=assignment.pk)
    assert saved.assignment == assignment
    # Not another kind of work, not a done one, not another bilan's.
    reflection = task(bilan, "Écrire mon parcours", kind=AssignmentKind.REFLECTION)
    from django.utils import timezone

    done = task(bilan, "Déjà faite", done_at=timezone.now())
    elsewhere = task(cast.other_bilan, "Chez quelqu'un d'autre")
    for wrong in (reflection, done, elsewhere, 999999, "abc"):
        with pytest.raises(RuleViolation, match="Choisissez une recherche documentaire"):
            save(bilan, "K2111", assignment_id=getattr(wrong, "pk", wrong))
    # Once done, the assignment already linked stays linked when the notes are edited.
    Assignment.objects.filter(pk=assignment.pk).update(done_at=timezone.now())
    saved, _ = save(bilan, assignment_id=assignment.pk, attracts="Toujours")
    assert saved.assignment_id == assignment.pk
    assert list(research.open_research_assignments(bilan)) == []


def test_an_unknown_code_or_a_too_long_note_is_refused_as_bad_input(bilan):
    with pytest.raises(RuleViolation, match="n'existe pas") as e:
        save(bilan, "Z9999")
    assert e.value.code == "invalid"
    with pytest.raises(RuleViolation, match="trop long"):
        save(bilan, attracts="x" * 5001)
    assert not SavedFiche.objects.exists()


@pytest.mark.parametrize("who", ["consultant", "admin", "colleague", "other_beneficiary"])
def test_only_the_beneficiary_writes(cast, bilan, who):
    with pytest.raises(RuleViolation) as e:
        save(bilan, by=getattr(cast, who))
    assert e.value.code == "forbidden"
    saved, _ = save(bilan)
    with pytest.raises(RuleViolation):
        research.remove_fiche(saved=saved, by=getattr(cast, who))
    assert SavedFiche.objects.filter(pk=saved.pk).exists()


@pytest.mark.parametrize("status", [Status.INVESTIGATION, Status.CONCLUSIONS])
def test_the_research_is_editable_in_every_phase(cast, rome, status):
    advance_to(cast.bilan, status)
    saved, created = save(cast.bilan)
    assert created
    research.remove_fiche(saved=saved, by=cast.beneficiary)
    assert not SavedFiche.objects.exists()


def test_before_its_phases_or_once_closed_the_research_is_read_only(cast, rome):
    with pytest.raises(RuleViolation, match="étape « demande »"):
        save(cast.bilan)  # still in ENQUIRY
    advance_to(cast.bilan, Status.PRELIMINARY)
    saved, _ = save(cast.bilan, attracts="Le soin")
    advance_to(cast.bilan, Status.CLOSED)
    cast.bilan.refresh_from_db()
    with pytest.raises(RuleViolation, match="se lit mais ne se modifie plus") as e:
        save(cast.bilan, attracts="Autre chose")
    assert e.value.code == "refused"
    with pytest.raises(RuleViolation):
        research.remove_fiche(saved=saved, by=cast.beneficiary)
    saved.refresh_from_db()
    assert saved.attracts == "Le soin"
    assert not research.may_edit(cast.bilan, cast.beneficiary)


def test_the_consultant_reads_the_research_and_each_read_is_audited(cast, bilan):
    a, _ = save(bilan, "J1506")
    b, _ = save(bilan, "K2111")
    assert research.read_saved_fiches(reader=cast.beneficiary, bilan=bilan) == [b, a]
    assert not AuditEvent.objects.exists()  # the beneficiary's own reads are not logged
    assert research.read_saved_fiches(reader=cast.consultant, bilan=bilan) == [b, a]
    events = AuditEvent.objects.filter(actor_id=cast.consultant.pk, bilan_id=bilan.pk)
    assert sorted(events.values_list("object_id", flat=True)) == sorted([str(a.pk), str(b.pk)])
    assert set(events.values_list("object_type", flat=True)) == {"careers.SavedFiche"}


@pytest.mark.parametrize("who", ["admin", "colleague", "other_beneficiary", "outsider_consultant"])
def test_nobody_else_reads_the_research(cast, bilan, who):
    save(bilan)
    with pytest.raises(PermissionDenied):
        research.read_saved_fiches(reader=getattr(cast, who), bilan=bilan)


def test_a_saved_fiche_of_another_bilan_is_a_404(cast, bilan):
    saved, _ = save(bilan)
    assert research.get_saved_fiche_for_user(cast.beneficiary, saved.pk) == saved
    for who in ["other_beneficiary", "colleague", "outsider_beneficiary"]:
        with pytest.raises(Http404):
            research.get_saved_fiche_for_user(getattr(cast, who), saved.pk)


# ---- portal pages -------------------------------------------------------------------------------


def test_the_beneficiary_adds_a_fiche_from_the_portal_then_edits_its_notes(cast, bilan):
    assignment = task(bilan)
    client = login(cast.beneficiary)
    url = reverse("portal:metiers_fiche", args=["J1506"])
    page = client.get(url).content.decode()
    assert "Ajouter à mes recherches" in page
    assert "Explorer trois fiches métiers" in page  # the open research task is offered
    assert "Ma propre initiative" in page
    response = client.post(
        url,
        {"attracts": "Le soin", "worries": "La nuit", "questions": "", "assignment": assignment.pk},
    )
    assert response.status_code == 302 and response["Location"] == url
    saved = SavedFiche.objects.get(bilan=bilan)
    assert (saved.attracts, saved.worries, saved.assignment_id) == (
        "Le soin",
        "La nuit",
        assignment.pk,
    )
    page = client.get(url).content.decode()
    assert "Fiche ajoutée à vos recherches" in page
    assert "Dans mes recherches" in page and "Enregistrer mes notes" in page
    assert "Le soin" in page
    client.post(url, {"attracts": "Le soin, l'équipe", "worries": "", "questions": "Salaire ?"})
    assert SavedFiche.objects.filter(bilan=bilan).count() == 1
    saved.refresh_from_db()
    assert (saved.attracts, saved.questions, saved.assignment_id) == (
        "Le soin, l'équipe",
        "Salaire ?",
        None,
    )
    assert "Vos notes sur cette fiche sont enregistrées" in client.get(url).content.decode()


def test_without_any_research_task_the_portal_asks_no_question_about_it(cast, bilan):
    page = login(cast.beneficiary).get(reverse("portal:metiers_fiche", args=["J1506"]))
    assert 'type="hidden" name="assignment"' in page.content.decode()


def test_a_refused_save_keeps_what_was_typed(cast, bilan):
    client = login(cast.beneficiary)
    url = reverse("portal:metiers_fiche", args=["J1506"])
    response = client.post(url, {"attracts": "Mes mots à moi", "assignment": "424242"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Mes mots à moi" in html
    assert not SavedFiche.objects.exists()


def test_out_of_its_phases_the_portal_shows_the_research_read_only(cast, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    save(cast.bilan, attracts="Le soin")
    advance_to(cast.bilan, Status.CLOSED)
    client = login(cast.beneficiary)
    url = reverse("portal:metiers_fiche", args=["J1506"])
    html = client.get(url).content.decode()
    assert "se lit mais ne se modifie plus" in html
    assert 'id="save-fiche"' not in html and "Le soin" in html
    response = client.post(url, {"attracts": "Autre chose"})
    assert response.status_code == 422
    assert "se lit mais ne se modifie plus" in response.content.decode()
    assert SavedFiche.objects.get().attracts == "Le soin"
    html = client.get(reverse("portal:recherches")).content.decode()
    assert "se lit mais ne se modifie plus" in html and "Retirer" not in html


def test_mes_recherches_lists_the_saved_fiches_with_notes(cast, bilan):
    save(bilan, "J1506", attracts="Le soin", worries="La nuit", questions="Le salaire ?")
    save(bilan, "K2111", attracts="Transmettre")
    html = login(cast.beneficiary).get(reverse("portal:recherches")).content.decode()
    assert html.index("Formateur / Formatrice") < html.index("Infirmier / Infirmière")
    for text in ["Le soin", "La nuit", "Le salaire ?", "Transmettre", "Ce qui m'inquiète"]:
        assert text in html, text
    # Another beneficiary's space shows none of it.
    other = login(cast.other_beneficiary).get(reverse("portal:recherches")).content.decode()
    assert "Le soin" not in other and "Infirmier" not in other


def test_a_beneficiary_without_a_bilan_reads_fiches_but_saves_nothing(cast, rome):
    newcomer = make_member(cast.org, "nouveau@cap.test", Role.BENEFICIARY, "Nina", "Nouvelle")
    client = login(newcomer)
    html = client.get(reverse("portal:metiers_fiche", args=["J1506"])).content.decode()
    assert "dès que votre bilan aura commencé" in html
    assert "pas encore de bilan" in client.get(reverse("portal:recherches")).content.decode()
    response = client.post(reverse("portal:metiers_fiche", args=["J1506"]), {"attracts": "x"})
    assert response.status_code == 200 and not SavedFiche.objects.exists()


def test_removing_a_fiche_asks_for_confirmation(cast, bilan):
    saved, _ = save(bilan)
    client = login(cast.beneficiary)
    url = reverse("portal:recherche_remove", args=[saved.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Oui, retirer cette fiche" in page.content.decode()
    assert SavedFiche.objects.filter(pk=saved.pk).exists()  # asking removes nothing
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("portal:recherches")
    assert not SavedFiche.objects.filter(pk=saved.pk).exists()


@pytest.mark.parametrize("who", ["other_beneficiary", "outsider_beneficiary"])
def test_another_beneficiary_cannot_remove_or_see_a_fiche(cast, bilan, who):
    saved, _ = save(bilan)
    client = login(getattr(cast, who))
    url = reverse("portal:recherche_remove", args=[saved.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert SavedFiche.objects.filter(pk=saved.pk).exists()


@pytest.mark.parametrize("who", ["admin", "consultant", "colleague", "outsider_consultant"])
def test_staff_cannot_use_the_portal_research_pages(cast, bilan, who):
    saved, _ = save(bilan)
    client = login(getattr(cast, who))
    assert client.get(reverse("portal:recherches")).status_code == 403
    assert client.post(reverse("portal:recherche_remove", args=[saved.pk])).status_code == 403
    response = client.post(reverse("portal:metiers_fiche", args=["K2111"]), {"attracts": "x"})
    assert response.status_code == 403
    assert SavedFiche.objects.count() == 1


# ---- the staff page -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_the_staff_research_page_is_for_the_assigned_consultant(cast, bilan, who):
    save(bilan, attracts="Le soin")
    response = login(getattr(cast, who)).get(reverse("careers:recherches", args=[bilan.pk]))
    assert response.status_code == STAFF_EXPECTED[who]
    if who == "consultant":
        html = response.content.decode()
        assert "Infirmier / Infirmière en soins généraux (IDE)" in html and "Le soin" in html
        assert f'href="{reverse("careers:fiche", args=["J1506"])}"' in html
        assert AuditEvent.objects.filter(
            actor_id=cast.consultant.pk, object_type="careers.SavedFiche"
        ).exists()
    else:
        assert "Le soin" not in response.content.decode()


def test_the_staff_research_page_of_an_unknown_bilan_is_a_404(cast, bilan):
    assert (
        login(cast.consultant).get(reverse("careers:recherches", args=[999999])).status_code == 404
    )


def test_a_saved_fiche_becomes_a_piste_from_either_side(cast, bilan):
    saved, _ = save(bilan, attracts="Le soin")
    html = login(cast.beneficiary).get(reverse("portal:recherches")).content.decode()
    assert f'action="{reverse("portal:piste_create")}"' in html
    assert f'name="saved_fiche" value="{saved.pk}"' in html
    staff = login(cast.consultant)
    html = staff.get(reverse("careers:recherches", args=[bilan.pk])).content.decode()
    assert f'action="{reverse("careers:piste_create", args=[bilan.pk])}"' in html
    response = staff.post(
        reverse("careers:piste_create", args=[bilan.pk]), {"saved_fiche": saved.pk}
    )
    assert response.status_code == 302
    assert CareerOption.objects.get(bilan=bilan).code_rome == "J1506"


@pytest.mark.browser
def test_in_a_browser_the_beneficiary_finds_a_metier_live_and_keeps_it(
    live_server, page, cast, bilan
):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Adresse e-mail").fill(cast.beneficiary.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + reverse("portal:metiers"))
    # Typed, not submitted: htmx asks after a pause and swaps the results in.
    page.get_by_label("Métier ou appellation").press_sequentially("educatrice specia", delay=30)
    hit = page.locator("#metier-hits").get_by_role(
        "link", name="Educateur spécialisé / Educatrice spécialisée"
    )
    hit.wait_for()
    assert "q=educatrice%20specia" in page.url  # the address follows, for the back button
    hit.click()
    page.get_by_label("Ce qui m'attire").fill("Accompagner des jeunes")
    page.get_by_label("Questions à poser").fill("Quels horaires ?")
    page.get_by_role("button", name="Ajouter à mes recherches").click()
    assert "Fiche ajoutée à vos recherches" in page.locator("main").inner_text()
    page.get_by_role("link", name="Mes recherches").first.click()
    assert (
        "Accompagner des jeunes"
        in page.locator("#saved-" + str(SavedFiche.objects.get().pk)).inner_text()
    )


def test_before_the_preliminary_phase_the_portal_says_saving_comes_later(cast, rome):
    html = login(cast.beneficiary).get(reverse("portal:metiers_fiche", args=["J1506"]))
    text = html.content.decode()
    assert "dès la phase préliminaire" in text and 'id="save-fiche"' not in text
