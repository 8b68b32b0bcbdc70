"""Rules that the staff page and the API used to answer differently: each now has one owner in
the core, and each test here asks the page and the API the same question and expects the same
answer (allowed or refused, the same status, the same French message, nothing saved)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from bilan.api.test_api import Api
from bilan.bilans.models import Bilan

# ---- 1. who plans the hours ---------------------------------------------------------------


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.mark.parametrize("who,allowed", [("consultant", True), ("admin", False)])
def test_the_programme_of_hours_is_the_consultants_act_on_the_page_and_in_the_api(
    cast: SimpleNamespace, client: Client, api: Api, who: str, allowed: bool
) -> None:
    client.force_login(getattr(cast, who))
    detail = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert (reverse("bilans:hours", args=[cast.bilan.pk]) in detail) == allowed  # offered or not
    page = client.post(
        reverse("bilans:hours", args=[cast.bilan.pk]), {"accompaniment": "16", "personal": "4"}
    )
    cast.bilan.refresh_from_db()
    page_saved = cast.bilan.planned_accompaniment_minutes == 16 * 60
    Bilan.objects.filter(pk=cast.bilan.pk).update(planned_accompaniment_minutes=0)

    body = {"accompaniment_minutes": 16 * 60, "personal_minutes": 4 * 60}
    response = api.post(f"/bilans/{cast.bilan.pk}/hours", who, body)
    cast.bilan.refresh_from_db()
    api_saved = cast.bilan.planned_accompaniment_minutes == 16 * 60

    assert page_saved == api_saved == allowed
    assert (page.status_code, response.status_code) == ((302, 200) if allowed else (403, 403))
    if not allowed:
        assert response.json() == {
            "detail": "Vous n'êtes pas autorisé·e à faire cela sur ce bilan."
        }
