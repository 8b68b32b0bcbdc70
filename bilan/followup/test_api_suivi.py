"""API v1, the suivi's acts that the page offers (issue 12): start_suivi, save_suivi_report,
record_suivi_outcome — each for every role, with the states that refuse; a refused call
saves nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Status
from bilan.demo.testing import close, in_conclusions
from bilan.followup import suivi
from bilan.followup.models import Suivi, SuiviReport

# The suivi is content: the assigned consultant acts, the administration and the beneficiary
# are refused (403), anyone who does not see the bilan gets 404 (other organisation included).
CONSULTANT_ONLY = {
    "consultant": 200,
    "admin": 403,
    "beneficiary": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def closed(cast, monkeypatch):
    return close(cast.bilan, monkeypatch)


@pytest.fixture
def in_suivi(closed):
    suivi.start_suivi(bilan=closed, by=closed.consultant)
    return closed


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


# ---- start_suivi ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_start_suivi_is_the_assigned_consultants_act(api, closed, who):
    response = api.post(f"/bilans/{closed.pk}/suivi/start", who, {})
    assert response.status_code == CONSULTANT_ONLY[who], response.content
    closed.refresh_from_db()
    assert (closed.status == Status.FOLLOW_UP) == (who == "consultant")
    if who == "consultant":
        assert response.json()["status"] == "follow_up"
        assert response.json()["entretien_id"] == Suivi.objects.get().entretien_id
    else:
        assert response.json()["detail"]


def test_start_suivi_without_a_token_is_401(api, closed):
    assert api.post(f"/bilans/{closed.pk}/suivi/start", None, {}).status_code == 401


def test_start_suivi_before_closing_is_409_in_french(api, cast):
    bilan = in_conclusions(cast.bilan)
    response = api.post(f"/bilans/{bilan.pk}/suivi/start", "consultant", {})
    assert response.status_code == 409
    assert "après la clôture du bilan" in response.json()["detail"]
    bilan.refresh_from_db()
    assert bilan.status == Status.CONCLUSIONS


# ---- save_suivi_report ----------------------------------------------------------------------

REPORT = {"advances": "Admise en formation", "recommendations": "Préparer l'oral", "finalise": True}


@pytest.mark.parametrize("who", ROLES)
def test_save_suivi_report_is_the_assigned_consultants_act(api, in_suivi, who):
    response = put(api, f"/bilans/{in_suivi.pk}/suivi/report", who, REPORT)
    assert response.status_code == CONSULTANT_ONLY[who], response.content
    assert SuiviReport.objects.exists() == (who == "consultant")
    if who == "consultant":
        data = response.json()
        assert data["advances"] == "Admise en formation" and data["finalised_at"] is not None
        assert SuiviReport.objects.get().finalised_at is not None


def test_save_suivi_report_before_the_suivi_is_409_and_saves_nothing(api, closed):
    response = put(api, f"/bilans/{closed.pk}/suivi/report", "consultant", REPORT)
    assert response.status_code == 409
    assert "Commencez d'abord le suivi" in response.json()["detail"]
    assert not SuiviReport.objects.exists()


def test_an_empty_report_cannot_be_finalised_and_the_draft_is_kept(api, in_suivi):
    put(api, f"/bilans/{in_suivi.pk}/suivi/report", "consultant", {"advances": "Brouillon"})
    response = put(api, f"/bilans/{in_suivi.pk}/suivi/report", "consultant", {"finalise": True})
    assert response.status_code == 422
    assert response.json()["detail"] == "Le compte-rendu est vide."
    report = SuiviReport.objects.get()
    assert (report.advances, report.finalised_at) == ("Brouillon", None)


# ---- record_suivi_outcome -------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_record_suivi_outcome_is_the_assigned_consultants_act(api, in_suivi, who):
    response = put(api, f"/bilans/{in_suivi.pk}/suivi/outcome", who, {"outcome": "training"})
    assert response.status_code == CONSULTANT_ONLY[who], response.content
    assert (Suivi.objects.get().outcome == "training") == (who == "consultant")
    if who == "consultant":
        assert response.json()["outcome"] == "training"


def test_an_unknown_outcome_is_422(api, in_suivi):
    response = put(api, f"/bilans/{in_suivi.pk}/suivi/outcome", "consultant", {"outcome": "x"})
    assert response.status_code == 422
    assert Suivi.objects.get().outcome == ""


def test_record_suivi_outcome_before_the_suivi_is_409(api, closed):
    response = put(api, f"/bilans/{closed.pk}/suivi/outcome", "consultant", {"outcome": "training"})
    assert response.status_code == 409
    assert Suivi.objects.get().outcome == ""
