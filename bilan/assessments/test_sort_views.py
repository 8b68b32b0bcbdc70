"""The card sorts as the beneficiary takes them (valeurs professionnelles with the separately
consented health constraint, auto-évaluation with the portefeuille and the consultant's
additions), and who may see what."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bilan.assessments.administrations import (
    save_ratings,
    save_values,
    set_extra_competences,
    start_test,
    submit_test,
    withdraw_health_consent,
)
from bilan.assessments.instruments import get_instrument
from bilan.assessments.models import AdministrationStatus, Result
from bilan.bilans.models import RuleViolation, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exercises.models import Experience, ExperienceCompetence, ExperienceKind

HEALTH = "Pas de port de charges lourdes"
CARDS = [c["id"] for c in get_instrument("work_values").data["cards"]]
DEFAULTS = [c["id"] for c in get_instrument("self_assessment").data["default_competences"]]


@pytest.fixture
def bilan(cast):
    return advance_to(cast.bilan, Status.INVESTIGATION)


def values_started(bilan):
    return start_test(bilan=bilan, by=bilan.beneficiary, code="work_values", sorts=True)


def values_taken(bilan, *, health: bool = True) -> Result:
    administration = values_started(bilan)
    cards = dict.fromkeys(CARDS, "secondaire") | {"autonomie": "indispensable"}
    save_values(
        administration=administration,
        by=bilan.beneficiary,
        cards=cards,
        non_negotiables="Pas de travail de nuit",
        constraints={"mobility": "30 km", "health": HEALTH},
        health_consent=health,
    )
    return submit_test(administration=administration, by=bilan.beneficiary)


def form_of(administration, **extra):
    data = {f"card-{c}": "important" for c in CARDS}
    data.update(non_negotiables="", **extra)
    return data


# ---- the domain -------------------------------------------------------------------------


def test_the_item_api_still_refuses_card_sorts_but_the_portal_starts_them(cast, bilan):
    with pytest.raises(RuleViolation, match="pas encore en ligne"):
        start_test(bilan=bilan, by=cast.beneficiary, code="work_values")
    for code in ("work_values", "self_assessment"):
        administration = start_test(bilan=bilan, by=cast.beneficiary, code=code, sorts=True)
        assert administration.status == AdministrationStatus.IN_PROGRESS
        assert start_test(bilan=bilan, by=cast.beneficiary, code=code, sorts=True) == administration


def test_health_is_kept_only_with_explicit_consent_and_erased_when_withdrawn(cast, bilan):
    administration = values_started(bilan)
    save_values(
        administration=administration,
        by=cast.beneficiary,
        cards={"autonomie": "important"},
        constraints={"health": HEALTH, "hours": "journée"},
        health_consent=False,
    )
    administration.refresh_from_db()
    assert administration.answers["constraints"] == {"hours": "journée"}
    assert "health_consent" not in administration.answers
    save_values(
        administration=administration,
        by=cast.beneficiary,
        cards={},
        constraints={"health": HEALTH},
        health_consent=True,
    )
    administration.refresh_from_db()
    consent = administration.answers["health_consent"]
    assert consent["at"] and "santé" in consent["text"] and consent["notice"]
    assert administration.answers["constraints"] == {"health": HEALTH}
    save_values(administration=administration, by=cast.beneficiary, cards={}, health_consent=False)
    administration.refresh_from_db()
    assert "health_consent" not in administration.answers
    assert HEALTH not in str(administration.answers)


def test_an_incomplete_card_sort_names_the_missing_cards_and_scores_nothing(cast, bilan):
    administration = values_started(bilan)
    save_values(
        administration=administration, by=cast.beneficiary, cards={"autonomie": "important"}
    )
    with pytest.raises(RuleViolation, match=r"Il reste 24 carte\(s\)"):
        submit_test(administration=administration, by=cast.beneficiary)
    assert not Result.objects.exists()
    with pytest.raises(RuleViolation, match="Catégorie inconnue"):
        save_values(administration=administration, by=cast.beneficiary, cards={"autonomie": "x"})
    administration.refresh_from_db()
    assert administration.answers["cards"] == {"autonomie": "important"}


def test_the_summary_is_frozen_once_and_keeps_no_health_text(cast, bilan):
    result = values_taken(bilan)
    assert result.scores["categories"][0]["cards"] == ["autonomie"]
    assert HEALTH not in str(result.scores)
    with pytest.raises(RuleViolation, match="déjà été envoyé"):
        submit_test(administration=result.administration, by=cast.beneficiary)
    with pytest.raises(RuleViolation, match="ne se modifient plus"):
        save_values(administration=result.administration, by=cast.beneficiary, cards={})
    withdraw_health_consent(administration=result.administration, by=cast.beneficiary)
    result.administration.refresh_from_db()
    assert HEALTH not in str(result.administration.answers)


def test_only_the_beneficiary_sorts_and_only_the_assigned_consultant_adds_competences(cast, bilan):
    values = values_started(bilan)
    rating = start_test(bilan=bilan, by=cast.beneficiary, code="self_assessment", sorts=True)
    for who in (cast.consultant, cast.admin, cast.other_beneficiary):
        with pytest.raises(RuleViolation):
            save_values(administration=values, by=who, cards={"autonomie": "important"})
        with pytest.raises(RuleViolation):
            save_ratings(administration=rating, by=who, ratings={DEFAULTS[0]: 2})
    for who in (cast.beneficiary, cast.colleague, cast.admin, cast.outsider_consultant):
        with pytest.raises(RuleViolation) as refused:
            set_extra_competences(administration=rating, by=who, text="Souder")
        assert refused.value.code == "forbidden"
    set_extra_competences(administration=rating, by=cast.consultant, text="Souder\nsouder")
    rating.refresh_from_db()
    assert rating.answers["extra_competences"] == ["Souder"]


def test_the_self_assessment_rates_defaults_portfolio_and_consultant_competences(cast, bilan):
    experience = Experience.objects.create(
        bilan=bilan, kind=ExperienceKind.values[0], title="Magasinier", start_on="2020-01-01"
    )
    for label in ("Gérer un stock", "gerer un STOCK", "Communiquer à l'oral"):
        ExperienceCompetence.objects.create(experience=experience, label=label)
    administration = start_test(
        bilan=bilan, by=cast.beneficiary, code="self_assessment", sorts=True
    )
    set_extra_competences(
        administration=administration, by=cast.consultant, text="Conduire un chariot"
    )
    ratings = dict.fromkeys(DEFAULTS, 2) | {"gerer un stock": 4}
    save_ratings(administration=administration, by=cast.beneficiary, ratings=ratings)
    with pytest.raises(RuleViolation, match="Conduire un chariot"):
        submit_test(administration=administration, by=cast.beneficiary)
    with pytest.raises(RuleViolation, match="de 1 à 4"):
        save_ratings(administration=administration, by=cast.beneficiary, ratings={DEFAULTS[0]: 5})
    save_ratings(
        administration=administration, by=cast.beneficiary, ratings={"conduire un chariot": 1}
    )
    result = submit_test(administration=administration, by=cast.beneficiary)
    levels = {lv["value"]: lv["competences"] for lv in result.scores["levels"]}
    assert levels[4] == ["Gérer un stock"] and levels[1] == ["Conduire un chariot"]
    assert len(levels[2]) == 16


# ---- the pages --------------------------------------------------------------------------


def test_both_sorts_appear_in_my_tests_with_their_presentation_and_can_be_declined(
    client, cast, bilan
):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:tests")).content.decode()
    assert 'id="test-work_values"' in page and 'id="test-self_assessment"' in page
    about = client.get(reverse("portal:test_about", args=["work_values"]))
    assert about.status_code == 200
    assert "Qui interprète" in about.content.decode() and "Décliner" in about.content.decode()
    response = client.post(reverse("portal:test_about", args=["self_assessment"]), {"decline": "1"})
    assert response.status_code == 302
    assert bilan.tests.get(instrument_code="self_assessment").status == "declined"
    response = client.post(reverse("portal:test_about", args=["work_values"]), {"start": "1"})
    administration = bilan.tests.get(instrument_code="work_values")
    assert response.url == reverse("portal:test_take", args=[administration.pk])


def test_the_health_field_shows_only_after_consent_and_the_sort_works_without_js(
    client, cast, bilan
):
    administration = values_started(bilan)
    url = reverse("portal:test_take", args=[administration.pk])
    client.force_login(cast.beneficiary)
    page = client.get(url).content.decode()
    assert 'name="card-autonomie"' in page and 'name="health_consent"' in page
    assert 'name="constraint-health"' not in page and 'name="constraint-mobility"' in page
    # A health text posted without consent is not kept.
    client.post(url, form_of(administration, **{"constraint-health": HEALTH, "save": "1"}))
    administration.refresh_from_db()
    assert HEALTH not in str(administration.answers)
    assert client.post(url, form_of(administration, health_consent="on")).status_code == 302
    page = client.get(url).content.decode()
    assert 'name="constraint-health"' in page
    client.post(url, form_of(administration, health_consent="on", **{"constraint-health": HEALTH}))
    administration.refresh_from_db()
    assert administration.answers["constraints"]["health"] == HEALTH
    # htmx autosave: unticking erases and asks for a refresh to hide the field.
    response = client.post(url, form_of(administration), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    administration.refresh_from_db()
    assert HEALTH not in str(administration.answers)
    bad = client.post(url, {"card-autonomie": "vital"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "Catégorie inconnue" in bad.content.decode()
    response = client.post(url, form_of(administration, finish="1"))
    assert response.url == reverse("portal:test_result", args=[administration.pk])


def test_the_values_result_page_ranks_values_says_no_score_and_lets_withdraw(client, cast, bilan):
    result = values_taken(bilan)
    client.force_login(cast.beneficiary)
    url = reverse("portal:test_result", args=[result.administration_id])
    page = client.get(url).content.decode()
    assert "ni score ni norme" in page and "Autonomie" in page and HEALTH in page
    assert "Pas de travail de nuit" in page and "30 km" in page
    pdf = client.get(reverse("portal:test_result_pdf", args=[result.administration_id]))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "ni score ni norme" in text and "Autonomie" in text and "L6313-4" in text
    assert client.post(url, {"withdraw_health": "1"}).status_code == 302
    assert HEALTH not in client.get(url).content.decode()


def test_the_self_assessment_page_shows_each_level_example_and_the_result_groups_by_level(
    client, cast, bilan
):
    administration = start_test(
        bilan=bilan, by=cast.beneficiary, code="self_assessment", sorts=True
    )
    url = reverse("portal:test_take", args=[administration.pk])
    client.force_login(cast.beneficiary)
    page = client.get(url).content.decode()
    data = get_instrument("self_assessment").data
    assert all(level["example"].replace("'", "&#x27;") in page for level in data["levels"])
    response = client.post(url, {f"rate-{c}": "3" for c in DEFAULTS[:-1]} | {"finish": "1"})
    assert response.status_code == 422 and "Il reste 1 compétence" in response.content.decode()
    client.post(url, {f"rate-{DEFAULTS[-1]}": "4", "finish": "1"})
    page = client.get(reverse("portal:test_result", args=[administration.pk])).content.decode()
    assert (
        'id="level-4"' in page
        and data["default_competences"][-1]["label"].replace("'", "&#x27;") in page
    )


@pytest.mark.parametrize(
    "who,status",
    [
        ("beneficiary", 200),
        ("other_beneficiary", 404),
        ("consultant", 403),
        ("colleague", 403),
        ("admin", 403),
        ("outsider_beneficiary", 404),
    ],
)
def test_the_portal_sort_pages_are_the_beneficiarys_only(client, cast, bilan, who, status):
    result = values_taken(bilan)
    in_progress = start_test(bilan=bilan, by=cast.beneficiary, code="self_assessment", sorts=True)
    client.force_login(getattr(cast, who))
    for url in (
        reverse("portal:test_result", args=[result.administration_id]),
        reverse("portal:test_take", args=[in_progress.pk]),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        if status != 200:
            assert HEALTH.encode() not in response.content
    response = client.post(
        reverse("portal:test_take", args=[in_progress.pk]), {f"rate-{DEFAULTS[0]}": "2"}
    )
    assert response.status_code in ((302,) if status == 200 else (status,))


@pytest.mark.parametrize(
    "who,status",
    [
        ("consultant", 200),
        ("colleague", 404),
        ("admin", 403),
        ("outsider_consultant", 404),
        ("outsider_admin", 404),
        ("beneficiary", 403),
    ],
)
def test_staff_see_the_values_with_health_only_if_assigned(client, cast, bilan, who, status):
    result = values_taken(bilan)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("assessments:result", args=[result.administration_id]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Autonomie" in page and HEALTH in page and "ni score ni norme" in page
        assert AuditEvent.objects.filter(actor_id=cast.consultant.pk, action="read").exists()
    else:
        assert HEALTH.encode() not in response.content


@pytest.mark.parametrize(
    "who,status",
    [
        ("consultant", 200),
        ("colleague", 404),
        ("admin", 403),
        ("outsider_consultant", 404),
        ("outsider_admin", 404),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
    ],
)
def test_only_the_assigned_consultant_opens_the_extra_competences_form(
    client, cast, bilan, who, status
):
    administration = start_test(
        bilan=bilan, by=cast.beneficiary, code="self_assessment", sorts=True
    )
    url = reverse("assessments:extra_competences", args=[administration.pk])
    client.force_login(getattr(cast, who))
    assert client.get(url).status_code == status
    response = client.post(url, {"labels": "Souder\nConduire un chariot"})
    administration.refresh_from_db()
    if status == 200:
        listing = client.get(reverse("assessments:bilan_tests", args=[bilan.pk])).content.decode()
        assert url in listing
        assert response.status_code == 302
        assert administration.answers["extra_competences"] == ["Souder", "Conduire un chariot"]
        take = reverse("portal:test_take", args=[administration.pk])
        client.force_login(cast.beneficiary)
        assert "Conduire un chariot" in client.get(take).content.decode()
    else:
        assert response.status_code == status
        assert "extra_competences" not in administration.answers


def test_the_consultant_cannot_add_competences_once_submitted_or_to_another_test(
    client, cast, bilan
):
    result = values_taken(bilan)
    client.force_login(cast.consultant)
    url = reverse("assessments:extra_competences", args=[result.administration_id])
    assert client.get(url).status_code == 403
    rating = start_test(bilan=bilan, by=cast.beneficiary, code="self_assessment", sorts=True)
    rating.status = AdministrationStatus.DECLINED
    rating.save()
    url = reverse("assessments:extra_competences", args=[rating.pk])
    response = client.post(url, {"labels": "Souder"})
    assert response.status_code == 422 and "terminé" in response.content.decode()
