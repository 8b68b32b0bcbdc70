"""Improvement actions (REQ-47): from a complaint, a survey result, an audit finding or the
watch; owner, due date, status, effect measured — the owner, the pages and the API."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import RuleViolation
from bilan.quality import complaints, improvements
from bilan.quality.models import Complaint, ImprovementAction

STAFF = {"admin", "consultant", "colleague", "outsider_admin", "outsider_consultant"}
SOON = timezone.localdate() + dt.timedelta(days=30)


def complaint(cast: SimpleNamespace) -> Complaint:
    return complaints.create_complaint(
        organisation=cast.org, by=cast.beneficiary, text="Locaux bruyants.", category="other"
    )


def action(cast: SimpleNamespace, **extra: Any) -> ImprovementAction:
    fields: dict[str, Any] = dict(
        organisation=cast.org,
        by=cast.admin,
        source="complaint",
        complaint=complaint(cast),
        title="Insonoriser le bureau 2",
        owner=cast.consultant,
        due_on=SOON,
    )
    fields.update(extra)
    return improvements.create_improvement(**fields)


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def patch(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    client: Any = api.client
    return client.patch(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


def test_an_action_from_a_complaint_is_followed_to_its_measured_effect(
    cast: SimpleNamespace,
) -> None:
    a = action(cast)
    assert a.status == "planned" and a.complaint is not None and not a.is_late
    with pytest.raises(RuleViolation, match="une fois l'action réalisée"):
        improvements.update_improvement(action=a, by=cast.admin, effect="Moins de bruit")
    a = improvements.update_improvement(action=a, by=cast.admin, status="in_progress")
    a = improvements.update_improvement(
        action=a, by=cast.admin, status="done", effect="Plus aucune plainte sur le bruit."
    )
    assert a.status == "done" and a.effect_measured_on == timezone.localdate()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"source": "survey", "complaint": None}, "enquête"),
        ({"source": "audit", "complaint": None}, "constat"),
        ({"source": "watch", "complaint": None}, "constat"),
        ({"complaint": None}, "réclamation"),
        ({"title": "  "}, "Décrivez l'action"),
        ({"owner": None}, "responsable"),
        ({"due_on": None}, "échéance"),
        ({"due_on": dt.date(2000, 1, 1)}, "échéance"),
        ({"source": "nope"}, "origine"),
    ],
)
def test_a_bad_action_is_refused_in_french_and_nothing_saved(
    cast: SimpleNamespace, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(RuleViolation, match=message):
        action(cast, **extra)
    assert not ImprovementAction.objects.exists()


def test_the_other_sources_keep_only_what_they_need(cast: SimpleNamespace) -> None:
    a = action(cast, source="survey", survey_kind="hot")
    assert a.complaint is None and a.survey_kind == "hot"
    b = action(cast, source="audit", source_note="Écart mineur sur l'indicateur 22.")
    assert b.complaint is None and b.survey_kind == ""
    with pytest.raises(RuleViolation, match="responsable"):
        action(cast, owner=cast.beneficiary)
    with pytest.raises(RuleViolation, match="responsable"):
        action(cast, owner=cast.outsider_consultant)


def test_only_an_admin_of_the_organisation_manages_actions(cast: SimpleNamespace) -> None:
    for who in (cast.consultant, cast.beneficiary, cast.outsider_admin):
        with pytest.raises(RuleViolation, match="administrateur"):
            action(cast, by=who)
    a = action(cast)
    with pytest.raises(RuleViolation, match="administrateur"):
        improvements.update_improvement(action=a, by=cast.consultant, status="done")
    a.refresh_from_db()
    assert a.status == "planned"


def test_the_pages_for_every_role(cast: SimpleNamespace) -> None:
    a = action(cast)
    client = Client()
    urls = [reverse("quality:improvements"), reverse("quality:improvement", args=[a.pk])]
    assert [client.get(u).status_code for u in urls] == [302, 302]
    client.force_login(cast.beneficiary)
    assert [client.get(u).status_code for u in urls] == [403, 403]
    client.force_login(cast.outsider_admin)
    assert client.get(urls[1]).status_code == 404
    client.force_login(cast.consultant)
    assert [client.get(u).status_code for u in urls] == [200, 200]
    refused = client.post(reverse("quality:improvement_update", args=[a.pk]), {"status": "done"})
    assert refused.status_code == 403
    client.force_login(cast.admin)
    prefilled = client.get(urls[0] + f"?complaint={a.complaint_id}").content.decode()
    assert f'value="{a.complaint_id}" selected' in prefilled
    form = {"source": "watch", "title": "Mettre à jour la notice", "owner": str(cast.admin.pk),
            "due_on": SOON.isoformat(), "source_note": ""}  # fmt: skip
    bad = client.post(reverse("quality:improvement_new"), form)
    assert bad.status_code == 422 and "Mettre à jour la notice" in bad.content.decode()
    form["source_note"] = "Décret 2026 sur la durée minimale."
    assert client.post(reverse("quality:improvement_new"), form).status_code == 302
    done = client.post(
        reverse("quality:improvement_update", args=[a.pk]),
        {"status": "done", "owner": str(cast.consultant.pk), "due_on": SOON.isoformat(),
         "effect": "Mesuré."},
    )  # fmt: skip
    assert done.status_code == 302
    a.refresh_from_db()
    assert a.status == "done" and a.effect == "Mesuré."


@pytest.mark.parametrize("who", [*ROLES, None])
def test_list_improvements_for_every_role(api: Api, cast: SimpleNamespace, who: str | None) -> None:
    action(cast)
    response = api.get("/quality/improvements", who)
    assert response.status_code == (401 if who is None else 200 if who in STAFF else 403)
    if response.status_code == 200:
        assert len(response.json()) == (1 if who in {"admin", "consultant", "colleague"} else 0)


@pytest.mark.parametrize("who", [*ROLES, None])
def test_create_improvement_for_every_role(
    api: Api, cast: SimpleNamespace, who: str | None
) -> None:
    body = {"source": "survey", "survey_kind": "cold", "title": "Relancer à 6 mois",
            "owner_id": cast.consultant.pk, "due_on": SOON.isoformat()}  # fmt: skip
    response = api.post("/quality/improvements", who, body)
    expected = {None: 401, "admin": 201, "outsider_admin": 422}.get(str(who) if who else None, 403)
    assert response.status_code == expected  # the outsider admin: not their team member
    assert ImprovementAction.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize("who", [*ROLES, None])
def test_update_improvement_for_every_role(
    api: Api, cast: SimpleNamespace, who: str | None
) -> None:
    a = action(cast)
    response = patch(api, f"/quality/improvements/{a.pk}", who, {"status": "in_progress"})
    expected = {None: 401, "admin": 200, "consultant": 403, "colleague": 403}.get(
        who, 404 if who in STAFF else 403
    )
    assert response.status_code == expected
    a.refresh_from_db()
    assert (a.status == "in_progress") is (expected == 200)


def test_update_improvement_refuses_an_effect_before_it_is_done(
    api: Api, cast: SimpleNamespace
) -> None:
    a = action(cast)
    body = {"effect": "trop tôt", "owner_id": cast.beneficiary.pk}
    response = patch(api, f"/quality/improvements/{a.pk}", "admin", body)
    assert response.status_code == 422
    a.refresh_from_db()
    assert a.effect == "" and a.owner == cast.consultant
