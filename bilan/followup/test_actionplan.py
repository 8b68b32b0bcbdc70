"""The plan d'action: built by both in the conclusions, then the beneficiary's roadmap;
statuses keep a history; the consultant's writes stop at closing and resume at the suivi;
the administration never reads it. Pages and permissions for every role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from bilan.bilans.models import RuleViolation, Status
from bilan.careers.models import CareerOption, ProjectValidation
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.demo.testing import add_action, in_conclusions
from bilan.followup import actionplan, suivi
from bilan.followup.models import Action, ActionStatus, ActionStatusChange

STAFF = ["consultant", "admin", "colleague", "outsider_admin", "outsider_consultant"]


@pytest.fixture
def bilan(cast):
    return in_conclusions(cast.bilan)


@pytest.fixture
def action(bilan) -> Action:
    return add_action(bilan)


# ---- building the plan ----------------------------------------------------------------------


def test_the_consultant_and_the_beneficiary_both_write_the_plan_in_the_conclusions(cast, bilan):
    first = add_action(bilan, by=cast.consultant)
    second = add_action(bilan, by=cast.beneficiary, what="Rencontrer trois éducateurs")
    actionplan.save_plan_b(bilan=bilan, by=cast.beneficiary, text="Animateur en centre social")
    view = actionplan.read_plan(reader=cast.beneficiary, bilan=bilan)
    assert [a.pk for a in view.actions] == [first.pk, second.pk]
    assert (first.order, second.order) == (1, 2)
    assert view.plan_b == "Animateur en centre social"
    assert first.status == ActionStatus.TODO
    assert first.first_step == "Appeler l'IRTS pour les dates de sélection"
    assert first.due_on == dt.date(2027, 3, 1)
    assert (first.training, first.funding, first.people) == (
        "DEME en alternance",
        "Transition Pro",
        "Mme Durand, éducatrice",
    )
    assert (first.obstacles, first.overcome) == ("Le financement", "Déposer le dossier tôt")


def test_the_plan_is_linked_to_the_validated_piste(cast, bilan):
    piste = CareerOption.objects.create(
        bilan=bilan, kind="free", origin="free", title="Moniteur-éducateur"
    )
    ProjectValidation.objects.create(bilan=bilan, principal=piste, validated_by=cast.beneficiary)
    add_action(bilan)
    view = actionplan.read_plan(reader=cast.consultant, bilan=bilan)
    assert view.plan.career_option == piste
    assert view.piste == piste


def test_the_plan_is_built_in_the_conclusions_not_before(cast):
    advance_to(cast.bilan, Status.INVESTIGATION)
    with pytest.raises(RuleViolation, match="s'élabore en phase de conclusions"):
        add_action(cast.bilan)
    assert not Action.objects.exists()


def test_an_action_and_a_plan_b_action_are_kept_apart(cast, bilan):
    add_action(bilan)
    add_action(bilan, what="Animateur périscolaire", is_plan_b=True)
    view = actionplan.read_plan(reader=cast.beneficiary, bilan=bilan)
    assert [a.what for a in view.main] == ["Suivre la formation de moniteur-éducateur"]
    assert [a.what for a in view.plan_b_actions] == ["Animateur périscolaire"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"what": "   "}, "quelle est l'action"),
        ({"what": "x" * 301}, "trop long"),
        ({"first_step": "y" * 5001}, "« Première étape » est trop long"),
        ({"due_on": "demain"}, "échéance valide"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_saved(bilan, fields, message):
    with pytest.raises(RuleViolation, match=message):
        add_action(bilan, **fields)
    assert not Action.objects.exists()


def test_an_unknown_status_is_refused(cast, action):
    with pytest.raises(RuleViolation, match="Choisissez un état"):
        actionplan.set_status(action=action, by=cast.beneficiary, status="peut-être")
    action.refresh_from_db()
    assert action.status == ActionStatus.TODO


def test_a_status_change_keeps_who_when_and_from_to(cast, action):
    actionplan.set_status(action=action, by=cast.beneficiary, status=ActionStatus.DOING)
    actionplan.set_status(action=action, by=cast.consultant, status=ActionStatus.DONE)
    actionplan.update_action(action=action, by=cast.consultant, note="Dossier déposé")
    rows = list(ActionStatusChange.objects.values_list("from_status", "to_status", "by"))
    assert rows == [
        ("todo", "doing", cast.beneficiary.pk),
        ("doing", "done", cast.consultant.pk),
    ]


# ---- after closing: the beneficiary's roadmap -----------------------------------------------


def test_after_closing_the_beneficiary_keeps_updating_statuses_and_notes(cast, closed_bilan):
    action = Action.objects.get(plan__bilan=closed_bilan)
    actionplan.update_action(
        action=action,
        by=cast.beneficiary,
        status=ActionStatus.DOING,
        note="Inscrite à la sélection",
    )
    action.refresh_from_db()
    assert (action.status, action.note) == (ActionStatus.DOING, "Inscrite à la sélection")
    assert action.status_changes.get().by == cast.beneficiary


def test_after_closing_the_beneficiary_no_longer_rewrites_or_adds_actions(cast, closed_bilan):
    action = Action.objects.get(plan__bilan=closed_bilan)
    with pytest.raises(RuleViolation, match="lors de l'entretien de suivi"):
        actionplan.update_action(action=action, by=cast.beneficiary, what="Autre chose")
    with pytest.raises(RuleViolation, match="lors de l'entretien de suivi"):
        add_action(closed_bilan, by=cast.beneficiary)
    action.refresh_from_db()
    assert action.what == "Suivre la formation de moniteur-éducateur"


def test_after_closing_the_consultant_cannot_write_the_plan(cast, closed_bilan):
    action = Action.objects.get(plan__bilan=closed_bilan)
    for attempt in (
        lambda: actionplan.set_status(action=action, by=cast.consultant, status="done"),
        lambda: actionplan.update_action(action=action, by=cast.consultant, note="x"),
        lambda: add_action(closed_bilan, by=cast.consultant),
        lambda: actionplan.save_plan_b(bilan=closed_bilan, by=cast.consultant, text="x"),
        lambda: actionplan.delete_action(action=action, by=cast.consultant),
    ):
        with pytest.raises(RuleViolation, match="appartient désormais au ou à la bénéficiaire"):
            attempt()
    action.refresh_from_db()
    assert (action.status, action.note) == (ActionStatus.TODO, "")
    assert Action.objects.count() == 1


def test_during_the_suivi_the_consultant_adjusts_and_adds_actions(cast, closed_bilan):
    suivi.start_suivi(bilan=closed_bilan, by=cast.consultant)
    new = add_action(closed_bilan, by=cast.consultant, what="Postuler en CDD")
    assert new.added_at_suivi
    action = Action.objects.get(plan__bilan=closed_bilan, added_at_suivi=False)
    actionplan.update_action(action=action, by=cast.consultant, due_on=dt.date(2027, 9, 1))
    action.refresh_from_db()
    assert action.due_on == dt.date(2027, 9, 1)
    # …and the beneficiary still updates statuses only.
    actionplan.set_status(action=new, by=cast.beneficiary, status="doing")
    with pytest.raises(RuleViolation):
        actionplan.update_action(action=new, by=cast.beneficiary, what="Autre")


@pytest.mark.parametrize("who", ["admin", "colleague", "other_beneficiary", "outsider_admin"])
def test_nobody_else_writes_or_reads_the_plan(cast, action, who):
    person = getattr(cast, who)
    with pytest.raises(RuleViolation) as refused:
        actionplan.set_status(action=action, by=person, status="done")
    assert refused.value.code == "forbidden"
    with pytest.raises(RuleViolation):
        add_action(action.plan.bilan, by=person)
    with pytest.raises(PermissionDenied):
        actionplan.read_plan(reader=person, bilan=action.plan.bilan)
    action.refresh_from_db()
    assert action.status == ActionStatus.TODO


def test_the_consultants_read_is_audited_not_the_beneficiarys(cast, action):
    actionplan.read_plan(reader=cast.beneficiary, bilan=action.plan.bilan)
    assert not AuditEvent.objects.exists()
    actionplan.read_plan(reader=cast.consultant, bilan=action.plan.bilan)
    assert set(AuditEvent.objects.values_list("object_type", flat=True)) == {
        "followup.ActionPlan",
        "followup.Action",
    }


# ---- for the synthèse -----------------------------------------------------------------------


def test_actions_for_synthese_give_one_line_per_action_then_the_plan_b(cast, bilan):
    first = add_action(bilan)
    add_action(bilan, what="Rencontrer des éducateurs", first_step="", due_on=None)
    backup = add_action(bilan, what="Animateur", first_step="BPJEPS", due_on=None, is_plan_b=True)
    actionplan.save_plan_b(bilan=bilan, by=cast.consultant, text="Rester dans le social")
    items = actionplan.actions_for_synthese(bilan)
    plan_url = reverse("followup:plan", args=[bilan.pk])
    assert items == [
        {
            "text": "Suivre la formation de moniteur-éducateur — première étape : Appeler "
            "l'IRTS pour les dates de sélection — échéance : 1 mars 2027",
            "source_url": f"{plan_url}#action-{first.pk}",
            "source_label": "Plan d'action, action 1",
        },
        {
            "text": "Rencontrer des éducateurs",
            "source_url": f"{plan_url}#action-{first.pk + 1}",
            "source_label": "Plan d'action, action 2",
        },
        {
            "text": "Plan B : Rester dans le social",
            "source_url": f"{plan_url}#plan-b",
            "source_label": "Plan d'action, plan B",
        },
        {
            "text": "Plan B — Animateur — première étape : BPJEPS",
            "source_url": f"{plan_url}#action-{backup.pk}",
            "source_label": "Plan d'action, plan B, action 1",
        },
    ]


def test_an_empty_plan_gives_nothing_to_the_synthese(bilan):
    assert actionplan.actions_for_synthese(bilan) == []


# ---- staff pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("consultant", 200),
        ("admin", 403),
        ("colleague", 404),
        ("outsider_admin", 404),
        ("outsider_consultant", 404),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
    ],
)
def test_the_staff_plan_page_is_for_the_assigned_consultant(cast, client, action, who, status):
    client.force_login(getattr(cast, who))
    bilan = action.plan.bilan
    assert client.get(reverse("followup:plan", args=[bilan.pk])).status_code == status
    assert client.get(reverse("followup:action_edit", args=[action.pk])).status_code == status
    post = client.post(reverse("followup:action_track", args=[action.pk]), {"status": "done"})
    assert post.status_code == (302 if status == 200 else status)
    post = client.post(reverse("followup:action_new", args=[bilan.pk]), {"what": "X"})
    assert post.status_code == (302 if status == 200 else status)
    post = client.post(reverse("followup:action_delete", args=[action.pk]))
    assert post.status_code == (302 if status == 200 else status)


def test_the_staff_pages_ask_to_log_in(client, action):
    response = client.get(reverse("followup:plan", args=[action.plan.bilan_id]))
    assert response.status_code == 302 and "/compte/" in response["Location"]


def test_the_consultant_adds_an_action_from_the_page(cast, client, bilan):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("followup:action_new", args=[bilan.pk]),
        {"what": "Faire un stage", "first_step": "Appeler le foyer", "due_on": "2027-02-01"},
    )
    action = Action.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#action-{action.pk}")
    page = client.get(reverse("followup:plan", args=[bilan.pk]))
    assert "Faire un stage" in page.content.decode()


def test_a_refused_action_keeps_what_was_typed(cast, client, bilan):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("followup:action_new", args=[bilan.pk]),
        {"what": "", "first_step": "Mon texte à garder", "due_on": "pas une date"},
    )
    assert response.status_code == 422
    assert "Mon texte à garder" in response.content.decode()
    assert not Action.objects.exists()


def test_after_closing_the_consultant_page_is_read_only(cast, client, closed_bilan):
    client.force_login(cast.consultant)
    action = Action.objects.get(plan__bilan=closed_bilan)
    page = client.get(reverse("followup:plan", args=[closed_bilan.pk])).content.decode()
    assert "appartient désormais" in page
    assert reverse("followup:action_track", args=[action.pk]) not in page
    response = client.post(
        reverse("followup:action_track", args=[action.pk]), {"status": "done"}, follow=True
    )
    assert "appartient désormais" in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.TODO


# ---- portal pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", STAFF)
def test_the_portal_plan_pages_are_for_beneficiaries_only(cast, client, action, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("portal:plan")).status_code == 403
    assert client.get(reverse("portal:plan_action_edit", args=[action.pk])).status_code == 403
    post = client.post(reverse("portal:plan_action_track", args=[action.pk]), {"status": "done"})
    assert post.status_code == 403


def test_another_beneficiary_cannot_reach_an_action(cast, client, action):
    client.force_login(cast.other_beneficiary)
    assert client.get(reverse("portal:plan_action_edit", args=[action.pk])).status_code == 404
    post = client.post(reverse("portal:plan_action_track", args=[action.pk]), {"status": "done"})
    assert post.status_code == 404
    page = client.get(reverse("portal:plan")).content.decode()
    assert action.what not in page
    action.refresh_from_db()
    assert action.status == ActionStatus.TODO


def test_the_beneficiary_builds_the_plan_in_their_space(cast, client, bilan):
    client.force_login(cast.beneficiary)
    response = client.post(reverse("portal:plan_action_new"), {"what": "Passer le permis"})
    assert response.status_code == 302
    client.post(reverse("portal:plan_b"), {"plan_b": "Rester à mon poste"})
    page = client.get(reverse("portal:plan")).content.decode()
    assert "Passer le permis" in page and "Rester à mon poste" in page


def test_after_closing_the_beneficiary_updates_a_status_from_their_phone(
    cast, client, closed_bilan
):
    client.force_login(cast.beneficiary)
    action = Action.objects.get(plan__bilan=closed_bilan)
    page = client.get(reverse("portal:plan")).content.decode()
    assert (
        'name="viewport"' in page and reverse("portal:plan_action_track", args=[action.pk]) in page
    )
    assert f'action="{reverse("portal:plan_action_new")}"' not in page  # none after closing
    response = client.post(
        reverse("portal:plan_action_track", args=[action.pk]),
        {"status": "done", "note": "Admise en formation !"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.note) == ("done", "Admise en formation !")
    edit = client.post(reverse("portal:plan_action_edit", args=[action.pk]), {"what": "Autre"})
    assert edit.status_code == 422
    action.refresh_from_db()
    assert action.what == "Suivre la formation de moniteur-éducateur"


def test_pasted_html_in_an_action_is_shown_as_text_never_run(cast, client, bilan):
    add_action(bilan, what='<script>alert("x")</script><b>gras</b>', note="<img src=x onerror=1>")
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:plan")).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;gras&lt;/b&gt;" in page
