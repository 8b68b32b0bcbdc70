"""API v1 guides: list_guides and get_guide for every member of the cast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from bilan.api.test_api import Api
from bilan.entretiens import guides
from bilan.entretiens.models import InterviewGuide

DATA = Path(settings.BASE_DIR) / "bilan/entretiens/data/default_guide_v1.json"


@pytest.fixture
def api(cast) -> Api:
    return Api(cast)


@pytest.fixture
def versions(cast) -> list[InterviewGuide]:
    v1 = guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    v2 = guides.edit_guide(
        v1,
        acting_user=cast.admin,
        content=guides.remove_question(v1.content, interview="accueil", question="g1-q1"),
    )
    return [v1, v2]


@pytest.mark.parametrize("who", [None, "bad_token"])
@pytest.mark.parametrize("path", ["/guides", "/guides/{id}"])
def test_the_guide_endpoints_answer_401_without_a_valid_token(api, cast, who, path):
    response = api.get(path.format(id=guides.default_guide().pk), who)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Authentification requise")


@pytest.mark.parametrize("who", ["beneficiary", "other_beneficiary", "outsider_beneficiary"])
def test_beneficiaries_get_403_on_the_guides(api, cast, versions, who):
    assert api.get("/guides", who).status_code == 403
    for guide in (guides.default_guide(), versions[1]):
        response = api.get(f"/guides/{guide.pk}", who)
        assert response.status_code == 403
        assert response.json()["detail"]


@pytest.mark.parametrize("who", ["admin", "consultant", "colleague"])
def test_staff_list_the_default_guide_and_their_organisations_versions(api, cast, versions, who):
    response = api.get("/guides", who)
    assert response.status_code == 200
    default = guides.default_guide()
    v1, v2 = versions
    assert [(g["id"], g["version"], g["is_default"], g["is_current"]) for g in response.json()] == [
        (default.pk, 1, True, True),
        (v2.pk, 2, False, True),
        (v1.pk, 1, False, False),
    ]
    first = response.json()[0]
    assert first["name"] == "Guide d'entretien du bilan de compétences"
    assert first["source"] == "Support pour les entretiens du bilan de compétences (seed 004)"
    assert first["based_on_id"] is None
    assert response.json()[1]["based_on_id"] == v1.pk
    assert "interviews" not in first


@pytest.mark.parametrize("who", ["outsider_admin", "outsider_consultant"])
def test_another_organisation_lists_only_the_default_guide(api, cast, versions, who):
    response = api.get("/guides", who)
    assert response.status_code == 200
    assert [g["id"] for g in response.json()] == [guides.default_guide().pk]


@pytest.mark.parametrize("who", ["admin", "consultant", "outsider_admin", "outsider_consultant"])
def test_staff_read_the_whole_default_guide(api, cast, who):
    default = guides.default_guide()
    response = api.get(f"/guides/{default.pk}", who)
    assert response.status_code == 200
    body = response.json()
    assert body["interviews"] == json.loads(DATA.read_text(encoding="utf-8"))["interviews"]
    assert len(body["interviews"]) == 10
    assert body["interviews"][0]["question_groups"][0]["questions"][0]["text"] == (
        "Pouvez-vous me parler de ce qui vous amène à faire un bilan de compétences aujourd'hui ?"
    )


@pytest.mark.parametrize("who", ["admin", "consultant", "colleague"])
def test_staff_read_each_version_of_their_organisations_guide(api, cast, versions, who):
    v1, v2 = versions
    old = api.get(f"/guides/{v1.pk}", who).json()
    new = api.get(f"/guides/{v2.pk}", who).json()
    assert (old["version"], old["is_current"], new["version"], new["is_current"]) == (
        1,
        False,
        2,
        True,
    )
    assert len(old["interviews"][0]["question_groups"][0]["questions"]) == 3
    assert [q["id"] for q in new["interviews"][0]["question_groups"][0]["questions"]] == [
        "g1-q2",
        "g1-q3",
    ]


@pytest.mark.parametrize("who", ["outsider_admin", "outsider_consultant"])
def test_another_organisations_guide_is_a_404(api, cast, versions, who):
    response = api.get(f"/guides/{versions[1].pk}", who)
    assert response.status_code == 404
    assert response.json() == {"detail": "Ressource introuvable."}


def test_an_unknown_guide_is_a_404_and_a_malformed_id_a_422(api, cast):
    assert api.get("/guides/999999", "admin").status_code == 404
    assert api.get("/guides/abc", "admin").status_code == 422
    assert api.get(f"/guides/{2**63}", "admin").status_code == 422


def test_the_guide_endpoints_are_documented_with_their_errors(api, cast):
    schema = api.client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]: op for item in schema["paths"].values() for op in item.values()
    }
    assert set(operations["list_guides"]["responses"]) >= {"200", "401", "403"}
    assert set(operations["get_guide"]["responses"]) >= {"200", "401", "403", "404"}
