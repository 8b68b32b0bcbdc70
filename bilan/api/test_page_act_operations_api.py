"""API v1, the operations added so that every page act has one (issue 12): get_interests and
save_interests, record_preliminary_outputs, list_entretiens, prefill_synthese and
download_synthese_render, each for every member of the cast, with its French refusals; a
refused call saves nothing."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Bilan, BilanFraming, Phase, Status
from bilan.careers import matches
from bilan.careers.interests import save_interest_sort
from bilan.careers.models import InterestSort
from bilan.careers.test_matches import give_riasec
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.demo.testing import add_action
from bilan.demo.testing import close as close_bilan
from bilan.documents import synthese as service
from bilan.documents.models import SECTIONS, RenderJob, SyntheseVersion
from bilan.documents.tasks import render_synthese
from bilan.entretiens.assignments import assign_work, complete_assignment
from bilan.entretiens.models import Assignment, AssignmentKind, Entretien
from bilan.entretiens.test_conduct import make_entretien
from bilan.exchanges.journal import write_entry
from bilan.exchanges.models import JournalEntry
from bilan.followup.models import Action, ActionPlan


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


def content_readers(ok: int) -> dict[str, int]:
    """Content (REQ-54): the beneficiary and the assigned consultant; the administration 403;
    anyone who does not see the bilan 404."""
    return {
        "beneficiary": ok,
        "consultant": ok,
        "admin": 403,
        "colleague": 404,
        "other_beneficiary": 404,
        "outsider_admin": 404,
        "outsider_consultant": 404,
        "outsider_beneficiary": 404,
    }


# ---- centres d'intérêt ---------------------------------------------------------------------


@pytest.fixture
def preliminary(cast: SimpleNamespace, rome: Any) -> Any:
    return advance_to(cast.bilan, Status.PRELIMINARY)


SORT = {"chosen": [4, 8, 24], "ranked": [24, 4], "avoided_contexts": [300803]}


@pytest.mark.parametrize("who", ROLES)
def test_get_interests_for_every_role(api, preliminary, who):
    save_interest_sort(bilan=preliminary, by=preliminary.beneficiary, **SORT)
    response = api.get(f"/bilans/{preliminary.pk}/interests", who)
    assert response.status_code == content_readers(200)[who], response.content
    if response.status_code == 200:
        data = response.json()
        assert (data["chosen"], data["ranked"], data["avoided_contexts"]) == (
            [4, 8, 24],
            [24, 4],
            [300803],
        )
        assert data["saved"] and data["rome_version"] == "60"
        assert data["may_edit"] == (who == "beneficiary")
        assert len(data["centres"]) == 30
        assert 300803 in {c["code"] for c in data["contexts"]}
    if response.status_code == 403:
        assert "réservés au ou à la bénéficiaire" in response.json()["detail"]


def test_get_interests_before_any_choice_and_the_consultants_read_is_audited(api, preliminary):
    data = api.get(f"/bilans/{preliminary.pk}/interests", "consultant").json()
    assert not data["saved"] and data["chosen"] == [] and data["updated_at"] is None
    save_interest_sort(bilan=preliminary, by=preliminary.beneficiary, **SORT)
    api.get(f"/bilans/{preliminary.pk}/interests", "consultant")
    assert AuditEvent.objects.filter(
        channel="api", object_type="careers.InterestSort", actor_id=preliminary.consultant_id
    ).exists()


SAVE = {
    "beneficiary": 200,
    "consultant": 403,  # reads, never chooses for the beneficiary
    "admin": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_save_interests_is_the_beneficiarys_act(api, preliminary, who):
    response = put(api, f"/bilans/{preliminary.pk}/interests", who, SORT)
    assert response.status_code == SAVE[who], response.content
    assert InterestSort.objects.exists() == (who == "beneficiary")
    if who == "consultant":
        assert response.json()["detail"] == (
            "Seul·e le ou la bénéficiaire choisit ses centres d'intérêt."
        )
    if who == "beneficiary":
        assert response.json()["ranked"] == [24, 4]


def test_save_interests_without_a_token_is_401(api, preliminary):
    assert put(api, f"/bilans/{preliminary.pk}/interests", None, SORT).status_code == 401


@pytest.mark.parametrize(
    "body, message",
    [
        ({"ranked": [1, 2, 3, 4, 5, 6]}, "Classez 5 centres d'intérêt au plus"),
        ({"chosen": [31]}, "Centre d'intérêt inconnu : « 31 »"),
        ({"avoided_contexts": [1]}, "Contexte de travail inconnu : « 1 »"),
    ],
)
def test_a_refused_choice_is_422_in_french_and_keeps_the_saved_one(api, preliminary, body, message):
    save_interest_sort(bilan=preliminary, by=preliminary.beneficiary, **SORT)
    response = put(api, f"/bilans/{preliminary.pk}/interests", "beneficiary", body)
    assert response.status_code == 422 and message in response.json()["detail"]
    assert InterestSort.objects.get().ranked == [24, 4]


def test_save_interests_outside_the_phases_is_409(api, cast, rome):
    response = put(api, f"/bilans/{cast.bilan.pk}/interests", "beneficiary", SORT)  # demande
    assert response.status_code == 409, response.content
    assert "modifier mes centres d'intérêt" in response.json()["detail"]
    assert not InterestSort.objects.exists()


# ---- the preliminary phase's outputs ---------------------------------------------------------

OUTPUTS = {
    "needs_analysis": "Reconversion vers le soin.",
    "format": "mixed",
    "rhythm": "Un entretien par quinzaine",
    "agreed_arrangements": "Six entretiens, un test, une enquête métier.",
}
RECORD = {
    "consultant": 200,
    "admin": 403,
    "beneficiary": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_record_preliminary_outputs_is_the_assigned_consultants_act(api, cast, who):
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    framing = BilanFraming.objects.get(bilan=bilan)
    framing.needs_analysis = "avant"  # save(): the field is encrypted, update() cannot seal it
    framing.save(update_fields=["needs_analysis"])
    response = api.post(f"/bilans/{bilan.pk}/preliminary-outputs", who, OUTPUTS)
    assert response.status_code == RECORD[who], response.content
    bilan.refresh_from_db()
    framing = bilan.framing_or_empty()
    if who == "consultant":
        content = response.json()["content"]
        assert content["needs_analysis"] == "Reconversion vers le soin."
        assert content["agreed_arrangements"] == OUTPUTS["agreed_arrangements"]
        assert content["arrangements_validations"]["beneficiary_validated_at"] is None
        assert (bilan.format, bilan.rhythm) == ("mixed", "Un entretien par quinzaine")
        assert bilan.format_confirmed_at is not None
    else:
        assert framing.needs_analysis != "Reconversion vers le soin."
        assert bilan.rhythm != "Un entretien par quinzaine"
    if response.status_code == 403:
        assert response.json()["detail"]  # a French sentence, in the error shape


def test_record_preliminary_outputs_outside_the_phase_is_409_and_saves_nothing(api, cast):
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    before = bilan.framing_or_empty().needs_analysis
    response = api.post(f"/bilans/{bilan.pk}/preliminary-outputs", "consultant", OUTPUTS)
    assert response.status_code == 409, response.content
    assert "modifier les résultats de la phase préliminaire" in response.json()["detail"]
    bilan.refresh_from_db()
    assert bilan.framing_or_empty().needs_analysis == before


def test_record_preliminary_outputs_refuses_a_bad_format(api, cast):
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    response = api.post(
        f"/bilans/{bilan.pk}/preliminary-outputs", "consultant", {**OUTPUTS, "format": "x"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Requête invalide, vérifiez : body.payload.format")


# ---- a bilan's entretiens --------------------------------------------------------------------

SEE_BILAN = {
    "consultant": 200,
    "admin": 200,  # the administrative record, as on the bilan's page
    "beneficiary": 200,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_list_entretiens_for_every_role(api, cast, who):
    entretien = make_entretien(cast)
    response = api.get(f"/bilans/{cast.bilan.pk}/entretiens", who)
    assert response.status_code == SEE_BILAN[who], response.content
    if response.status_code == 200:
        data = response.json()
        expected = Entretien.objects.filter(bilan=cast.bilan).order_by("starts_at", "pk")
        assert [e["id"] for e in data] == [e.pk for e in expected]
        assert entretien.pk in [e["id"] for e in data]
        assert data[0]["bilan_id"] == cast.bilan.pk and "notes" not in data[0]


def test_list_entretiens_is_in_date_order_and_empty_without_any(api, cast):
    assert api.get(f"/bilans/{cast.bilan.pk}/entretiens", "consultant").json() == []
    advance_to(cast.bilan, Status.PRELIMINARY)
    later, sooner = (
        Entretien.schedule(
            bilan=cast.bilan,
            by=cast.consultant,
            phase=Phase.PRELIMINARY,
            starts_at=timezone.now() + dt.timedelta(days=days),
            planned_minutes=60,
        )
        for days in (9, 3)
    )
    ids = [e["id"] for e in api.get(f"/bilans/{cast.bilan.pk}/entretiens", "consultant").json()]
    assert ids.index(sooner.pk) == ids.index(later.pk) - 1  # by date, not by creation
    assert set(ids) == set(Entretien.objects.filter(bilan=cast.bilan).values_list("pk", flat=True))
    assert api.get("/bilans/999999/entretiens", "consultant").status_code == 404


# ---- the synthèse: prefill, and the rendered file ---------------------------------------------


@pytest.fixture(autouse=True)
def _private_roots(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def conclusions(cast: SimpleNamespace) -> Any:
    return advance_to(cast.bilan, Status.CONCLUSIONS)


PREFILL = {
    "consultant": 200,
    "admin": 403,
    "beneficiary": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_prefill_synthese_starts_it_prefilled_for_the_consultant_only(api, conclusions, who):
    response = api.post(f"/bilans/{conclusions.pk}/synthese/prefill", who, {})
    assert response.status_code == PREFILL[who], response.content
    started = service.synthese_of(conclusions)
    assert (started is not None) == (who == "consultant")
    if who == "consultant":
        data = response.json()
        assert data["started"] and data["version_number"] == 1
        assert started.latest().note == "préremplissage depuis le bilan"
    if who == "beneficiary":
        assert response.json()["detail"] == (
            "Seul·e le ou la consultant·e du bilan rédige le document de synthèse."
        )


def test_prefill_synthese_again_makes_a_new_version_of_the_sections_named(api, cast, conclusions):
    synthese = service.start_synthese(bilan=conclusions, by=cast.consultant, prefilled=False)
    service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={k: "<p>Mien</p>" for k in SECTIONS}
    )
    key = next(iter(SECTIONS))
    response = api.post(f"/bilans/{conclusions.pk}/synthese/prefill", "consultant", {"keys": [key]})
    assert response.status_code == 200, response.content
    latest = synthese.latest()
    assert latest.number == 3 and latest.note == "préremplissage"
    others = [k for k in SECTIONS if k != key]
    assert all(latest.section(k) == "<p>Mien</p>" for k in others)
    bad = api.post(f"/bilans/{conclusions.pk}/synthese/prefill", "consultant", {"keys": ["x"]})
    assert bad.status_code == 422
    assert SyntheseVersion.objects.filter(synthese=synthese).count() == 3


def submitted(cast: SimpleNamespace) -> Any:
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={k: f"<p>{k}</p>" for k in SECTIONS}
    )
    return service.submit_for_observations(synthese=synthese, by=cast.consultant)


def done_job(cast: SimpleNamespace, synthese: Any, who: str = "consultant") -> RenderJob:
    job = service.request_render(synthese=synthese, by=getattr(cast, who), fmt="pdf")
    render_synthese(job.pk)
    job.refresh_from_db()
    return job


def file_path(job: RenderJob) -> str:
    return f"/bilans/{job.synthese.bilan_id}/synthese/renders/{job.pk}/file"


@pytest.mark.parametrize("who", ROLES)
def test_the_rendered_file_is_downloaded_with_a_token_as_on_the_web(api, cast, conclusions, who):
    job = done_job(cast, submitted(cast), who="beneficiary")
    response = api.get(file_path(job), who)
    assert response.status_code == content_readers(200)[who], response.content
    if response.status_code == 200:
        assert b"".join(response.streaming_content)[:5] == b"%PDF-"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert f"synthese-{cast.bilan.reference}-v2.pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
    else:
        assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


def test_the_job_gives_its_api_file_url_and_the_consultants_download_is_audited(
    api, cast, conclusions
):
    job = done_job(cast, submitted(cast))
    polled = api.get(f"/bilans/{conclusions.pk}/synthese/renders/{job.pk}", "consultant").json()
    assert polled["file_url"] == f"/api/v1{file_path(job)}"
    assert api.get(file_path(job), "consultant").status_code == 200
    assert AuditEvent.objects.filter(
        actor_id=cast.consultant.pk,
        action="export",
        object_type="documents.RenderJob",
        channel="api",
    ).exists()


def test_a_file_not_ready_is_409_and_a_draft_is_not_the_beneficiarys(api, cast, conclusions):
    synthese = submitted(cast)
    queued = service.request_render(synthese=synthese, by=cast.consultant, fmt="docx")
    response = api.get(file_path(queued), "consultant")
    assert response.status_code == 409 and "pas encore prêt" in response.json()["detail"]
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "Nouveau"})
    draft = done_job(cast, synthese)  # version 3, never submitted
    assert api.get(file_path(draft), "beneficiary").status_code == 404
    other = f"/bilans/999999/synthese/renders/{draft.pk}/file"
    assert api.get(other, "consultant").status_code == 404


# ---- acts found by the map test: personal work, consent withdrawal, cancellation, submission --

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


@pytest.mark.parametrize("who", ROLES)
def test_record_personal_work_is_the_assigned_consultants_act(api, cast, who):
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    response = api.post(f"/bilans/{bilan.pk}/personal-work", who, {"minutes": 150})
    assert response.status_code == CONSULTANT_ONLY[who], response.content
    bilan.refresh_from_db()
    assert (bilan.delivered_personal_minutes == 150) == (who == "consultant")
    if who == "admin":
        assert response.json()["detail"] == "Vous n'êtes pas autorisé·e à faire cela sur ce bilan."


def test_record_personal_work_outside_the_phases_is_409(api, cast):
    Bilan.objects.filter(pk=cast.bilan.pk).update(status=Status.INTERRUPTED)
    response = api.post(f"/bilans/{cast.bilan.pk}/personal-work", "consultant", {"minutes": 60})
    assert response.status_code == 409
    assert "enregistrer le travail personnel" in response.json()["detail"]
    cast.bilan.refresh_from_db()
    assert cast.bilan.delivered_personal_minutes == 0


WITHDRAW = {
    "beneficiary": 200,
    "consultant": 403,
    "admin": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_withdraw_consent_is_the_beneficiarys_act_and_interrupts(api, cast, who):
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    response = api.post(f"/bilans/{bilan.pk}/consent/withdrawal", who, {})
    assert response.status_code == WITHDRAW[who], response.content
    bilan.refresh_from_db()
    assert (bilan.status == Status.INTERRUPTED) == (who == "beneficiary")
    assert (bilan.active_consent() is None) == (who == "beneficiary")
    if who == "consultant":
        assert response.json()["detail"] == (
            "Seul·e le ou la bénéficiaire peut retirer son consentement."
        )


def test_withdrawing_twice_is_409(api, cast):
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    api.post(f"/bilans/{bilan.pk}/consent/withdrawal", "beneficiary", {})
    again = api.post(f"/bilans/{bilan.pk}/consent/withdrawal", "beneficiary", {})
    assert again.status_code == 409
    assert again.json()["detail"] == "Aucun consentement en cours à retirer."


def planned(cast: SimpleNamespace) -> Entretien:
    advance_to(cast.bilan, Status.PRELIMINARY)
    return Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() + dt.timedelta(days=2),
        planned_minutes=60,
    )


@pytest.mark.parametrize("who", ROLES)
def test_cancel_entretien_is_the_assigned_consultants_act(api, cast, who):
    entretien = planned(cast)
    response = api.post(f"/entretiens/{entretien.pk}/cancel", who, {"reason": "health"})
    assert response.status_code == CONSULTANT_ONLY[who], response.content
    entretien.refresh_from_db()
    assert (entretien.status == "cancelled") == (who == "consultant")
    if who == "consultant":
        data = response.json()
        assert (data["status"], data["cancel_reason"], data["sequence"]) == (
            "cancelled",
            "health",
            1,
        )


def test_cancel_entretien_needs_a_reason_marks_missed_and_refuses_twice(api, cast):
    entretien = planned(cast)
    no_reason = api.post(f"/entretiens/{entretien.pk}/cancel", "consultant", {})
    assert no_reason.status_code == 422 and "body.payload" in no_reason.json()["detail"]
    missed = api.post(f"/entretiens/{entretien.pk}/cancel", "consultant", {"missed": True})
    assert missed.status_code == 200
    assert (missed.json()["status"], missed.json()["cancel_reason"]) == ("missed", "no_show")
    again = api.post(f"/entretiens/{entretien.pk}/cancel", "consultant", {"reason": "other"})
    assert again.status_code == 409, again.content
    entretien.refresh_from_db()
    assert entretien.status == "missed"
    assert api.post("/entretiens/999999/cancel", "consultant", {"missed": True}).status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_submit_synthese_is_the_assigned_consultants_act(api, cast, conclusions, who):
    synthese = service.start_synthese(bilan=conclusions, by=cast.consultant, prefilled=False)
    service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={k: f"<p>{k}</p>" for k in SECTIONS}
    )
    response = api.post(f"/bilans/{conclusions.pk}/synthese/submission", who, {})
    assert response.status_code == CONSULTANT_ONLY[who], response.content
    synthese.refresh_from_db()
    assert (synthese.submitted_number == 2) == (who == "consultant")
    if who == "consultant":
        assert response.json()["submitted_number"] == 2


def test_submit_synthese_names_the_empty_sections_and_needs_a_started_one(api, cast, conclusions):
    none_yet = api.post(f"/bilans/{conclusions.pk}/synthese/submission", "consultant", {})
    assert none_yet.status_code == 409
    assert (
        none_yet.json()["detail"]
        == "Le document de synthèse de ce bilan n'est pas encore commencé."
    )
    synthese = service.start_synthese(bilan=conclusions, by=cast.consultant, prefilled=False)
    empty = api.post(f"/bilans/{conclusions.pk}/synthese/submission", "consultant", {})
    assert empty.status_code == 409
    assert "ces sections sont vides" in empty.json()["detail"]
    synthese.refresh_from_db()
    assert synthese.submitted_number is None


def given_work(cast: SimpleNamespace) -> Assignment:
    advance_to(cast.bilan, Status.PRELIMINARY)
    return assign_work(
        bilan=cast.bilan,
        by=cast.consultant,
        title="Questionnaire d'intérêts",
        instructions="En ligne.",
        kind=AssignmentKind.TEST,
        estimated_minutes=60,
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )


BENEFICIARY_ONLY = {**WITHDRAW}


@pytest.mark.parametrize("who", ROLES)
def test_complete_assignment_is_the_beneficiarys_act(api, cast, who):
    work = given_work(cast)
    response = api.post(f"/assignments/{work.pk}/done", who, {"comment": "Fait en 50 min."})
    assert response.status_code == BENEFICIARY_ONLY[who], response.content
    work.refresh_from_db()
    assert (work.done_at is not None) == (who == "beneficiary")
    if who == "beneficiary":
        data = response.json()
        assert data["done_at"] and data["beneficiary_comment"] == "Fait en 50 min."


@pytest.mark.parametrize("who", ROLES)
def test_reopen_assignment_is_the_beneficiarys_act_and_keeps_the_comment(api, cast, who):
    work = given_work(cast)
    complete_assignment(assignment=work, by=cast.beneficiary, comment="Fait.")
    response = api.post(f"/assignments/{work.pk}/reopen", who, {})
    assert response.status_code == BENEFICIARY_ONLY[who], response.content
    work.refresh_from_db()
    assert (work.done_at is None) == (who == "beneficiary")
    assert work.beneficiary_comment == "Fait."


def test_an_unknown_assignment_is_404(api, cast):
    assert api.post("/assignments/999999/done", "beneficiary", {}).status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_review_matches_is_the_assigned_consultants_act(api, cast, rome, who):
    advance_to(cast.bilan, Status.PRELIMINARY)
    give_riasec(cast.bilan, S=38, C=30)
    run = matches.compute_run(bilan=cast.bilan, by=cast.consultant)
    response = api.post(f"/bilans/{cast.bilan.pk}/matches/{run.pk}/review", who, {})
    assert response.status_code == CONSULTANT_ONLY[who], response.content
    run.refresh_from_db()
    assert (run.reviewed_at is not None) == (who == "consultant")
    if who == "consultant":
        assert response.json()["run_id"] == run.pk and response.json()["reviewed_at"]
        seen = api.get(f"/bilans/{cast.bilan.pk}/matches", "beneficiary").json()
        assert seen["run_id"] == run.pk
    if who in ("admin", "beneficiary"):
        assert response.json()["detail"]


def test_review_matches_of_another_bilans_run_is_404(api, cast, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    assert (
        api.post(f"/bilans/{cast.bilan.pk}/matches/999999/review", "consultant", {}).status_code
        == 404
    )


# ---- the plan d'action: remove an action, the plan B ----------------------------------------

PLAN_WRITERS = content_readers(200)  # the beneficiary and the consultant, during conclusions


@pytest.mark.parametrize("who", ROLES)
def test_delete_action_for_every_role(api, cast, conclusions, who):
    action = add_action(conclusions)
    response = api.client.delete(
        f"/api/v1/bilans/{conclusions.pk}/action-plan/actions/{action.pk}", **api.headers(who)
    )
    expected = 204 if PLAN_WRITERS[who] == 200 else PLAN_WRITERS[who]
    assert response.status_code == expected, response.content
    assert Action.objects.filter(pk=action.pk).exists() == (expected != 204)


def test_delete_action_after_closing_is_refused_and_keeps_it(api, cast, monkeypatch):
    closed = close_bilan(cast.bilan, monkeypatch)
    action = Action.objects.filter(plan__bilan=closed).first()
    response = api.client.delete(
        f"/api/v1/bilans/{closed.pk}/action-plan/actions/{action.pk}", **api.headers("beneficiary")
    )
    assert response.status_code == 409, response.content
    assert Action.objects.filter(pk=action.pk).exists()


@pytest.mark.parametrize("who", ROLES)
def test_save_plan_b_for_every_role(api, cast, conclusions, who):
    response = put(
        api,
        f"/bilans/{conclusions.pk}/action-plan/plan-b",
        who,
        {"plan_b": "Rester aide-soignante"},
    )
    assert response.status_code == PLAN_WRITERS[who], response.content
    saved = ActionPlan.objects.filter(bilan=conclusions).values_list("plan_b", flat=True).first()
    assert (saved == "Rester aide-soignante") == (who in ("beneficiary", "consultant"))
    if response.status_code == 200:
        assert response.json()["plan_b"] == "Rester aide-soignante"


# ---- the journal de bord: share, delete ------------------------------------------------------

OWN_ENTRY = {who: 404 for who in ROLES} | {"beneficiary": 200}


def an_entry(cast: SimpleNamespace) -> JournalEntry:
    advance_to(cast.bilan, Status.PRELIMINARY)
    return write_entry(bilan=cast.bilan, by=cast.beneficiary, title="Jour 1", text="Une idée.")


@pytest.mark.parametrize("who", ROLES)
def test_share_journal_entry_is_its_writers_act(api, cast, who):
    entry = an_entry(cast)
    response = api.post(f"/journal/{entry.pk}/share", who, {"shared": True})
    assert response.status_code == OWN_ENTRY[who], response.content
    entry.refresh_from_db()
    assert (entry.shared_at is not None) == (who == "beneficiary")
    if who == "beneficiary":
        assert response.json()["shared"] is True
        back = api.post(f"/journal/{entry.pk}/share", who, {"shared": False}).json()
        assert back["shared"] is False and back["shared_at"] is None


@pytest.mark.parametrize("who", ROLES)
def test_delete_journal_entry_is_its_writers_act(api, cast, who):
    entry = an_entry(cast)
    response = api.client.delete(f"/api/v1/journal/{entry.pk}", **api.headers(who))
    expected = 204 if who == "beneficiary" else OWN_ENTRY[who]
    assert response.status_code == expected, response.content
    assert JournalEntry.objects.filter(pk=entry.pk).exists() == (who != "beneficiary")
    if expected == 404:
        assert response.json() == {"detail": "Ressource introuvable."}
