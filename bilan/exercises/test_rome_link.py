"""Linking a competence of the portefeuille to a ROME compétence or savoir: the search
(accents and case aside), the rules (the beneficiary only, in the three phases), the portal
pages, and the matching profile counting the linked code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bilan.bilans.models import RuleViolation, Status
from bilan.careers.profile import profile_for, referential
from bilan.demo.scenario import advance_to
from bilan.exercises.models import ExperienceCompetence
from bilan.exercises.parcours import (
    add_experience,
    link_competence,
    search_rome_items,
    unlink_competence,
)

TRESORERIE = 119892  # « Etablir un reporting de trésorerie » (savoir-faire)
COMPTA = 101360  # « Comptabilité générale » (savoir)
MACRO_TRESORERIE = 300327  # « Gérer la trésorerie, le recouvrement » (macro-compétence)


@pytest.fixture
def bilan(cast, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


@pytest.fixture
def competence(bilan) -> ExperienceCompetence:
    experience = add_experience(
        bilan=bilan,
        by=bilan.beneficiary,
        kind="job",
        title="Trésorière du club",
        start_on=dt.date(2018, 1, 1),
        competences=["Tenir les comptes du club de foot"],
    )
    return experience.competences.get()


# ---- search ---------------------------------------------------------------------------------


def test_the_search_ignores_accents_and_case(rome):
    found = search_rome_items("TRESORERIE")
    assert (TRESORERIE, "Etablir un reporting de trésorerie", "savoir-faire") in found
    assert MACRO_TRESORERIE not in [code for code, _label, _kind in found]


def test_the_search_puts_competences_before_savoirs_shorter_first(rome):
    found = search_rome_items("comptab")
    kinds = [kind for _code, _label, kind in found]
    assert "savoir" in kinds
    assert kinds == sorted(kinds, key=lambda k: k == "savoir")
    competences = [label for _code, label, kind in found if kind != "savoir"]
    assert [len(x) for x in competences] == sorted(len(x) for x in competences)
    assert (COMPTA, "Comptabilité générale", "savoir") in found
    assert search_rome_items("comptab") == found


def test_the_search_matches_every_word_typed(rome):
    assert [c for c, _l, _k in search_rome_items("reporting tresorerie")] == [TRESORERIE]
    assert search_rome_items("tresorerie introuvablexyz") == []


@pytest.mark.parametrize("query", ["", "  ", "ab", "é"])
def test_a_too_short_search_finds_nothing(rome, query):
    assert search_rome_items(query) == []


def test_the_search_respects_the_limit(rome):
    assert len(search_rome_items("des", limit=3)) == 3


# ---- rules ----------------------------------------------------------------------------------


def test_the_beneficiary_links_and_unlinks(bilan, competence):
    link_competence(competence=competence, by=bilan.beneficiary, code_ogr=TRESORERIE)
    competence.refresh_from_db()
    assert competence.rome_code == str(TRESORERIE)
    assert competence.linked_at is not None
    link_competence(competence=competence, by=bilan.beneficiary, code_ogr=str(COMPTA))
    assert ExperienceCompetence.objects.get().rome_code == str(COMPTA)
    unlink_competence(competence=competence, by=bilan.beneficiary)
    competence.refresh_from_db()
    assert (competence.rome_code, competence.linked_at) == ("", None)


@pytest.mark.parametrize("code", [999999999, "abc", ""])
def test_an_unknown_code_is_refused_in_french(bilan, competence, code):
    with pytest.raises(RuleViolation, match="n'est ni une compétence ni un savoir du ROME"):
        link_competence(competence=competence, by=bilan.beneficiary, code_ogr=code)
    assert ExperienceCompetence.objects.get().rome_code == ""


@pytest.mark.parametrize("role", ["consultant", "admin", "other_beneficiary"])
def test_nobody_else_links(cast, bilan, competence, role):
    with pytest.raises(RuleViolation, match="Seul·e le ou la bénéficiaire"):
        link_competence(competence=competence, by=getattr(cast, role), code_ogr=TRESORERIE)
    with pytest.raises(RuleViolation, match="Seul·e le ou la bénéficiaire"):
        unlink_competence(competence=competence, by=getattr(cast, role))
    assert ExperienceCompetence.objects.get().rome_code == ""


def test_no_link_once_the_bilan_is_closed(bilan, competence):
    link_competence(competence=competence, by=bilan.beneficiary, code_ogr=TRESORERIE)
    advance_to(bilan, Status.CLOSED)
    with pytest.raises(RuleViolation, match="Impossible de relier une compétence au ROME"):
        link_competence(competence=competence, by=bilan.beneficiary, code_ogr=COMPTA)
    with pytest.raises(RuleViolation, match="Impossible de délier une compétence du ROME"):
        unlink_competence(competence=competence, by=bilan.beneficiary)
    assert ExperienceCompetence.objects.get().rome_code == str(TRESORERIE)


def test_the_matching_profile_counts_the_linked_code(bilan, competence, rome):
    ref = referential(rome)
    before = profile_for(bilan, ref)
    assert TRESORERIE not in before.profile.held
    assert "Tenir les comptes du club de foot" in before.unrecognised
    link_competence(competence=competence, by=bilan.beneficiary, code_ogr=TRESORERIE)
    after = profile_for(bilan, ref)
    assert after.profile.held[TRESORERIE] == "Tenir les comptes du club de foot"
    assert "Tenir les comptes du club de foot" not in after.unrecognised


# ---- portal pages ---------------------------------------------------------------------------


def test_the_experience_page_offers_the_link(bilan, client, competence):
    client.force_login(bilan.beneficiary)
    url = reverse("portal:parcours_experience", args=[competence.experience_id])
    page = client.get(url).content.decode()
    assert "Relier au ROME" in page
    assert reverse("portal:rome_link", args=[competence.pk]) in page
    link_competence(competence=competence, by=bilan.beneficiary, code_ogr=TRESORERIE)
    page = client.get(url).content.decode()
    assert "Etablir un reporting de trésorerie" in page
    assert "Délier" in page


def test_the_search_page_works_without_js_and_links(bilan, client, competence):
    client.force_login(bilan.beneficiary)
    url = reverse("portal:rome_link", args=[competence.pk])
    page = client.get(url, {"q": "tresorerie"}).content.decode()
    assert "Etablir un reporting de trésorerie" in page
    assert "Relier" in page
    assert "rome-attribution" in page
    response = client.post(url, {"code_ogr": str(TRESORERIE)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "portal:parcours_experience", args=[competence.experience_id]
    )
    assert "est reliée au ROME" in response.content.decode()
    assert ExperienceCompetence.objects.get().rome_code == str(TRESORERIE)


def test_the_search_page_says_when_nothing_matches(bilan, client, competence):
    client.force_login(bilan.beneficiary)
    url = reverse("portal:rome_link", args=[competence.pk])
    assert "Aucune compétence ni aucun savoir" in client.get(url, {"q": "zzzzqq"}).content.decode()
    assert "au moins 3 lettres" in client.get(url, {"q": "ab"}).content.decode()


def test_an_unknown_code_is_refused_on_the_page(bilan, client, competence):
    client.force_login(bilan.beneficiary)
    response = client.post(reverse("portal:rome_link", args=[competence.pk]), {"code_ogr": "42"})
    assert response.status_code == 422
    assert "n&#x27;est ni une compétence ni un savoir du ROME" in response.content.decode()
    assert ExperienceCompetence.objects.get().rome_code == ""


def test_the_beneficiary_unlinks_on_the_page(bilan, client, competence):
    link_competence(competence=competence, by=bilan.beneficiary, code_ogr=TRESORERIE)
    client.force_login(bilan.beneficiary)
    response = client.post(reverse("portal:rome_unlink", args=[competence.pk]))
    assert response.status_code == 302
    assert ExperienceCompetence.objects.get().rome_code == ""


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("other_beneficiary", 404),
        ("outsider_beneficiary", 404),
        ("consultant", 403),
        ("admin", 403),
    ],
)
def test_the_link_pages_are_only_for_the_competences_beneficiary(
    cast, bilan, client, competence, role, expected
):
    link_competence(competence=competence, by=bilan.beneficiary, code_ogr=COMPTA)
    client.force_login(getattr(cast, role))
    link = reverse("portal:rome_link", args=[competence.pk])
    unlink = reverse("portal:rome_unlink", args=[competence.pk])
    assert client.get(link, {"q": "tresorerie"}).status_code == expected
    assert client.post(link, {"code_ogr": str(TRESORERIE)}).status_code == expected
    assert client.post(unlink).status_code == expected
    assert ExperienceCompetence.objects.get().rome_code == str(COMPTA)


def test_out_of_phase_the_page_reads_but_refuses(bilan, client, competence):
    advance_to(bilan, Status.CLOSED)
    client.force_login(bilan.beneficiary)
    url = reverse("portal:rome_link", args=[competence.pk])
    page = client.get(url, {"q": "tresorerie"}).content.decode()
    assert 'name="code_ogr"' not in page
    response = client.post(url, {"code_ogr": str(TRESORERIE)})
    assert response.status_code == 422
    assert "Impossible de relier une compétence au ROME" in response.content.decode()
    assert ExperienceCompetence.objects.get().rome_code == ""
