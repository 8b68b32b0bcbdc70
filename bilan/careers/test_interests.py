"""« Mes centres d'intérêt »: the card sort (choose any, rank a top 5) and « Ce que je veux
éviter », written by the beneficiary while the bilan is in its phases; read by the assigned
consultant (audited)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from bilan.bilans.models import RuleViolation, Status
from bilan.careers.interests import (
    context_groups,
    ranking_from_positions,
    read_interest_sort,
    save_interest_sort,
)
from bilan.careers.models import InterestSort
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to

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
def bilan(cast, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


def save(bilan, **extra) -> InterestSort:
    by = extra.pop("by", bilan.beneficiary)
    fields = {"chosen": [4, 8, 24], "ranked": [24, 4], "avoided_contexts": [300803]} | extra
    return save_interest_sort(bilan=bilan, by=by, **fields)


def test_the_beneficiary_chooses_ranks_and_avoids(bilan):
    sort = save(bilan)
    assert (sort.chosen, sort.ranked, sort.avoided_contexts) == ([4, 8, 24], [24, 4], [300803])
    assert sort.rome_version == "60"
    again = save(bilan, chosen=["9"], ranked=["22"], avoided_contexts=[])
    assert again.pk == sort.pk
    assert (again.chosen, again.ranked, again.avoided_contexts) == ([9, 22], [22], [])


def test_more_than_five_ranked_is_refused_in_french_and_nothing_is_lost(bilan):
    save(bilan)
    with pytest.raises(RuleViolation, match="Classez 5 centres d'intérêt au plus"):
        save(bilan, ranked=[1, 2, 3, 4, 5, 6])
    assert InterestSort.objects.get().ranked == [24, 4]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"chosen": [31]}, "Centre d'intérêt inconnu : « 31 »"),
        ({"ranked": [99]}, "Centre d'intérêt inconnu : « 99 »"),
        ({"chosen": ["abc"]}, "Centre d'intérêt inconnu : « abc »"),
        ({"avoided_contexts": [1]}, "Contexte de travail inconnu : « 1 »"),
    ],
)
def test_unknown_codes_are_refused(bilan, extra, message):
    with pytest.raises(RuleViolation, match=message):
        save(bilan, **extra)
    assert not InterestSort.objects.exists()


def test_ranks_typed_twice_or_out_of_range_are_refused():
    assert ranking_from_positions({4: "2", 24: "1", 8: ""}) == [24, 4]
    with pytest.raises(RuleViolation, match="Deux centres d'intérêt ont le rang 1"):
        ranking_from_positions({4: "1", 24: "1"})
    with pytest.raises(RuleViolation, match="rang de 1 à 5"):
        ranking_from_positions({4: "6"})


@pytest.mark.parametrize("status", [Status.CLOSED])
def test_not_editable_out_of_the_phases(cast, rome, status):
    advance_to(cast.bilan, status)
    with pytest.raises(RuleViolation, match="modifier mes centres d'intérêt"):
        save(cast.bilan)
    assert not InterestSort.objects.exists()


def test_not_editable_before_the_phases(cast, rome):
    with pytest.raises(RuleViolation, match="le bilan est à l'étape « demande »"):
        save(cast.bilan)


@pytest.mark.parametrize("role", ["consultant", "admin", "other_beneficiary"])
def test_only_the_beneficiary_writes(cast, bilan, role):
    with pytest.raises(RuleViolation, match="Seul·e le ou la bénéficiaire"):
        save(bilan, by=getattr(cast, role))


def test_the_consultant_reads_it_audited_and_the_admin_never(cast, bilan):
    sort = save(bilan)
    assert read_interest_sort(reader=cast.consultant, bilan=bilan) == sort
    assert AuditEvent.objects.filter(
        object_type="careers.InterestSort", actor_id=cast.consultant.pk
    ).exists()
    with pytest.raises(PermissionDenied):
        read_interest_sort(reader=cast.admin, bilan=bilan)


def test_contexts_are_grouped_by_type(rome):
    labels = [g.type_label for g in context_groups()]
    assert "Horaires et durée du travail" in labels
    assert len(labels) == len(set(labels))


# ---- the page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_page_is_for_beneficiaries_only(cast, bilan, client, role):
    client.force_login(getattr(cast, role))
    expected = 200 if role.endswith("beneficiary") else 403
    assert client.get(reverse("portal:interests")).status_code == expected


def test_the_page_shows_thirty_cards_with_definitions_and_grouped_contexts(cast, bilan, client):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:interests")).content.decode()
    assert page.count('name="chosen"') == 30
    assert page.count('name="rank_') == 30
    assert "J&#x27;ai envie de créer, construire, rénover" in page
    assert "Ce que je veux éviter" in page and "Horaires et durée du travail" in page
    assert "Source : France Travail, ROME 4.0 version 60" in page


def test_the_beneficiary_saves_from_the_page_without_javascript(cast, bilan, client):
    client.force_login(cast.beneficiary)
    response = client.post(
        reverse("portal:interests"),
        {"chosen": ["4", "8"], "rank_24": "1", "rank_4": "2", "rank_8": "", "avoided": ["300803"]},
    )
    assert response.status_code == 302
    sort = InterestSort.objects.get(bilan=bilan)
    assert (sort.chosen, sort.ranked, sort.avoided_contexts) == ([4, 8, 24], [24, 4], [300803])
    page = client.get(reverse("portal:interests")).content.decode()
    assert "Mon top 5" in page and "Enregistré le" in page


def test_a_refused_save_shows_the_message_and_keeps_what_was_ticked(cast, bilan, client):
    client.force_login(cast.beneficiary)
    response = client.post(
        reverse("portal:interests"), {"chosen": ["4", "8"], "rank_4": "1", "rank_8": "1"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Deux centres d&#x27;intérêt ont le rang 1" in page
    assert 'value="8" checked' in page
    assert not InterestSort.objects.exists()


def test_a_closed_bilan_shows_the_choices_read_only(cast, bilan, client):
    save(bilan)
    advance_to(bilan, Status.CLOSED)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:interests")).content.decode()
    assert "ne se modifient que pendant les phases" in page
    assert "Enregistrer mes choix" not in page
    response = client.post(reverse("portal:interests"), {"chosen": ["1"]})
    assert response.status_code == 422
    assert InterestSort.objects.get().chosen == [4, 8, 24]
