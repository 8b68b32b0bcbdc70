"""API v1, the exercise pages' acts (issue 12): update_experience, delete_experience,
link_competence_to_rome, unlink_competence_from_rome, get_motivations and save_motivations,
through exercises.parcours' owners, for every role; a refused call changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Bilan, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exercises.models import Experience, ExperienceCompetence, MotivationsExercise
from bilan.exercises.parcours import add_experience, link_competence, save_motivations
from bilan.exercises.test_api import body
from bilan.exercises.test_rome_link import COMPTA, TRESORERIE


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def bilan(cast: SimpleNamespace, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


@pytest.fixture
def experience(bilan: Bilan) -> Experience:
    return add_experience(
        bilan=bilan,
        by=bilan.beneficiary,
        kind="job",
        title="Trésorière du club",
        start_on=dt.date(2018, 1, 1),
        competences=["Tenir les comptes du club de foot"],
    )


def put(api: Api, path: str, who: str | None, data: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(data), content_type="application/json", **api.headers(who)
    )


def delete(api: Api, path: str, who: str | None) -> Any:
    return api.client.delete(f"/api/v1{path}", **api.headers(who))


# The parcours is the beneficiary's: the consultant and the administration see the bilan and
# are told no (403), anyone else gets 404 (another organisation's people included).
WRITE = {
    "beneficiary": 200,
    "consultant": 403,
    "admin": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}
# A competence is reached through its beneficiary only: nobody else learns it exists.
OWN = {who: 404 for who in ROLES} | {"beneficiary": 200}


@pytest.mark.parametrize("who", ROLES)
def test_update_experience_is_the_beneficiarys_act(api, experience, who):
    link_competence(
        competence=experience.competences.get(), by=experience.bilan.beneficiary, code_ogr=COMPTA
    )
    new = body(competences=[{"label": "tenir les COMPTES du club de foot"}, {"label": "Animer"}])
    response = put(api, f"/experiences/{experience.pk}", who, new)
    assert response.status_code == WRITE[who], response.content
    experience.refresh_from_db()
    assert (experience.title == "Assistante comptable") == (who == "beneficiary")
    if who == "beneficiary":
        data = response.json()
        assert (data["start"], data["end"], len(data["achievements"])) == ("2015-09", "2019-06", 1)
        kept = {c["label"]: c["rome_code"] for c in data["competences"]}
        assert kept["tenir les COMPTES du club de foot"] == str(COMPTA)  # the link is kept
    else:
        assert response.json()["detail"]


def test_update_experience_with_an_end_before_its_start_is_422_and_changes_nothing(api, experience):
    response = put(
        api, f"/experiences/{experience.pk}", "beneficiary", body(start="2020-01", end="2019-01")
    )
    assert response.status_code == 422
    assert response.json()["detail"]
    experience.refresh_from_db()
    assert experience.title == "Trésorière du club"


@pytest.mark.parametrize("who", ROLES)
def test_delete_experience_is_the_beneficiarys_act(api, experience, who):
    response = delete(api, f"/experiences/{experience.pk}", who)
    expected = 204 if who == "beneficiary" else WRITE[who]
    assert response.status_code == expected, response.content
    assert Experience.objects.filter(pk=experience.pk).exists() == (who != "beneficiary")


def test_nothing_changes_in_a_closed_bilan(api, experience):
    Bilan.objects.filter(pk=experience.bilan_id).update(status=Status.ARCHIVED)
    assert delete(api, f"/experiences/{experience.pk}", "beneficiary").status_code == 409
    assert put(api, f"/experiences/{experience.pk}", "beneficiary", body()).status_code == 409
    experience.refresh_from_db()
    assert experience.title == "Trésorière du club"


@pytest.mark.parametrize("who", ROLES)
def test_link_competence_to_rome_is_its_beneficiarys_act(api, experience, who):
    competence = experience.competences.get()
    response = put(api, f"/competences/{competence.pk}/rome", who, {"code_ogr": TRESORERIE})
    assert response.status_code == OWN[who], response.content
    competence.refresh_from_db()
    assert (competence.rome_code == str(TRESORERIE)) == (who == "beneficiary")
    if who == "beneficiary":
        assert response.json()["rome_code"] == str(TRESORERIE)
        assert response.json()["linked_at"] is not None


def test_an_unknown_rome_code_is_422_in_french(api, experience):
    competence = experience.competences.get()
    response = put(api, f"/competences/{competence.pk}/rome", "beneficiary", {"code_ogr": 1})
    assert response.status_code == 422
    assert "n'est ni une compétence ni un savoir du ROME" in response.json()["detail"]
    competence.refresh_from_db()
    assert competence.rome_code == ""


@pytest.mark.parametrize("who", ROLES)
def test_unlink_competence_from_rome_is_its_beneficiarys_act(api, experience, who):
    competence = experience.competences.get()
    link_competence(competence=competence, by=experience.bilan.beneficiary, code_ogr=TRESORERIE)
    response = delete(api, f"/competences/{competence.pk}/rome", who)
    assert response.status_code == OWN[who], response.content
    competence.refresh_from_db()
    assert (competence.rome_code == "") == (who == "beneficiary")
    if who == "beneficiary":
        assert response.json()["rome_code"] == "" and response.json()["linked_at"] is None


def test_unlinking_in_a_closed_bilan_is_409(api, experience):
    competence = experience.competences.get()
    link_competence(competence=competence, by=experience.bilan.beneficiary, code_ogr=TRESORERIE)
    Bilan.objects.filter(pk=experience.bilan_id).update(status=Status.ARCHIVED)
    assert delete(api, f"/competences/{competence.pk}/rome", "beneficiary").status_code == 409
    assert ExperienceCompetence.objects.get().rome_code == str(TRESORERIE)


# ---- motivations ----------------------------------------------------------------------------

ANSWERS = {"motivates": "Être utile", "constraints": "Rester à Lyon"}


@pytest.mark.parametrize("who", ROLES)
def test_save_motivations_is_the_beneficiarys_act(api, bilan, who):
    response = put(api, f"/bilans/{bilan.pk}/motivations", who, ANSWERS)
    assert response.status_code == WRITE[who], response.content
    assert MotivationsExercise.objects.exists() == (who == "beneficiary")
    if who == "beneficiary":
        data = response.json()
        answers = {a["name"]: a["text"] for a in data["answers"]}
        assert answers["motivates"] == "Être utile" and answers["exhausts"] == ""
        assert data["saved_at"] is not None and data["may_edit"] is True


def test_save_motivations_outside_the_phases_is_409(api, cast, rome):
    response = put(api, f"/bilans/{cast.bilan.pk}/motivations", "beneficiary", ANSWERS)  # demande
    assert response.status_code == 409
    assert not MotivationsExercise.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_get_motivations_for_every_role_and_the_consultants_read_is_audited(api, bilan, who):
    save_motivations(bilan=bilan, by=bilan.beneficiary, **ANSWERS)
    response = api.get(f"/bilans/{bilan.pk}/motivations", who)
    expected = {**WRITE, "consultant": 200}[who]
    assert response.status_code == expected, response.content
    if expected == 200:
        answers = {a["name"]: a["text"] for a in response.json()["answers"]}
        assert answers["constraints"] == "Rester à Lyon"
        assert response.json()["may_edit"] == (who == "beneficiary")
    audited = AuditEvent.objects.filter(
        channel="api", object_type="exercises.MotivationsExercise", actor_id=bilan.consultant_id
    ).exists()
    assert audited == (who == "consultant")
