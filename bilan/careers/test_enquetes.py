"""Enquêtes métier: the grid copied from our data file and edited, the meeting recorded, the
conclusion feeding the piste's status (linked), the debrief, who may do what, the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import RuleViolation, Status
from bilan.careers import enquetes
from bilan.careers.models import CareerOptionStatusChange, EnqueteMetier
from bilan.careers.test_pistes import ROLES, STAFF_EXPECTED, free, login
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.assignments import assign_work

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def bilan(cast):
    return advance_to(cast.bilan, Status.INVESTIGATION)


@pytest.fixture
def option(bilan):
    return free(bilan, kind="free", title="Fromager affineur")


def plan(option, by=None, **extra):
    return enquetes.plan_enquete(
        option=option,
        by=by or option.bilan.beneficiary,
        contact_name=extra.pop("contact_name", "Un fromager affineur à Annecy"),
        contact_role="Gérant",
        contact_organisation="Fromagerie des Aravis",
        found_through="Le marché du samedi",
        contact_channel="En boutique",
        planned_on=timezone.localdate() + dt.timedelta(days=7),
        **extra,
    )


# ---- the grid ---------------------------------------------------------------------------


def test_the_default_grid_is_a_versioned_file_of_a_dozen_french_questions():
    grid = enquetes.default_grid()
    assert grid["version"] == 1
    assert 10 <= len(grid["questions"]) <= 14
    ids = [q["id"] for q in grid["questions"]]
    assert len(set(ids)) == len(ids)
    assert all(q["text"].endswith("?") for q in grid["questions"])
    assert any("journée" in q["text"] for q in grid["questions"])


def test_planning_copies_the_default_grid(option):
    enquete = plan(option)
    assert [q["text"] for q in enquete.questions] == [
        q["text"] for q in enquetes.default_grid()["questions"]
    ]
    assert enquete.questions[0]["id"] == "v1-parcours"
    assert (enquete.status, enquete.created_by) == ("planned", option.bilan.beneficiary)


def test_a_professional_needs_a_name_or_a_description(option):
    with pytest.raises(RuleViolation, match="description anonyme"):
        plan(option, contact_name="  ")
    assert not EnqueteMetier.objects.exists()


def test_the_grid_is_reworded_reordered_shortened_and_completed(option):
    enquete = plan(option)
    first, second, *rest = enquete.questions
    enquetes.update_grid(
        enquete=enquete,
        by=option.bilan.consultant,
        questions=[
            {"id": second["id"], "text": "Comment se passe une journée à la cave d'affinage ?"},
            first,
            *rest[:-1],
            "Faut-il un CAP crémier-fromager ?",
            "",
        ],
    )
    enquete.refresh_from_db()
    texts = [q["text"] for q in enquete.questions]
    assert texts[0] == "Comment se passe une journée à la cave d'affinage ?"
    assert texts[1] == first["text"]
    assert texts[-1] == "Faut-il un CAP crémier-fromager ?"
    assert rest[-1]["text"] not in texts
    assert len(texts) == len(enquetes.default_grid()["questions"])
    assert enquete.questions[-1]["id"] == "q1"
    assert enquete.questions[0]["id"] == second["id"]  # the answers follow the question


def test_an_answer_survives_its_question_being_removed(option):
    enquete = plan(option)
    qid = enquete.questions[0]["id"]
    enquetes.record_enquete(
        enquete=enquete,
        by=option.bilan.beneficiary,
        held_on=YESTERDAY,
        answers={qid: "BTS puis 10 ans en laiterie."},
    )
    enquetes.update_grid(
        enquete=enquete, by=option.bilan.beneficiary, questions=enquete.questions[1:]
    )
    enquete.refresh_from_db()
    rows, orphans = enquetes.grid_with_answers(enquete)
    assert orphans == [(qid, "BTS puis 10 ans en laiterie.")]
    # A new question never takes the id of a removed, answered one.
    enquetes.update_grid(
        enquete=enquete, by=option.bilan.beneficiary, questions=[*enquete.questions, "Nouvelle ?"]
    )
    enquete.refresh_from_db()
    assert enquete.questions[-1]["id"] not in {qid}


def test_an_unknown_question_id_is_refused(option):
    enquete = plan(option)
    with pytest.raises(RuleViolation, match="pas dans la grille"):
        enquetes.update_grid(
            enquete=enquete, by=option.bilan.beneficiary, questions=[{"id": "x9", "text": "?"}]
        )


# ---- the meeting and its conclusion ------------------------------------------------------


def test_recording_the_meeting_and_a_conclusion_without_status_change(option):
    enquete = plan(option)
    qid = enquete.questions[1]["id"]
    enquetes.record_enquete(
        enquete=enquete,
        by=option.bilan.beneficiary,
        held_on=YESTERDAY,
        format="in_person",
        duration_minutes=45,
        answers={qid: "Levé à 5 h, caves le matin, boutique l'après-midi."},
        findings="Le métier est très physique.\nLes revenus sont modestes au début.",
        confirmed="Le contact avec les clients.",
        contradicted="Je pensais que c'était surtout de la vente.",
        conclusion="nuances",
    )
    enquete.refresh_from_db()
    option.refresh_from_db()
    assert (enquete.status, enquete.held_on, enquete.format, enquete.duration_minutes) == (
        "held",
        YESTERDAY,
        "in_person",
        45,
    )
    assert enquete.answers == {qid: "Levé à 5 h, caves le matin, boutique l'après-midi."}
    assert enquete.conclusion == "nuances"
    assert option.status == "to_explore"
    assert CareerOptionStatusChange.objects.filter(enquete=enquete).count() == 0


def test_the_conclusion_changes_the_pistes_status_when_chosen_with_a_linked_reason(option):
    enquete = plan(option)
    enquetes.record_enquete(
        enquete=enquete,
        by=option.bilan.beneficiary,
        held_on=YESTERDAY,
        findings="Horaires de nuit incompatibles avec ma famille.",
        conclusion="contradicts",
        piste_status=enquetes.SUGGESTED_STATUS["contradicts"],
    )
    option.refresh_from_db()
    assert option.status == "discarded"
    change = option.status_changes.last()
    assert change.enquete == enquete
    assert change.reason == (
        f"Enquête métier du {YESTERDAY:%d/%m/%Y} avec Un fromager affineur à Annecy, Gérant, "
        "Fromagerie des Aravis : remet en cause la piste. "
        "Horaires de nuit incompatibles avec ma famille."
    )


def test_a_typed_reason_replaces_the_suggested_one(option):
    enquete = plan(option)
    enquetes.record_enquete(
        enquete=enquete,
        by=option.bilan.consultant,
        held_on=YESTERDAY,
        conclusion="confirms",
        piste_status="retained",
        status_reason="Tout concorde.",
    )
    assert option.status_changes.last().reason == "Tout concorde."


@pytest.mark.parametrize(
    "bad,message",
    [
        ({"held_on": None}, "Indiquez la date"),
        ({"held_on": timezone.localdate() + dt.timedelta(days=2)}, "dans le futur"),
        ({"duration_minutes": 0}, "entre 1 et"),
        ({"format": "pigeon"}, "format"),
        ({"conclusion": "", "piste_status": "retained"}, "Indiquez la conclusion"),
        ({"answers": {"nope": "x"}}, "aucune question"),
    ],
)
def test_bad_records_are_refused_in_french_and_nothing_changes(option, bad, message):
    enquete = plan(option)
    args = {"held_on": YESTERDAY, **bad}
    with pytest.raises(RuleViolation, match=message):
        enquetes.record_enquete(enquete=enquete, by=option.bilan.beneficiary, **args)
    enquete.refresh_from_db()
    option.refresh_from_db()
    assert (enquete.status, option.status) == ("planned", "to_explore")


def test_a_held_enquete_is_not_cancelled(option):
    enquete = plan(option)
    enquetes.cancel_enquete(enquete=plan(option, contact_name="Autre"), by=option.bilan.beneficiary)
    enquetes.record_enquete(enquete=enquete, by=option.bilan.beneficiary, held_on=YESTERDAY)
    with pytest.raises(RuleViolation, match="ne s'annule plus"):
        enquetes.cancel_enquete(enquete=enquete, by=option.bilan.beneficiary)


# ---- debrief and links ----------------------------------------------------------------------


def test_the_consultant_links_the_debrief_to_an_entretien_of_the_bilan(cast, option):
    bilan = option.bilan
    enquete = plan(option)
    entretien = bilan.entretiens.order_by("-starts_at").first()
    enquetes.record_debrief(
        enquete=enquete, by=cast.consultant, entretien_id=entretien.pk, note="Bien préparée."
    )
    enquete.refresh_from_db()
    assert (enquete.debrief_entretien, enquete.debrief_note) == (entretien, "Bien préparée.")
    with pytest.raises(RuleViolation, match="noté par le ou la consultant"):
        enquetes.record_debrief(enquete=enquete, by=cast.beneficiary, entretien_id=None)
    advance_to(cast.other_bilan, Status.PRELIMINARY)
    other = cast.other_bilan.entretiens.first()
    with pytest.raises(RuleViolation, match="un entretien de ce bilan"):
        enquetes.record_debrief(enquete=enquete, by=cast.consultant, entretien_id=other.pk)


def test_an_enquete_links_to_an_enquete_assignment_of_the_same_bilan_only(cast, option):
    bilan = option.bilan
    work = assign_work(
        bilan=bilan,
        by=cast.consultant,
        title="Rencontrer un fromager",
        instructions="",
        kind="enquete",
        estimated_minutes=60,
        due_on=None,
    )
    other = assign_work(
        bilan=bilan,
        by=cast.consultant,
        title="Lire",
        instructions="",
        kind="research",
        estimated_minutes=30,
        due_on=None,
    )
    assert plan(option, assignment_id=work.pk).assignment == work
    with pytest.raises(RuleViolation, match="enquête métier"):
        plan(option, assignment_id=other.pk)


# ---- who and when -----------------------------------------------------------------------


def test_the_administration_and_colleagues_may_not_plan_nor_read(cast, option):
    for who in (cast.admin, cast.colleague):
        with pytest.raises(PermissionDenied):
            plan(option, by=who)
    enquete = plan(option)
    with pytest.raises(PermissionDenied):
        enquetes.read_enquetes(reader=cast.admin, bilan=option.bilan)
    with pytest.raises(PermissionDenied):
        enquetes.record_enquete(enquete=enquete, by=cast.admin, held_on=YESTERDAY)


def test_enquetes_are_frozen_once_the_bilan_is_closed(cast, option):
    enquete = plan(option)
    advance_to(option.bilan, Status.CLOSED)
    with pytest.raises(RuleViolation, match="Impossible d'enregistrer une enquête métier"):
        enquetes.record_enquete(enquete=enquete, by=cast.beneficiary, held_on=YESTERDAY)


def test_the_consultants_read_is_audited(cast, option):
    enquete = plan(option)
    enquetes.read_enquetes(reader=cast.consultant, bilan=option.bilan)
    assert AuditEvent.objects.filter(
        actor_id=cast.consultant.pk, object_type="careers.EnqueteMetier", object_id=str(enquete.pk)
    ).exists()


# ---- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_the_staff_enquete_pages_are_for_the_assigned_consultant(cast, option, who):
    enquete = plan(option)
    client = login(getattr(cast, who))
    bilan = option.bilan
    for url in [
        reverse("careers:enquete", args=[bilan.pk, enquete.pk]),
        reverse("careers:enquete_create", args=[bilan.pk, option.pk]),
        reverse("careers:enquetes", args=[bilan.pk]),
    ]:
        assert client.get(url).status_code == STAFF_EXPECTED[who], url


PORTAL_EXPECTED = {
    "admin": 403,
    "consultant": 403,
    "colleague": 403,
    "beneficiary": 200,
    "other_beneficiary": 404,
    "outsider_admin": 403,
    "outsider_consultant": 403,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_the_portal_enquete_pages_are_the_beneficiarys(cast, option, who):
    enquete = plan(option)
    client = login(getattr(cast, who))
    for url in [
        reverse("portal:enquete", args=[enquete.pk]),
        reverse("portal:enquete_create", args=[option.pk]),
    ]:
        assert client.get(url).status_code == PORTAL_EXPECTED[who], url


def test_the_consultant_sees_all_enquetes_at_a_glance(cast, bilan):
    a = free(bilan, kind="free", title="Fromager affineur")
    b = free(bilan, kind="training", title="CAP crémier-fromager")
    plan(a)
    e2 = plan(b, contact_name="La directrice du CFA")
    enquetes.record_enquete(
        enquete=e2, by=cast.beneficiary, held_on=YESTERDAY, conclusion="confirms"
    )
    page = login(cast.consultant).get(reverse("careers:enquetes", args=[bilan.pk])).content.decode()
    assert "Fromager affineur" in page and "CAP crémier-fromager" in page
    assert "La directrice du CFA" in page and "conforte la piste" in page


def test_the_beneficiary_plans_edits_the_grid_and_records_in_the_portal(cast, option):
    client = login(cast.beneficiary)
    response = client.post(
        reverse("portal:enquete_create", args=[option.pk]),
        {
            "contact_name": "Une affineuse",
            "planned_on": str(timezone.localdate() + dt.timedelta(days=60)),
        },
    )
    enquete = EnqueteMetier.objects.get()
    url = reverse("portal:enquete", args=[enquete.pk])
    assert response.url == url
    q = enquete.questions
    grid = {
        "action": "grid",
        "question": [x["id"] for x in q],
        "new": "Et le fromage au lait cru ?",
    }
    grid |= {f"text_{x['id']}": x["text"] for x in q}
    grid |= {f"order_{x['id']}": str(i + 1) for i, x in enumerate(q)}
    grid |= {f"order_{q[0]['id']}": "99", f"remove_{q[1]['id']}": "1"}
    assert client.post(url, grid).status_code == 302
    enquete.refresh_from_db()
    assert enquete.questions[-2]["id"] == q[0]["id"]
    assert enquete.questions[-1]["text"] == "Et le fromage au lait cru ?"
    assert q[1]["id"] not in {x["id"] for x in enquete.questions}
    record = {
        "action": "record",
        "held_on": YESTERDAY.isoformat(),
        "format": "phone",
        "duration_minutes": "30",
        f"answer_{q[0]['id']}": "Reconvertie à 40 ans.",
        "findings": "Beaucoup de manutention.",
        "conclusion": "confirms",
        "piste_status": "retained",
    }
    assert client.post(url, record).status_code == 302
    option.refresh_from_db()
    assert option.status == "retained"
    assert option.status_changes.last().enquete_id == enquete.pk


def test_a_bad_record_is_rerendered_with_the_input(cast, option):
    enquete = plan(option)
    url = reverse("portal:enquete", args=[enquete.pk])
    response = login(cast.beneficiary).post(
        url, {"action": "record", "held_on": "", "findings": "Mes notes précieuses"}
    )
    text = response.content.decode()
    assert response.status_code == 422
    assert "Mes notes précieuses" in text and "Indiquez la date de la rencontre" in text


def test_the_debrief_form_is_the_consultants(cast, option):
    enquete = plan(option)
    url = reverse("careers:enquete", args=[option.bilan.pk, enquete.pk])
    entretien = option.bilan.entretiens.first()
    client = login(cast.consultant)
    assert "debrief-form" in client.get(url).content.decode()
    client.post(url, {"action": "debrief", "entretien": str(entretien.pk), "note": "Vu ensemble."})
    enquete.refresh_from_db()
    assert enquete.debrief_note == "Vu ensemble."
    portal = login(cast.beneficiary).get(reverse("portal:enquete", args=[enquete.pk]))
    assert (
        "debrief-form" not in portal.content.decode() and "Vu ensemble." in portal.content.decode()
    )


def test_a_refused_grid_comes_back_as_typed(cast, option):
    enquete = plan(option)
    url = reverse("portal:enquete", args=[enquete.pk])
    q = enquete.questions[0]["id"]
    response = login(cast.beneficiary).post(
        url,
        {
            "action": "grid",
            "question": [q, "forged"],
            f"text_{q}": "Ma question retouchée ?",
            "text_forged": "?",
            "new": "Une nouvelle ?",
        },
    )
    text = response.content.decode()
    assert response.status_code == 422
    assert "pas dans la grille" in text
    assert "Ma question retouchée ?" in text and "Une nouvelle ?" in text
