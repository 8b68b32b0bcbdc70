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


# ---- 2. the administrative record: « autre » needs a detail, the CPF its file number ----------

NEW_BILAN = {
    "email": "nouvelle@exemple.test",
    "first_name": "Nora",
    "last_name": "Nouvelle",
    "situation": "job_seeker",
    "situation_detail": "",
    "request_text": "Je veux changer de voie.",
    "funding_route": "personal",
    "funding_reference": "",
    "format": "remote",
}
LACKING = [
    ({"situation": "other"}, "situation_detail", "Précisez la situation."),
    ({"funding_route": "cpf"}, "funding_reference", "Indiquez le numéro de dossier CPF."),
]


@pytest.mark.parametrize("lacking,field,message", LACKING)
def test_opening_a_bilan_with_a_lacking_record_is_refused_alike_on_the_page_and_in_the_api(
    cast: SimpleNamespace,
    client: Client,
    api: Api,
    lacking: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = Bilan.objects.count()
    client.force_login(cast.consultant)
    page = client.post(
        reverse("bilans:create"), {**NEW_BILAN, **lacking, "consultant": cast.consultant.pk}
    )
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    assert page.context["form"]["email"].value() == "nouvelle@exemple.test"  # nothing lost

    response = api.post("/bilans", "consultant", {**NEW_BILAN, **lacking})
    assert response.status_code == 422
    assert response.json() == {"detail": message}
    assert Bilan.objects.count() == before


@pytest.mark.parametrize("lacking,field,message", LACKING)
def test_correcting_the_record_is_refused_by_the_same_rule_as_opening_it(
    cast: SimpleNamespace, client: Client, lacking: dict[str, str], field: str, message: str
) -> None:
    client.force_login(cast.consultant)
    page = client.post(
        reverse("bilans:administration", args=[cast.bilan.pk]),
        {
            "first_name": "Bruno",
            "last_name": "Bénéf",
            "situation": "employee",
            "funding_route": "personal",
            **lacking,
        },
    )
    assert page.status_code == 422
    assert page.context["admin_form"].errors[field] == [message]
    cast.bilan.refresh_from_db()
    assert (cast.bilan.situation, cast.bilan.funding_route) == ("employee", "cpf")


# ---- 3. whom a new bilan goes to ------------------------------------------------------------

OWN_FOLLOW_UP = (
    "Un·e consultant·e ouvre un bilan pour son propre suivi ; "
    "l'administration peut ensuite le confier à un·e collègue."
)


@pytest.mark.parametrize("who,allowed", [("consultant", False), ("admin", True)])
def test_a_bilan_for_a_colleague_gets_the_same_answer_on_the_page_and_in_the_api(
    cast: SimpleNamespace, client: Client, api: Api, who: str, allowed: bool
) -> None:
    client.force_login(getattr(cast, who))
    page = client.post(
        reverse("bilans:create"),
        {**NEW_BILAN, "email": "page@exemple.test", "consultant": cast.colleague.pk},
    )
    response = api.post(
        "/bilans",
        who,
        {**NEW_BILAN, "email": "api@exemple.test", "consultant_id": cast.colleague.pk},
    )
    opened = {
        email: Bilan.objects.filter(beneficiary__email=email, consultant=cast.colleague).exists()
        for email in ("page@exemple.test", "api@exemple.test")
    }
    assert opened == {"page@exemple.test": allowed, "api@exemple.test": allowed}
    if allowed:
        assert (page.status_code, response.status_code) == (302, 201)
    else:
        assert (page.status_code, response.status_code) == (403, 403)
        assert page.context["form"].non_field_errors() == [OWN_FOLLOW_UP]
        assert page.context["form"]["email"].value() == "page@exemple.test"  # nothing lost
        assert response.json() == {"detail": OWN_FOLLOW_UP}


@pytest.mark.parametrize(
    "who,offered", [("consultant", ["consultant"]), ("admin", ["consultant", "colleague"])]
)
def test_the_create_page_offers_the_consultants_the_rule_lets_the_person_choose(
    cast: SimpleNamespace, client: Client, who: str, offered: list[str]
) -> None:
    client.force_login(getattr(cast, who))
    form = client.get(reverse("bilans:create")).context["form"]
    choices = {pk for pk, _label in form.fields["consultant"].choices}
    assert choices == {getattr(cast, name).pk for name in offered}
