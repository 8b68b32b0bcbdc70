"""Closing has one owner (followup.closing): the bilan page's « prêt à clore », the closing page,
the API's checklist and every way to close answer the same list.

The bilan below is the one the bilan page used to call ready (« Tout est prêt pour clore le
bilan ») while closing refused three items: every entretien held, the hours done, the suivi
decision recorded, but no synthèse and no plan d'action."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from bilan.api.test_api import Api
from bilan.bilans.models import Bilan, Status
from bilan.demo.scenario import conclude
from bilan.demo.testing import in_conclusions
from bilan.followup import closing

THE_THREE = [
    "le document de synthèse validé par le ou la bénéficiaire",
    "la remise du document de synthèse",
    "un plan d'action avec au moins une action",
]


def page_missing(client: Client, bilan: Bilan) -> list[str] | None:
    """The bilan page's « Avant de clore » list; None when it says everything is ready."""
    page = client.get(reverse("bilans:detail", args=[bilan.pk])).content.decode()
    found = re.search(r'<ul id="closing-missing">(.*?)</ul>', page, re.S)
    if found is None:
        assert "Tout est prêt pour clore le bilan." in page
        return None
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def closing_page_missing(client: Client, bilan: Bilan) -> list[str]:
    page = client.get(reverse("followup:close", args=[bilan.pk])).content.decode()
    return [html.unescape(k) for k in re.findall(r'<li id="item-(\w+)"><span class="error">', page)]


@pytest.fixture
def half_ready(cast: SimpleNamespace) -> Bilan:
    bilan = in_conclusions(cast.bilan)
    assert bilan.follow_up_decision and not bilan.budget().below_minimum
    return bilan


def test_the_bilan_page_the_closing_page_the_api_and_the_acts_agree(
    cast: SimpleNamespace, client: Client, half_ready: Bilan
) -> None:
    bilan = half_ready
    assert closing.missing(bilan) == THE_THREE
    client.force_login(cast.consultant)

    assert page_missing(client, bilan) == THE_THREE  # it said « Tout est prêt » here
    assert closing_page_missing(client, bilan) == [
        "synthese_validated",
        "synthese_handed_over",
        "action_plan",
    ]
    api = Api(cast)
    checklist = api.get(f"/bilans/{bilan.pk}/closing-checklist", "consultant").json()
    assert [i["missing"] for i in checklist if not i["ok"]] == THE_THREE

    # Each way to close refuses with the same three items, and saves nothing.
    refused = api.post(f"/bilans/{bilan.pk}/close", "consultant", {})
    assert refused.status_code == 409
    assert refused.json()["missing"] == THE_THREE
    advanced = api.post(f"/bilans/{bilan.pk}/advance", "consultant", {"transition": "close"})
    assert advanced.status_code == 409
    assert advanced.json()["detail"] == (
        "Impossible de clore le bilan, il manque : " + " ; ".join(THE_THREE) + "."
    )
    response = client.post(reverse("bilans:transition", args=[bilan.pk, "close"]), follow=True)
    assert "Impossible de clore le bilan, il manque : " + " ; ".join(THE_THREE) in html.unescape(
        response.content.decode()
    )
    bilan.refresh_from_db()
    assert bilan.status == Status.CONCLUSIONS and bilan.closed_on is None

    # Once the owner's list is empty, the page says ready and closing accepts.
    conclude(bilan)
    assert closing.missing(bilan) == []
    assert page_missing(client, bilan) is None
    assert closing_page_missing(client, bilan) == []
    checklist = api.get(f"/bilans/{bilan.pk}/closing-checklist", "consultant").json()
    assert all(i["ok"] for i in checklist)
    closed = api.post(f"/bilans/{bilan.pk}/close", "consultant", {})
    assert closed.status_code == 200 and closed.json()["status"] == Status.CLOSED
