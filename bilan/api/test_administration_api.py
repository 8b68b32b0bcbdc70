"""API v1, update_administration: the bilan page's « Informations administratives » through
bilans.actions.update_bilan_administration, for every role; the same rule as the page (and as
opening a bilan) refuses a lacking record, and a refusal saves nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Bilan, Status
from bilan.bilans.test_one_answer import LACKING
from bilan.bilans.test_views import administration


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


# The administrative record: the assigned consultant and the admin correct it, as on the page;
# the beneficiary sees the bilan and is refused (403); anyone else gets 404.
EXPECTED = {
    "consultant": 200,
    "admin": 200,
    "beneficiary": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_update_administration_for_every_role(api, cast, who):
    response = put(api, f"/bilans/{cast.bilan.pk}/administration", who, administration())
    assert response.status_code == EXPECTED[who], response.content
    cast.bilan.refresh_from_db()
    cast.beneficiary.refresh_from_db()
    changed = EXPECTED[who] == 200
    assert (cast.bilan.funding_reference == "CPF-987654321") is changed
    assert (cast.beneficiary.last_name == "Bénéfique") is changed
    if changed:
        data = response.json()
        assert (data["situation"], data["funding_reference"]) == ("job_seeker", "CPF-987654321")
        assert data["beneficiary"]["name"] == "Bruno Bénéfique"
    else:
        assert response.json()["detail"]


def test_update_administration_without_a_token_is_401(api, cast):
    assert (
        put(api, f"/bilans/{cast.bilan.pk}/administration", None, administration()).status_code
        == 401
    )


@pytest.mark.parametrize("lacking,field,message", LACKING)
def test_a_lacking_record_gets_the_pages_answer_and_nothing_is_half_saved(
    api: Api,
    cast: SimpleNamespace,
    client: Client,
    lacking: dict[str, str],
    field: str,
    message: str,
) -> None:
    body = {
        "first_name": "Bruno",
        "last_name": "Nouveau nom",
        "situation": "employee",
        "funding_route": "personal",
        **lacking,
    }
    response = put(api, f"/bilans/{cast.bilan.pk}/administration", "consultant", body)
    assert response.status_code == 422
    assert response.json() == {"detail": message}
    client.force_login(cast.consultant)
    page = client.post(reverse("bilans:administration", args=[cast.bilan.pk]), body)
    assert page.status_code == 422 and page.context["admin_form"].errors[field] == [message]
    cast.bilan.refresh_from_db()
    cast.beneficiary.refresh_from_db()
    assert (cast.bilan.situation, cast.bilan.funding_route) == ("employee", "cpf")
    assert cast.beneficiary.last_name == "Bénéf"


def test_an_archived_bilans_record_is_409(api, cast):
    Bilan.objects.filter(pk=cast.bilan.pk).update(status=Status.ARCHIVED)
    response = put(api, f"/bilans/{cast.bilan.pk}/administration", "admin", administration())
    assert response.status_code == 409
    assert "modifier les informations administratives" in response.json()["detail"]
    cast.bilan.refresh_from_db()
    assert cast.bilan.funding_reference == "CPF-123456789"
