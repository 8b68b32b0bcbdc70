"""Pistes professionnelles: created from a fiche, a saved fiche, a match or freely, with the
fit prefilled from the profile (facts only); status history with reasons; who may do what;
the staff and portal pages."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

from bilan.assessments.administrations import save_answers, start_test, submit_test
from bilan.assessments.instruments import get_instrument
from bilan.bilans.models import RuleViolation, Status
from bilan.careers import pistes
from bilan.careers.models import (
    CareerOption,
    CareerOptionKind,
    CareerOptionOrigin,
    CareerOptionStatus,
    CareerOptionStatusChange,
    CentreInteret,
    Competence,
    ContexteTravail,
    DomaineProfessionnel,
    GrandDomaine,
    InterestSort,
    MatchRun,
    Metier,
    MetierCentreInteret,
    MetierCompetence,
    MetierContexte,
    RomeVersion,
    SavedFiche,
)
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exercises.parcours import add_experience
from bilan.lib.testing import PASSWORD

# ---- a small referential of real ROME 4.0 v60 facts -----------------------------------------

NIGHT, WEEKEND, STANDING = 300803, 23376, 300800
CONTACT, MANUAL, COOKING, TEACHING = 4, 14, 27, 13


def referential() -> SimpleNamespace:
    """D1102 Boulanger (R) and K2111 Formateur (S, C), with some of their competences,
    contexts of work and centres d'intérêt as in ROME 4.0 v60."""
    RomeVersion.objects.create(number="60", source="test", is_current=True)
    d = GrandDomaine.objects.create(code="D", label="Commerce, Vente et Grande distribution")
    k = GrandDomaine.objects.create(code="K", label="Services à la personne et à la collectivité")
    d11 = DomaineProfessionnel.objects.create(
        code="D11", grand_domaine=d, label="Commerce alimentaire et métiers de bouche"
    )
    k21 = DomaineProfessionnel.objects.create(
        code="K21", grand_domaine=k, label="Formation initiale et continue"
    )
    boulanger = Metier.objects.create(
        code_rome="D1102",
        code_ogr=81,
        label="Boulanger / Boulangère",
        domaine=d11,
        riasec_major="R",
    )
    formateur = Metier.objects.create(
        code_rome="K2111",
        code_ogr=414,
        label="Formateur / Formatrice",
        domaine=k21,
        riasec_major="S",
        riasec_minor="C",
    )
    competences = {
        104174: ("Accueillir, orienter et renseigner un client", "principale", boulanger),
        486446: ("Pétrir manuellement ou mécaniquement des pâtes", "principale", boulanger),
        300490: ("Faire preuve de rigueur et de précision", "", boulanger),
        300021: ("Transmettre une technique, un savoir-faire", "principale", formateur),
    }
    for code, (label, core, metier) in competences.items():
        c = Competence.objects.create(code_ogr=code, label=label, category="savoir_faire")
        MetierCompetence.objects.create(metier=metier, competence=c, core=core)
    for code, label in [
        (NIGHT, "Travail de nuit"),
        (WEEKEND, "Travail les week-ends et jours fériés"),
        (STANDING, "Station debout prolongée"),
    ]:
        ctx = ContexteTravail.objects.create(
            code_ogr=code, label=label, type_code="2", type_label="Horaires et durée du travail"
        )
        MetierContexte.objects.create(metier=boulanger, contexte=ctx)
    for code, label, metier in [
        (CONTACT, "J'ai le sens du contact", boulanger),
        (MANUAL, "J'aime le travail manuel", boulanger),
        (COOKING, "Je suis passionné / passionnée par la cuisine", boulanger),
        (TEACHING, "J'aime transmettre mes connaissances", formateur),
    ]:
        centre = CentreInteret.objects.create(code=code, label=label)
        MetierCentreInteret.objects.create(metier=metier, centre=centre)
    return SimpleNamespace(boulanger=boulanger, formateur=formateur)


def riasec_taken(bilan, **by_type):
    """Submit the RIASEC test with 4 everywhere, and the given value for each type."""
    administration = start_test(bilan=bilan, by=bilan.beneficiary, code="riasec_48")
    answers = dict.fromkeys(get_instrument("riasec_48").item_ids, 2)
    for t, value in by_type.items():
        answers.update({i: value for i in answers if i.startswith(t)})
    save_answers(administration=administration, by=bilan.beneficiary, answers=answers)
    return submit_test(administration=administration, by=bilan.beneficiary)


def profiled(bilan):
    """A beneficiary who sold bread on Saturdays, likes contact and cooking, and avoids nights."""
    import datetime as dt

    add_experience(
        bilan=bilan,
        by=bilan.beneficiary,
        kind="job",
        title="Vendeuse en boulangerie",
        start_on=dt.date(2016, 9, 1),
        end_on=dt.date(2019, 6, 1),
        competences=["accueillir, orienter et renseigner un CLIENT", "Tenir une caisse"],
    )
    riasec_taken(bilan, S=5, E=4, R=3)
    InterestSort.objects.create(
        bilan=bilan, chosen=[CONTACT, COOKING, 2], ranked=[COOKING], avoided_contexts=[NIGHT]
    )
    return bilan


@pytest.fixture
def bilan(cast):
    return advance_to(cast.bilan, Status.INVESTIGATION)


@pytest.fixture
def ref(db):
    return referential()


def login(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def free(bilan, by=None, **extra):
    return pistes.create_free(
        bilan=bilan,
        by=by or bilan.beneficiary,
        kind=extra.pop("kind", CareerOptionKind.BUSINESS),
        title=extra.pop("title", "Ouvrir un café-librairie"),
        **extra,
    )


# ---- the prefill, pure ----------------------------------------------------------------------


def facts(**extra):
    return pistes.MetierFacts(
        code_rome="D1102",
        label="Boulanger / Boulangère",
        riasec_major="R",
        competences=((104174, "Accueillir, orienter et renseigner un client", True),),
        centres={CONTACT: "J'ai le sens du contact", MANUAL: "J'aime le travail manuel"},
        contexts={NIGHT: "Travail de nuit"},
        **extra,
    )


def test_an_empty_profile_leaves_every_fit_field_empty():
    assert pistes.prefill_fit(pistes.Profile(), facts()) == {
        "fit_competences": "",
        "fit_interests": "",
        "fit_constraints": "",
    }


def test_competences_match_by_label_whatever_accents_and_case_and_say_core():
    profile = pistes.Profile(competences=(("ACCUEILLIR, orienter et renseigner un client.", ""),))
    assert pistes.fit_competences(profile, facts()) == (
        "Compétences du portefeuille que la fiche ROME D1102 demande aussi : "
        "Accueillir, orienter et renseigner un client (cœur de métier)."
    )


def test_a_competence_linked_by_its_rome_code_matches_too():
    profile = pistes.Profile(competences=(("Accueil clientèle", "104174"),))
    assert "Accueillir, orienter" in pistes.fit_competences(profile, facts())


def test_no_shared_competence_is_said_plainly():
    profile = pistes.Profile(competences=(("Tenir une caisse", ""),))
    assert pistes.fit_competences(profile, facts()).startswith("Aucune compétence du portefeuille")


def test_interests_compare_the_holland_code_with_the_metier_and_list_shared_centres():
    profile = pistes.Profile(
        holland_code="S-E-R", holland_letters=("S", "E", "R"), chosen_centres=(CONTACT, 2)
    )
    text = pistes.fit_interests(profile, facts())
    assert "Code Holland : S-E-R. Profil RIASEC du métier : R (Réaliste)." in text
    assert "Le type principal du métier figure dans le code Holland." in text
    assert "Centres d'intérêt choisis que la fiche partage : J'ai le sens du contact." in text


def test_a_major_type_outside_the_code_is_said_so():
    profile = pistes.Profile(holland_code="S-E-A", holland_letters=("S", "E", "A"))
    assert "ne figure pas" in pistes.fit_interests(profile, facts())


def test_constraints_name_the_avoided_contexts_the_fiche_mentions():
    clash = pistes.Profile(avoided_contexts=(NIGHT,))
    fine = pistes.Profile(avoided_contexts=(STANDING + 1,))
    assert pistes.fit_constraints(clash, facts()) == (
        "Contextes de travail à éviter que la fiche mentionne : Travail de nuit."
    )
    assert pistes.fit_constraints(fine, facts()).startswith("Aucun des contextes")


def test_match_reasons_go_to_the_field_they_are_about():
    result = {
        "reasons": [
            "Votre code Holland S-E-R est proche du code RIASEC du métier (R majeur).",
            "1 compétence de votre portefeuille est demandée : Accueillir un client.",
            "Contexte à éviter présent : Travail de nuit.",
        ],
        "to_acquire": ["Pétrir des pâtes"],
    }
    out = pistes.fit_from_match(result, {"fit_interests": "x", "fit_competences": "y"}, None)
    assert "Votre code Holland" in out["fit_interests"]
    assert "Accueillir un client" in out["fit_competences"]
    assert "À acquérir : Pétrir des pâtes." in out["fit_competences"]
    assert "Travail de nuit" in out["fit_constraints"]
    assert "aide à la réflexion" in out["fit_constraints"]


# ---- creating -------------------------------------------------------------------------------


def test_a_piste_from_a_fiche_snapshots_the_metier_and_prefills_from_the_profile(bilan, ref):
    profiled(bilan)
    option = pistes.create_from_metier(bilan=bilan, by=bilan.consultant, code_rome=" d1102 ")
    assert (option.kind, option.origin, option.code_rome, option.rome_version) == (
        CareerOptionKind.ROME,
        CareerOptionOrigin.FICHE,
        "D1102",
        "60",
    )
    assert (option.title, option.metier_label, option.status) == (
        "Boulanger / Boulangère",
        "Boulanger / Boulangère",
        CareerOptionStatus.TO_EXPLORE,
    )
    assert "Accueillir, orienter et renseigner un client (cœur de métier)" in (
        option.fit_competences
    )
    assert "Tenir une caisse" not in option.fit_competences
    assert "Code Holland (test du" in option.fit_interests
    assert ": S-E-R. Profil RIASEC du métier : R (Réaliste)." in option.fit_interests
    assert "J'ai le sens du contact ; Je suis passionné / passionnée par la cuisine" in (
        option.fit_interests
    )
    assert option.fit_constraints == (
        "Contextes de travail à éviter que la fiche mentionne : Travail de nuit."
    )
    assert option.fit_values == "" and option.attraction == ""
    first = option.status_changes.get()
    assert (first.from_status, first.to_status, first.changed_by) == (
        "",
        CareerOptionStatus.TO_EXPLORE,
        bilan.consultant,
    )


def test_without_a_profile_nothing_is_invented(bilan, ref):
    option = pistes.create_from_metier(bilan=bilan, by=bilan.beneficiary, code_rome="K2111")
    assert (option.fit_competences, option.fit_interests, option.fit_constraints) == ("", "", "")


def test_an_unknown_rome_code_is_a_404(bilan, ref):
    with pytest.raises(Http404):
        pistes.create_from_metier(bilan=bilan, by=bilan.beneficiary, code_rome="Z9999")
    assert not CareerOption.objects.exists()


def test_the_same_metier_twice_is_refused_naming_the_existing_piste(bilan, ref):
    pistes.create_from_metier(bilan=bilan, by=bilan.beneficiary, code_rome="D1102")
    with pytest.raises(RuleViolation, match="Une piste existe déjà pour ce métier"):
        pistes.create_from_metier(bilan=bilan, by=bilan.consultant, code_rome="D1102")


def test_a_saved_fiche_carries_what_attracts_and_worries(bilan, ref):
    fiche = SavedFiche.objects.create(
        bilan=bilan,
        metier=ref.formateur,
        code_rome="K2111",
        metier_label="Formateur / Formatrice",
        rome_version="60",
        attracts="Transmettre ce que je sais à des adultes.",
        worries="Les revenus en indépendant.",
    )
    option = pistes.create_from_saved_fiche(
        bilan=bilan, by=bilan.consultant, saved_fiche_id=fiche.pk
    )
    assert (option.attraction, option.drawbacks, option.origin) == (
        "Transmettre ce que je sais à des adultes.",
        "Les revenus en indépendant.",
        CareerOptionOrigin.FICHE,
    )
    assert AuditEvent.objects.filter(object_type="careers.SavedFiche", actor_id=bilan.consultant_id)


def test_a_saved_fiche_of_another_bilan_is_a_404(cast, bilan, ref):
    fiche = SavedFiche.objects.create(bilan=cast.other_bilan, code_rome="K2111", metier_label="F")
    with pytest.raises(Http404):
        pistes.create_from_saved_fiche(bilan=bilan, by=bilan.beneficiary, saved_fiche_id=fiche.pk)


def match_run(bilan, reviewed: bool = True) -> MatchRun:
    from django.utils import timezone

    return MatchRun.objects.create(
        bilan=bilan,
        rome_version="60",
        results=[
            {
                "code_rome": "K2111",
                "label": "Formateur / Formatrice",
                "score": 82,
                "reasons": [
                    "Votre code Holland S-E-R correspond au code RIASEC du métier (S majeur).",
                    "1 compétence de votre portefeuille est demandée : Transmettre une technique.",
                ],
                "to_acquire": ["Concevoir une action de formation"],
            }
        ],
        reviewed_at=timezone.now() if reviewed else None,
        reviewed_by=bilan.consultant if reviewed else None,
    )


def test_a_piste_from_the_matching_carries_the_runs_reasons(bilan, ref):
    run = match_run(bilan)
    option = pistes.create_from_match(
        bilan=bilan, by=bilan.beneficiary, match_run_id=run.pk, code_rome="K2111"
    )
    assert option.origin == CareerOptionOrigin.MATCH
    assert "correspond au code RIASEC" in option.fit_interests
    assert "Transmettre une technique" in option.fit_competences
    assert "À acquérir : Concevoir une action de formation." in option.fit_competences


def test_the_beneficiary_cannot_use_a_run_the_consultant_has_not_reviewed(bilan, ref):
    run = match_run(bilan, reviewed=False)
    with pytest.raises(Http404):
        pistes.create_from_match(
            bilan=bilan, by=bilan.beneficiary, match_run_id=run.pk, code_rome="K2111"
        )
    pistes.create_from_match(
        bilan=bilan, by=bilan.consultant, match_run_id=run.pk, code_rome="K2111"
    )


def test_a_metier_absent_from_the_run_is_refused(bilan, ref):
    run = match_run(bilan)
    with pytest.raises(RuleViolation, match="ne figure pas dans ce rapprochement"):
        pistes.create_from_match(
            bilan=bilan, by=bilan.consultant, match_run_id=run.pk, code_rome="D1102"
        )


@pytest.mark.parametrize("kind", ["free", "business", "training"])
def test_a_free_piste_needs_a_title(bilan, kind):
    with pytest.raises(RuleViolation, match="Donnez un intitulé"):
        free(bilan, kind=kind, title="   ")
    option = free(bilan, kind=kind, title="Reprendre la boulangerie du village", cost="80 000 €")
    assert (option.kind, option.origin, option.code_rome, option.cost) == (
        kind,
        CareerOptionOrigin.FREE,
        "",
        "80 000 €",
    )


def test_a_rome_kind_cannot_be_created_freely(bilan):
    with pytest.raises(RuleViolation, match="Choisissez le type de piste"):
        free(bilan, kind=CareerOptionKind.ROME)


def test_too_long_a_text_is_refused_in_french(bilan):
    with pytest.raises(RuleViolation, match="« Coût » est trop long"):
        free(bilan, cost="x" * 201)


# ---- who and when -----------------------------------------------------------------------


def test_the_administration_may_not_create_nor_read_pistes(cast, bilan):
    with pytest.raises(PermissionDenied):
        free(bilan, by=cast.admin)
    option = free(bilan)
    with pytest.raises(PermissionDenied):
        pistes.read_pistes(reader=cast.admin, bilan=bilan)
    with pytest.raises(PermissionDenied):
        pistes.change_status(option=option, by=cast.admin, to_status="exploring", reason="x")


def test_a_colleague_may_not_write(cast, bilan):
    with pytest.raises(PermissionDenied):
        free(bilan, by=cast.colleague)


@pytest.mark.parametrize("status", [Status.ENQUIRY, Status.CLOSED])
def test_pistes_are_written_only_while_the_bilan_is_in_its_phases(cast, status):
    advance_to(cast.bilan, status)
    with pytest.raises(RuleViolation, match="Impossible d'ajouter une piste professionnelle"):
        free(cast.bilan)


def test_the_consultants_reads_are_audited_not_the_beneficiarys(bilan):
    option = free(bilan)
    pistes.read_pistes(reader=bilan.beneficiary, bilan=bilan)
    assert not AuditEvent.objects.exists()
    pistes.read_piste(reader=bilan.consultant, option=option)
    assert AuditEvent.objects.filter(
        actor_id=bilan.consultant_id, object_type="careers.CareerOption", object_id=str(option.pk)
    ).exists()
    assert AuditEvent.objects.filter(object_type="careers.CareerOptionStatusChange").exists()


# ---- editing and status -----------------------------------------------------------------


def test_both_parties_edit_a_piste(bilan):
    option = free(bilan)
    pistes.update_piste(option=option, by=bilan.consultant, funding="Prêt d'honneur")
    pistes.update_piste(option=option, by=bilan.beneficiary, title="Un café-librairie à Lyon")
    option.refresh_from_db()
    assert (option.title, option.funding) == ("Un café-librairie à Lyon", "Prêt d'honneur")


def test_a_rome_piste_keeps_its_kind(bilan, ref):
    option = pistes.create_from_metier(bilan=bilan, by=bilan.beneficiary, code_rome="D1102")
    with pytest.raises(RuleViolation, match="Le type d'une piste issue du ROME ne change pas"):
        pistes.update_piste(option=option, by=bilan.beneficiary, kind=CareerOptionKind.FREE)


def test_every_status_change_keeps_from_to_reason_who_and_when(bilan):
    option = free(bilan)
    pistes.change_status(
        option=option,
        by=bilan.beneficiary,
        to_status="exploring",
        reason="J'en parle autour de moi.",
    )
    pistes.change_status(
        option=option, by=bilan.consultant, to_status="discarded", reason="Budget hors de portée."
    )
    history = list(option.status_changes.values_list("from_status", "to_status", "reason"))
    assert history == [
        ("", "to_explore", "Piste ajoutée librement."),
        ("to_explore", "exploring", "J'en parle autour de moi."),
        ("exploring", "discarded", "Budget hors de portée."),
    ]
    last = option.status_changes.last()
    assert last.changed_by == bilan.consultant and last.changed_at is not None
    assert option.status == CareerOptionStatus.DISCARDED


def test_a_status_change_without_reason_or_to_the_same_status_is_refused(bilan):
    option = free(bilan)
    with pytest.raises(RuleViolation, match="Indiquez la raison"):
        pistes.change_status(option=option, by=bilan.beneficiary, to_status="exploring", reason=" ")
    with pytest.raises(RuleViolation, match="déjà « à explorer »"):
        pistes.change_status(
            option=option, by=bilan.beneficiary, to_status="to_explore", reason="x"
        )
    with pytest.raises(RuleViolation, match="Choisissez un statut"):
        pistes.change_status(option=option, by=bilan.beneficiary, to_status="maybe", reason="x")
    assert CareerOptionStatusChange.objects.count() == 1


# ---- pages ----------------------------------------------------------------------------------

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


@pytest.mark.parametrize("who", ROLES)
def test_the_staff_pistes_pages_are_for_the_assigned_consultant(cast, bilan, who):
    option = free(bilan)
    client = login(getattr(cast, who))
    for url in [
        reverse("careers:pistes", args=[bilan.pk]),
        reverse("careers:piste", args=[bilan.pk, option.pk]),
        reverse("careers:enquetes", args=[bilan.pk]),
    ]:
        assert client.get(url).status_code == STAFF_EXPECTED[who], url


@pytest.mark.parametrize("who", ROLES)
def test_only_the_assigned_consultant_creates_on_the_staff_side(cast, bilan, who):
    client = login(getattr(cast, who))
    response = client.post(
        reverse("careers:piste_create", args=[bilan.pk]),
        {"kind": "training", "title": "Titre professionnel de formateur"},
    )
    expected = 302 if who == "consultant" else STAFF_EXPECTED[who]
    assert response.status_code == expected
    assert CareerOption.objects.count() == (1 if who == "consultant" else 0)


def test_the_staff_page_shows_pistes_history_and_audits(cast, bilan):
    option = free(bilan)
    page = login(cast.consultant).get(reverse("careers:piste", args=[bilan.pk, option.pk]))
    text = page.content.decode()
    assert "Ouvrir un café-librairie" in text and "Piste ajoutée librement." in text
    assert AuditEvent.objects.filter(actor_id=cast.consultant.pk).exists()


def test_the_consultant_creates_a_piste_from_a_fiche_by_post(cast, bilan, ref):
    client = login(cast.consultant)
    response = client.post(reverse("careers:piste_create", args=[bilan.pk]), {"code_rome": "D1102"})
    option = CareerOption.objects.get()
    assert response.url == reverse("careers:piste", args=[bilan.pk, option.pk])
    page = client.get(response.url).content.decode()
    assert "ROME 4.0 version 60" in page
    again = client.post(reverse("careers:piste_create", args=[bilan.pk]), {"code_rome": "D1102"})
    assert again.url == response.url  # the existing piste, with a message


def test_an_unknown_code_posted_is_a_404(cast, bilan, ref):
    response = login(cast.consultant).post(
        reverse("careers:piste_create", args=[bilan.pk]), {"code_rome": "Z9999"}
    )
    assert response.status_code == 404


def test_a_bad_free_piste_is_rerendered_with_the_input_and_a_french_message(cast, bilan):
    response = login(cast.consultant).post(
        reverse("careers:piste_create", args=[bilan.pk]),
        {"kind": "business", "title": "", "attraction": "Être à mon compte"},
    )
    text = response.content.decode()
    assert response.status_code == 422
    assert "Être à mon compte" in text and "Donnez un intitulé" in text


def test_a_status_change_from_the_staff_page_needs_a_reason(cast, bilan):
    option = free(bilan)
    client = login(cast.consultant)
    url = reverse("careers:piste_status", args=[bilan.pk, option.pk])
    bad = client.post(url, {"to_status": "exploring", "reason": ""})
    assert bad.status_code == 422 and "Indiquez la raison" in bad.content.decode()
    ok = client.post(url, {"to_status": "exploring", "reason": "Premier rendez-vous pris."})
    assert ok.status_code == 302
    option.refresh_from_db()
    assert option.status == "exploring"


def test_a_closed_bilan_shows_a_clear_message(cast, bilan):
    option = free(bilan)
    advance_to(bilan, Status.CLOSED)
    client = login(cast.consultant)
    response = client.post(
        reverse("careers:piste_edit", args=[bilan.pk, option.pk]),
        {"title": "Autre", "kind": "business"},
    )
    assert response.status_code == 422
    assert "Impossible de modifier une piste professionnelle" in response.content.decode()


PORTAL_EXPECTED = {
    "admin": 403,
    "consultant": 403,
    "colleague": 403,
    "beneficiary": 200,
    "other_beneficiary": 404,
    "outsider_admin": 403,
    "outsider_consultant": 403,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_the_portal_piste_pages_are_the_beneficiarys(cast, bilan, who):
    option = free(bilan)
    client = login(getattr(cast, who))
    for url in [
        reverse("portal:piste", args=[option.pk]),
        reverse("portal:piste_edit", args=[option.pk]),
    ]:
        assert client.get(url).status_code == PORTAL_EXPECTED[who], url
    listing = client.get(reverse("portal:pistes"))
    assert listing.status_code == (403 if PORTAL_EXPECTED[who] == 403 else 200)
    if who == "other_beneficiary":
        assert "café-librairie" not in listing.content.decode()


def test_the_beneficiary_adds_from_a_fiche_and_freely_in_the_portal(cast, bilan, ref):
    client = login(cast.beneficiary)
    response = client.post(reverse("portal:piste_create"), {"code_rome": "K2111"})
    option = CareerOption.objects.get()
    assert response.url == reverse("portal:piste", args=[option.pk])
    bad = client.post(
        reverse("portal:piste_create"), {"kind": "training", "title": " ", "cost": "3 000 €"}
    )
    assert bad.status_code == 422 and "3 000 €" in bad.content.decode()
    client.post(reverse("portal:piste_create"), {"kind": "training", "title": "CAP boulanger"})
    page = client.get(reverse("portal:pistes")).content.decode()
    assert "Formateur / Formatrice" in page and "CAP boulanger" in page


def test_the_beneficiary_edits_and_changes_status_in_the_portal(cast, bilan):
    option = free(bilan)
    client = login(cast.beneficiary)
    response = client.post(
        reverse("portal:piste_edit", args=[option.pk]),
        {"kind": "business", "title": "Café-librairie", "advantages": "Être indépendante"},
    )
    assert response.status_code == 302
    client.post(
        reverse("portal:piste_status", args=[option.pk]),
        {"to_status": "exploring", "reason": "Je rencontre une libraire."},
    )
    option.refresh_from_db()
    assert (option.title, option.advantages, option.status) == (
        "Café-librairie",
        "Être indépendante",
        "exploring",
    )
    page = client.get(reverse("portal:piste", args=[option.pk])).content.decode()
    assert "Je rencontre une libraire." in page


def test_the_prefill_on_the_imported_rome_fixture(cast, bilan, rome):
    """K2111 Formateur / Formatrice as imported from the ROME 4.0 v60 fixture."""
    import datetime as dt

    add_experience(
        bilan=bilan,
        by=bilan.beneficiary,
        kind="volunteering",
        title="Animatrice d'ateliers d'alphabétisation",
        start_on=dt.date(2018, 1, 1),
        competences=[
            "Adapter l'apprentissage selon la progression pédagogique, les difficultés rencontrées"
        ],
    )
    riasec_taken(bilan, S=5, A=4, E=3)
    InterestSort.objects.create(bilan=bilan, chosen=[24, 4], avoided_contexts=[300806])
    option = pistes.create_from_metier(bilan=bilan, by=bilan.beneficiary, code_rome="K2111")
    assert option.rome_version == rome.number
    assert "Adapter l'apprentissage selon la progression pédagogique, les difficultés " in (
        option.fit_competences
    )
    assert "S (Social)" in option.fit_interests
    assert "Le type principal du métier figure dans le code Holland." in option.fit_interests
    assert "Je souhaite transmettre" in option.fit_interests
    assert "J'ai le sens du contact" in option.fit_interests
    assert option.fit_constraints == (
        "Contextes de travail à éviter que la fiche mentionne : Travail en journée."
    )


def test_a_typed_unknown_code_is_said_on_the_page_with_the_input_kept(cast, bilan, ref):
    client = login(cast.beneficiary)
    response = client.post(reverse("portal:piste_create"), {"code_rome": "K2999", "typed": "1"})
    text = response.content.decode()
    assert response.status_code == 404
    assert "Aucune fiche métier ROME n&#x27;a le code « K2999 »." in text
    assert 'value="K2999"' in text
    ok = client.post(reverse("portal:piste_create"), {"code_rome": "k2111", "typed": "1"})
    assert ok.status_code == 302 and CareerOption.objects.get().code_rome == "K2111"
