"""API v1, the matching page's pins and exclusions (decide_match, undo_match_decision) and the
research page's « Retirer » (remove_saved_fiche), through the pages' owners
(matches.decide_and_rank, matches.undo_and_rank, research.remove_fiche), for every role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Bilan, Status
from bilan.careers import matches
from bilan.careers.models import MatchDecision, MatchRun, SavedFiche
from bilan.careers.research import save_fiche
from bilan.careers.test_matches import give_riasec
from bilan.demo.scenario import advance_to


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def bilan(cast: SimpleNamespace, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    give_riasec(cast.bilan, S=38, C=30)
    return cast.bilan


def consultant_only(who: str, ok: int) -> int:
    """The matching is the assigned consultant's: the administration and the beneficiary are
    refused (403), anyone who does not see the bilan gets 404 (other organisation included)."""
    if who == "consultant":
        return ok
    return 403 if who in ("admin", "beneficiary") else 404


def codes(data: dict) -> list[str]:
    return [s["code_rome"] for s in data["suggestions"]]


@pytest.mark.parametrize("who", ROLES)
def test_decide_match_is_the_assigned_consultants_act_and_reranks(api, bilan, who):
    body = {"code_rome": "k1201", "decision": "exclude", "reason": "Déjà exploré"}
    response = api.post(f"/bilans/{bilan.pk}/match-decisions", who, body)
    assert response.status_code == consultant_only(who, 201), response.content
    assert MatchDecision.objects.exists() == (who == "consultant")
    assert MatchRun.objects.exists() == (who == "consultant")
    if who == "consultant":
        data = response.json()
        assert "K1201" not in codes(data) and data["run_id"] == MatchRun.objects.get().pk
        assert data["decisions"] == [
            {
                "code_rome": "K1201",
                "label": MatchDecision.objects.get().metier_label,
                "decision": "exclude",
                "reason": "Déjà exploré",
                "decided_at": data["decisions"][0]["decided_at"],
            }
        ]
    else:
        assert response.json()["detail"]


def test_a_pin_comes_first_with_its_reason(api, bilan):
    body = {"code_rome": "A1202", "decision": "pin", "reason": "Son projet"}
    data = api.post(f"/bilans/{bilan.pk}/match-decisions?limit=5", "consultant", body).json()
    pinned = next(s for s in data["suggestions"] if s["code_rome"] == "A1202")
    assert pinned["pinned"] and pinned["pin_reason"] == "Son projet"


def test_an_unknown_code_is_422_in_french_and_saves_nothing(api, bilan):
    body = {"code_rome": "Z9999", "decision": "pin"}
    response = api.post(f"/bilans/{bilan.pk}/match-decisions", "consultant", body)
    assert response.status_code == 422
    assert response.json()["detail"] == "Code ROME inconnu : « Z9999 »."
    assert not MatchDecision.objects.exists() and not MatchRun.objects.exists()


def test_a_refused_ranking_keeps_no_decision(api, bilan, monkeypatch):
    def refuse(**kwargs: object) -> None:
        raise matches.RuleViolation("Calcul refusé.")

    monkeypatch.setattr(matches, "compute_run", refuse)
    body = {"code_rome": "K1201", "decision": "exclude"}
    response = api.post(f"/bilans/{bilan.pk}/match-decisions", "consultant", body)
    assert response.status_code == 409
    assert not MatchDecision.objects.exists()


def test_deciding_outside_the_phases_is_409(api, cast, rome):
    body = {"code_rome": "K1201", "decision": "exclude"}
    response = api.post(f"/bilans/{cast.bilan.pk}/match-decisions", "consultant", body)  # demande
    assert response.status_code == 409
    assert not MatchDecision.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_undo_match_decision_is_the_assigned_consultants_act(api, cast, bilan, who):
    matches.decide(bilan=bilan, by=cast.consultant, code_rome="K1201", decision="exclude")
    response = api.client.delete(
        f"/api/v1/bilans/{bilan.pk}/match-decisions/K1201", **api.headers(who)
    )
    assert response.status_code == consultant_only(who, 200), response.content
    assert MatchDecision.objects.exists() == (who != "consultant")
    if who == "consultant":
        data = response.json()
        assert "K1201" in codes(data) and data["decisions"] == []


# ---- the research: remove a saved fiche ----------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_remove_saved_fiche_is_the_beneficiarys_act(api, cast, rome, who):
    advance_to(cast.bilan, Status.PRELIMINARY)
    saved, _created = save_fiche(bilan=cast.bilan, by=cast.beneficiary, code_rome="J1506")
    response = api.client.delete(
        f"/api/v1/bilans/{cast.bilan.pk}/recherches/{saved.pk}", **api.headers(who)
    )
    expected = {"beneficiary": 204, "consultant": 403, "admin": 403}.get(who, 404)
    assert response.status_code == expected, response.content
    assert SavedFiche.objects.exists() == (who != "beneficiary")
    if expected == 403:
        assert "Seul·e le ou la bénéficiaire" in response.json()["detail"]


def test_remove_saved_fiche_of_another_bilan_is_404(api, cast, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    saved, _created = save_fiche(bilan=cast.bilan, by=cast.beneficiary, code_rome="J1506")
    response = api.client.delete(
        f"/api/v1/bilans/{cast.other_bilan.pk}/recherches/{saved.pk}", **api.headers("beneficiary")
    )
    assert response.status_code == 404
    assert SavedFiche.objects.exists()


def test_remove_saved_fiche_outside_the_phases_is_409(api, cast, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    saved, _created = save_fiche(bilan=cast.bilan, by=cast.beneficiary, code_rome="J1506")
    Bilan.objects.filter(pk=cast.bilan.pk).update(status=Status.ARCHIVED)
    response = api.client.delete(
        f"/api/v1/bilans/{cast.bilan.pk}/recherches/{saved.pk}", **api.headers("beneficiary")
    )
    assert response.status_code == 409
    assert SavedFiche.objects.exists()
