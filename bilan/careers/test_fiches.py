"""The fiche métier (view-model and pages) and the search pages, staff and portal, on the
hand-written `rome` fixture (a dozen real métiers of ROME 4.0 v60)."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from bilan.careers import search
from bilan.careers.fiches import build_fiche, fiche_as_dict
from bilan.compliance.models import AuditEvent
from bilan.lib.testing import PASSWORD

ATTRIBUTION = "Source : France Travail, ROME 4.0 version 60 — Licence Ouverte"
STAFF = ["admin", "consultant", "colleague", "outsider_admin", "outsider_consultant"]
BENEFICIARIES = ["beneficiary", "other_beneficiary", "outsider_beneficiary"]


@pytest.fixture(autouse=True)
def fresh_index():
    search.forget_index()
    yield
    search.forget_index()


def login(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


# ---- the view-model --------------------------------------------------------------------------


def test_the_fiche_has_everything_rome_says_grouped(rome) -> None:
    f = build_fiche("J1506")
    assert f.label == "Infirmier / Infirmière en soins généraux (IDE)"
    assert (f.grand_domaine, f.domaine, f.domaine_code) == ("Santé", "Soins paramédicaux", "J15")
    assert f.definition[0].startswith("L'infirmier en soins généraux (IDE) dispense des soins")
    assert f.access[0].startswith("Cet emploi est accessible avec un Diplôme d'Etat d'Infirmier")
    assert (f.riasec_major.letter, f.riasec_major.name) == ("S", "Social")
    assert (f.riasec_minor.letter, f.riasec_minor.name) == ("I", "Investigateur")
    assert f.regulated
    # Savoir-faire under their macro-compétence; macro-compétences of the cœur de métier first.
    groups = {g.label: g for g in f.savoir_faire}
    assert groups["Sensibiliser un public"].items[0].label == (
        "Contribuer à promouvoir les pratiques de santé préventive"
    )
    assert groups["Sensibiliser un public"].items[0].core
    assert groups["Respecter les règles d'éthique et de déontologie"].core
    assert [g.has_core for g in f.savoir_faire] == sorted(
        (g.has_core for g in f.savoir_faire), reverse=True
    )
    assert {i.label for i in f.savoir_etre} == {
        "Faire preuve de rigueur et de précision",
        "Organiser son travail selon les priorités et les objectifs",
    }
    assert [g.label for g in f.savoirs] == [
        "Domaines d'expertise",
        "Normes et procédés",
        "Techniques professionnelles",
    ]
    assert {g.label: [i.label for i in g.items] for g in f.contextes} == {
        "Conditions de travail et risques professionnels": ["Déplacements professionnels"],
        "Horaires et durée du travail": [
            "Travail de nuit",
            "Travail les week-ends et jours fériés",
        ],
        "Types de structures": ["Etablissement de santé"],
    }
    assert f.centres[0].label == "Je souhaite prendre soin des autres" and f.centres[0].principal
    assert [(s.label, s.parent) for s in f.secteurs][:2] == [("Santé", ""), ("Médical", "Santé")]
    assert [(m.code_rome, m.label) for m in f.mobilites] == [
        ("J1502", "Cadre de santé d'unité de soins ou de service paramédical"),
        ("K2111", "Formateur / Formatrice"),
    ]
    assert f.appellations[0].label == f.label and f.appellations[0].principal
    assert f.appellations[-1].rarely_used  # « Infirmier libéral », peu usitée, last
    assert len(f.appellations) == 5
    assert (f.rome_version, f.attribution) == ("60", ATTRIBUTION)


def test_a_code_is_found_whatever_its_case_and_an_unknown_one_is_a_404(rome) -> None:
    assert build_fiche(" j1506 ").code_rome == "J1506"
    for code in ["Z9999", "A1101", "", "'; drop table", "J15060"]:
        with pytest.raises(Http404):
            build_fiche(code)


def test_the_fiche_serialises_to_plain_data(rome) -> None:
    data = fiche_as_dict(build_fiche("K1207"))
    assert data["code_rome"] == "K1207"
    assert data["riasec_major"] == {
        "letter": "S",
        "name": "Social",
        "plain": "aider, accompagner, soigner, former, conseiller",
    }
    assert data["mobilites"] == [
        {"code_rome": "K1201", "label": "Assistant social / Assistante sociale"},
        {"code_rome": "K2111", "label": "Formateur / Formatrice"},
    ]


def test_building_a_fiche_takes_a_fixed_number_of_queries(
    rome, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(10):
        build_fiche("J1506")


# ---- staff pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", STAFF)
def test_every_staff_member_of_any_organisation_reads_the_referential(cast, rome, who) -> None:
    client = login(getattr(cast, who))
    page = client.get(reverse("careers:fiche", args=["J1506"]))
    assert page.status_code == 200
    assert client.get(reverse("careers:search"), {"q": "infirmière"}).status_code == 200
    assert not AuditEvent.objects.exists()  # the referential is not content


@pytest.mark.parametrize("who", BENEFICIARIES)
def test_beneficiaries_use_their_own_space_not_the_staff_pages(cast, rome, who) -> None:
    client = login(getattr(cast, who))
    assert client.get(reverse("careers:search")).status_code == 403
    assert client.get(reverse("careers:fiche", args=["J1506"])).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(rome) -> None:
    client = Client()
    for url in [
        reverse("careers:search"),
        reverse("careers:fiche", args=["J1506"]),
        reverse("portal:metiers"),
        reverse("portal:metiers_fiche", args=["J1506"]),
        reverse("portal:recherches"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_the_staff_fiche_page_shows_the_fiche(cast, rome) -> None:
    page = login(cast.consultant).get(reverse("careers:fiche", args=["J1506"]))
    html = page.content.decode()
    for text in [
        "Infirmier / Infirmière en soins généraux (IDE)",
        "Définition",
        "dispense des soins de nature préventive",
        "Accès à l'emploi",
        "Diplôme d&#x27;Etat d&#x27;Infirmier",
        "Savoir-faire",
        "Sensibiliser un public",
        "cœur de métier",
        "Savoir-être professionnels",
        "Faire preuve de rigueur et de précision",
        "Savoirs",
        "Techniques professionnelles",
        "Contextes de travail",
        "Horaires et durée du travail",
        "Travail de nuit",
        "S — Social",
        "I — Investigateur",
        "Je souhaite prendre soin des autres",
        "Secteurs d'activité",
        "Infirmier libéral / Infirmière libérale",
        "peu usitée",
        "emploi réglementé",
        ATTRIBUTION,
    ]:
        assert text in html, text
    # Mobilités link to their fiches.
    assert f'href="{reverse("careers:fiche", args=["J1502"])}"' in html
    assert f'href="{reverse("careers:fiche", args=["K2111"])}"' in html


def test_an_unknown_code_is_a_clear_french_404(cast, rome) -> None:
    for client, name in [
        (login(cast.consultant), "careers:fiche"),
        (login(cast.beneficiary), "portal:metiers_fiche"),
    ]:
        page = client.get(reverse(name, args=["Z9999"]))
        assert page.status_code == 404
        html = page.content.decode()
        assert "Fiche métier introuvable" in html
        assert "Aucune fiche métier n'a le code ROME « Z9999 »" in html


def test_the_staff_search_page_lists_metiers_with_their_best_appellation(cast, rome) -> None:
    client = login(cast.consultant)
    page = client.get(reverse("careers:search"), {"q": "programmeuse"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Développeur / Développeuse informatique" in html
    assert "Programmeur / Programmeuse informatique" in html
    assert f'href="{reverse("careers:fiche", args=["M1805"])}"' in html
    assert ATTRIBUTION in html
    # The form offers the filters.
    assert 'name="domaine"' in html and 'name="riasec"' in html and 'name="centre"' in html
    assert 'name="avoid_contexte"' in html and 'name="require_contexte"' in html
    assert 'hx-trigger="keyup changed delay:250ms"' in html


def test_htmx_gets_only_the_results(cast, rome) -> None:
    client = login(cast.consultant)
    page = client.get(
        reverse("careers:search"), {"q": "educatrice specialisee"}, HTTP_HX_REQUEST="true"
    )
    html = page.content.decode()
    assert html.lstrip().startswith('<section id="metier-results"')
    assert "Educateur spécialisé / Educatrice spécialisée" in html
    assert "<form" not in html
    assert "HX-Request" in page["Vary"]
    # Restoring a page missing from htmx's history cache needs the whole page.
    page = client.get(
        reverse("careers:search"),
        {"q": "educatrice"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<form" in page.content.decode()


def test_filters_narrow_the_staff_search(cast, rome) -> None:
    client = login(cast.consultant)
    html = client.get(reverse("careers:search"), {"q": "agent", "domaine": "A12"}).content.decode()
    assert "Agent / Agente d&#x27;entretien des espaces verts" in html
    html = client.get(reverse("careers:search"), {"q": "agent", "domaine": "K"}).content.decode()
    assert "Aucun métier ne correspond à « agent »" in html
    # An empty query with a filter lists the filtered métiers.
    html = client.get(reverse("careers:search"), {"domaine": "M"}).content.decode()
    assert "Comptable" in html and "Formateur" not in html


@pytest.mark.parametrize(
    "q",
    ["x" * 500, "!!!???", "'; DROP TABLE careers_metier; --", "<script>alert(1)</script>"],
)
def test_absurd_queries_get_a_french_message_never_an_error(cast, rome, q) -> None:
    for client, name in [
        (login(cast.consultant), "careers:search"),
        (login(cast.beneficiary), "portal:metiers"),
    ]:
        page = client.get(reverse(name), {"q": q, "centre": "abc", "riasec": "??"})
        assert page.status_code == 200
        html = page.content.decode()
        assert "Aucun métier ne correspond" in html
        assert "<script>alert" not in html


def test_a_long_query_is_cut_with_a_message(cast, rome) -> None:
    page = login(cast.consultant).get(reverse("careers:search"), {"q": "infirmière " * 20})
    assert "raccourcie à 100 caractères" in page.content.decode()


def test_an_empty_query_prompts(cast, rome) -> None:
    page = login(cast.beneficiary).get(reverse("portal:metiers"))
    assert "Tapez un métier" in page.content.decode()


# ---- portal pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", BENEFICIARIES)
def test_every_beneficiary_searches_and_reads_fiches_in_their_space(cast, rome, who) -> None:
    client = login(getattr(cast, who))
    page = client.get(reverse("portal:metiers"), {"q": "infirmiere"})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="{reverse("portal:metiers_fiche", args=["J1506"])}"' in html
    assert "Mes recherches" in html  # portal/base.html's space, with its own sub-navigation
    fiche = client.get(reverse("portal:metiers_fiche", args=["J1506"]))
    assert fiche.status_code == 200
    html = fiche.content.decode()
    assert "Sensibiliser un public" in html and ATTRIBUTION in html
    assert f'href="{reverse("portal:metiers_fiche", args=["K2111"])}"' in html


@pytest.mark.parametrize("who", STAFF)
def test_staff_do_not_use_the_beneficiary_space(cast, rome, who) -> None:
    client = login(getattr(cast, who))
    assert client.get(reverse("portal:metiers")).status_code == 403
    assert client.get(reverse("portal:metiers_fiche", args=["J1506"])).status_code == 403


def test_the_portal_search_works_without_javascript_and_with_htmx(cast, rome) -> None:
    client = login(cast.beneficiary)
    html = client.get(reverse("portal:metiers"), {"q": "aide soignante"}).content.decode()
    assert '<form method="get"' in html and 'name="q"' in html
    partial = client.get(reverse("portal:metiers"), {"q": "infirmi"}, HTTP_HX_REQUEST="true")
    assert "Infirmier / Infirmière en soins généraux (IDE)" in partial.content.decode()
    assert "<nav" not in partial.content.decode()


def test_more_results_are_one_link_away(cast, rome, monkeypatch) -> None:
    monkeypatch.setattr(search, "DEFAULT_LIMIT", 2)
    client = login(cast.consultant)
    html = client.get(reverse("careers:search"), {"riasec": "S"}).content.decode()
    assert html.count("<li>") >= 2 and 'id="metier-more"' in html
    assert "limit=100" in html and "riasec=S" in html
    html = client.get(reverse("careers:search"), {"riasec": "S", "limit": "100"}).content.decode()
    assert 'id="metier-more"' not in html
