"""Travail inter-session: giving work, its hours in the budget, the beneficiary doing it, the
consultant seeing what is done and late; permissions for every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import Bilan, RuleViolation, Status
from bilan.bilans.testing import make_bilan, make_member
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.assignments import (
    assign_work,
    complete_assignment,
    read_assignments,
    reopen_assignment,
    since_last_time,
)
from bilan.entretiens.models import Assignment, AssignmentKind, Entretien, InterviewGuide
from bilan.organisations.models import HoursRule, Role

TODAY = timezone.localdate
L6313 = "(art. L6313-4 du Code du travail)"


def in_preliminary(bilan: Bilan) -> Bilan:
    """A bilan in its preliminary phase, 3 h 30 held, programme 20 h + 2 h personal = 22 h."""
    advance_to(bilan, Status.PRELIMINARY)
    bilan.plan_hours(by=bilan.consultant, accompaniment_minutes=20 * 60, personal_minutes=120)
    return bilan


def give(bilan: Bilan, minutes: int = 60, *, days: int = 7, title: str = "Exercice", **extra):
    return assign_work(
        bilan=bilan,
        by=bilan.consultant,
        title=title,
        instructions=extra.pop("instructions", "Lisez puis répondez."),
        kind=extra.pop("kind", AssignmentKind.REFLECTION),
        estimated_minutes=minutes,
        due_on=TODAY() + dt.timedelta(days=days),
        **extra,
    )


def guided_entretien(bilan: Bilan, key: str = "analyse-demande") -> Entretien:
    """The bilan's last held entretien, made to follow `key` of the default guide."""
    guide = InterviewGuide.objects.filter(organisation__isnull=True).order_by("-version").first()
    entretien = bilan.entretiens.filter(status="held").order_by("-starts_at").first()
    Entretien.objects.filter(pk=entretien.pk).update(guide=guide, interview_key=key)
    entretien.refresh_from_db()
    return entretien


def make_late(assignment: Assignment, days: int = 3) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(due_on=TODAY() - dt.timedelta(days=days))


# ---- giving work ----------------------------------------------------------------------------


def test_work_given_from_a_closing_item_takes_its_text_as_title(cast):
    bilan = in_preliminary(cast.bilan)
    entretien = guided_entretien(bilan)
    work = give(bilan, title="", entretien=entretien, closing_item="c3", kind=AssignmentKind.TEST)
    assert work.title == (
        "Remise du questionnaire d'auto-évaluation à compléter pour le prochain rendez-vous"
    )
    assert (work.entretien, work.closing_item, work.created_by) == (
        entretien,
        "c3",
        cast.consultant,
    )


def test_a_closing_item_that_is_not_in_the_guide_is_refused(cast):
    bilan = in_preliminary(cast.bilan)
    with pytest.raises(RuleViolation, match="item de clôture n'existe pas") as e:
        give(bilan, entretien=guided_entretien(bilan), closing_item="c99")
    assert e.value.code == "invalid"


def test_work_can_be_given_freely(cast):
    work = give(in_preliminary(cast.bilan), 45, title="  Lire la fiche métier  ")
    assert (work.title, work.estimated_minutes, work.entretien) == (
        "Lire la fiche métier",
        45,
        None,
    )


def test_an_entretien_of_another_bilan_is_refused(cast):
    bilan = in_preliminary(cast.bilan)
    other = in_preliminary(cast.other_bilan)
    with pytest.raises(RuleViolation, match="n'appartient pas à ce bilan"):
        give(bilan, entretien=other.entretiens.first())


@pytest.mark.parametrize("status", [Status.ENQUIRY, Status.CLOSED])
def test_work_is_given_only_while_the_bilan_is_in_its_phases(cast, status):
    advance_to(cast.bilan, status)
    with pytest.raises(RuleViolation) as e:
        give(cast.bilan)
    assert str(e.value.messages[0]).startswith(
        "Impossible de confier un travail inter-session : le bilan est à l'étape"
    )
    assert not Assignment.objects.exists()


def test_a_due_date_in_the_past_is_refused_in_french(cast):
    bilan = in_preliminary(cast.bilan)
    with pytest.raises(RuleViolation, match="« à faire pour le » est passée") as e:
        give(bilan, days=-1)
    assert e.value.code == "invalid"
    give(bilan, days=0)  # today is fine


@pytest.mark.parametrize("role", ["colleague", "admin", "beneficiary", "outsider_consultant"])
def test_only_the_assigned_consultant_gives_work(cast, role):
    bilan = in_preliminary(cast.bilan)
    with pytest.raises(RuleViolation) as e:
        assign_work(
            bilan=bilan,
            by=getattr(cast, role),
            title="Exercice",
            instructions="",
            kind=AssignmentKind.OTHER,
            estimated_minutes=30,
            due_on=TODAY(),
        )
    assert e.value.code == "forbidden"


# ---- hours --------------------------------------------------------------------------------


def test_estimates_count_as_planned_personal_work_beyond_the_programme(cast):
    bilan = in_preliminary(cast.bilan)
    assert (bilan.budget().planned_personal, bilan.budget().planned_total) == (120, 22 * 60)
    give(bilan, 90)  # within the 2 h programme
    assert (bilan.budget().planned_personal, bilan.budget().planned_total) == (120, 22 * 60)
    give(bilan, 120)  # 3 h 30 given
    assert (bilan.budget().planned_personal, bilan.budget().planned_total) == (210, 23 * 60 + 30)


def test_work_that_would_pass_24_hours_is_refused_citing_l6313_4(cast):
    bilan = in_preliminary(cast.bilan)
    give(bilan, 210)  # 20 h + 3 h 30
    with pytest.raises(RuleViolation) as e:
        give(bilan, 31)
    assert e.value.messages == [
        f"Travail inter-session refusé : durée planifiée 24 h 01 > 24 h maximum {L6313}."
    ]
    assert e.value.code == "refused"
    assert Assignment.objects.count() == 1
    give(bilan, 30)  # exactly 24 h
    assert bilan.budget().planned_total == 24 * 60


def test_work_is_not_refused_when_the_rule_leaves_personal_work_out_of_the_ceiling(cast):
    bilan = in_preliminary(cast.bilan)
    HoursRule.objects.create(
        organisation=cast.org, effective_from=bilan.opened_on, count_personal_work=False
    )
    give(bilan, 10 * 60)
    budget = bilan.budget()
    assert (budget.planned_personal, budget.planned_total) == (600, 20 * 60)


def test_estimates_of_work_done_count_as_personal_work_delivered(cast):
    bilan = in_preliminary(cast.bilan)
    bilan.record_personal_work(by=cast.consultant, minutes=60)
    first, second = give(bilan, 45), give(bilan, 90)
    assert bilan.budget().delivered_personal == 60
    complete_assignment(assignment=first, by=cast.beneficiary, comment="")
    assert bilan.budget().delivered_personal == 60  # recorded 1 h > 45 min done
    complete_assignment(assignment=second, by=cast.beneficiary, comment="")
    budget = bilan.budget()
    assert (budget.delivered_personal, budget.delivered_total) == (135, 210 + 135)


def test_dashboard_annotations_give_the_same_budget_as_the_bilan(cast):
    bilan = in_preliminary(cast.bilan)
    complete_assignment(assignment=give(bilan, 150), by=cast.beneficiary, comment="")
    give(bilan, 40)
    annotated = Bilan.objects.with_hours().get(pk=bilan.pk)
    assert (annotated.assigned_minutes, annotated.assigned_done_minutes) == (190, 150)
    assert annotated.budget() == bilan.budget()
    assert (annotated.budget().planned_personal, annotated.budget().delivered_personal) == (
        190,
        150,
    )


def test_the_programme_cannot_hide_work_already_given_from_the_ceiling(cast):
    bilan = in_preliminary(cast.bilan)
    give(bilan, 4 * 60)  # 20 h + 4 h
    with pytest.raises(RuleViolation, match="Programme refusé : durée planifiée 25 h"):
        bilan.plan_hours(by=cast.consultant, accompaniment_minutes=21 * 60, personal_minutes=0)


# ---- doing it -----------------------------------------------------------------------------


def test_the_beneficiary_marks_work_done_with_a_comment_and_can_reopen_it(cast):
    work = give(in_preliminary(cast.bilan))
    complete_assignment(assignment=work, by=cast.beneficiary, comment="  Fait en deux fois.  ")
    assert work.done_at is not None and work.beneficiary_comment == "Fait en deux fois."
    with pytest.raises(RuleViolation, match="déjà marqué comme fait"):
        complete_assignment(assignment=work, by=cast.beneficiary, comment="")
    reopen_assignment(assignment=work, by=cast.beneficiary)
    assert work.done_at is None and work.beneficiary_comment == "Fait en deux fois."
    with pytest.raises(RuleViolation, match="n'est pas marqué comme fait"):
        reopen_assignment(assignment=work, by=cast.beneficiary)


@pytest.mark.parametrize("role", ["consultant", "admin", "other_beneficiary"])
def test_only_the_beneficiary_marks_their_work_done(cast, role):
    work = give(in_preliminary(cast.bilan))
    with pytest.raises(RuleViolation) as e:
        complete_assignment(assignment=work, by=getattr(cast, role), comment="")
    assert e.value.code == "forbidden"
    work.refresh_from_db()
    assert work.done_at is None


# ---- reading it ---------------------------------------------------------------------------


def test_the_consultant_reading_assignments_writes_one_audit_row_each(cast):
    bilan = in_preliminary(cast.bilan)
    give(bilan), give(bilan, days=2)
    assert len(read_assignments(reader=cast.consultant, bilan=bilan)) == 2
    events = AuditEvent.objects.filter(bilan_id=bilan.pk, object_type="entretiens.Assignment")
    assert events.count() == 2 and {e.actor_id for e in events} == {cast.consultant.pk}
    read_assignments(reader=cast.beneficiary, bilan=bilan)
    assert events.count() == 2


def test_the_admin_cannot_read_assignments(cast):
    bilan = in_preliminary(cast.bilan)
    give(bilan)
    with pytest.raises(PermissionDenied):
        read_assignments(reader=cast.admin, bilan=bilan)
    assert not AuditEvent.objects.filter(object_type="entretiens.Assignment").exists()


def test_since_last_time_gives_work_done_or_due_since_the_last_held_entretien(cast):
    bilan = in_preliminary(cast.bilan)
    last = bilan.entretiens.filter(status="held").order_by("-starts_at").first()
    done_before, done_since, due_since, due_later = (
        give(bilan, title=t) for t in ("avant", "fait", "attendu", "plus tard")
    )
    for work in (done_before, done_since):
        complete_assignment(assignment=work, by=cast.beneficiary, comment="")
    Assignment.objects.filter(pk=done_before.pk).update(
        done_at=last.starts_at - dt.timedelta(days=1)
    )
    make_late(due_since, days=1)
    result = since_last_time(bilan)
    assert result.since == last.starts_at
    assert [a.title for a in result.assignments] == ["attendu", "fait"]
    assert [a.title for a in result.done] == ["fait"]
    assert [(a.title, a.late) for a in result.not_done] == [("attendu", True)]
    assert result.done_minutes == 60


def test_since_last_time_looks_back_from_the_entretien_being_conducted(cast):
    bilan = in_preliminary(cast.bilan)
    first, second = bilan.entretiens.filter(status="held").order_by("starts_at")
    work = give(bilan)
    complete_assignment(assignment=work, by=cast.beneficiary, comment="")
    Assignment.objects.filter(pk=work.pk).update(done_at=second.starts_at - dt.timedelta(days=1))
    assert since_last_time(bilan).assignments == []
    result = since_last_time(bilan, before=second)
    assert (result.since, [a.pk for a in result.done]) == (first.starts_at, [work.pk])


def test_since_last_time_audits_the_reader_it_is_given(cast):
    bilan = in_preliminary(cast.bilan)
    complete_assignment(assignment=give(bilan), by=cast.beneficiary, comment="")
    since_last_time(bilan)
    assert not AuditEvent.objects.exists()
    since_last_time(bilan, reader=cast.consultant)
    assert AuditEvent.objects.filter(object_type="entretiens.Assignment").count() == 1


def test_the_since_last_time_fragment_shows_done_and_late_work(cast, client):
    from django.template.loader import render_to_string

    bilan = in_preliminary(cast.bilan)
    complete_assignment(
        assignment=give(bilan, title="Questionnaire"), by=cast.beneficiary, comment="Facile"
    )
    make_late(give(bilan, title="Enquête"), days=1)
    html = render_to_string(
        "entretiens/assignments_since_last_time.html", {"since_last_time": since_last_time(bilan)}
    )
    assert "Depuis la dernière fois" in html and "Questionnaire" in html and "Facile" in html
    assert (
        "Enquête" in html
        and "en retard" in html
        and "1 travail fait (1 h de travail personnel)" in html
    )


# ---- staff pages ----------------------------------------------------------------------------

STAFF_EXPECTED = {
    "consultant": 200,
    "colleague": 404,
    "admin": 403,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
}


def form_data(**extra) -> dict:
    return {
        "title": "Lire deux fiches métier",
        "instructions": "Notez ce qui vous attire.",
        "kind": AssignmentKind.RESEARCH,
        "estimated": "1,5",
        "due_on": (TODAY() + dt.timedelta(days=7)).isoformat(),
        **extra,
    }


@pytest.mark.parametrize("role", STAFF_EXPECTED)
def test_only_the_assigned_consultant_reaches_the_new_work_page(cast, client, role):
    in_preliminary(cast.bilan)
    client.force_login(getattr(cast, role))
    url = reverse("entretiens:assignment_new", args=[cast.bilan.pk])
    assert client.get(url).status_code == STAFF_EXPECTED[role]
    expected_post = 302 if role == "consultant" else STAFF_EXPECTED[role]
    assert client.post(url, form_data()).status_code == expected_post
    assert Assignment.objects.count() == (1 if role == "consultant" else 0)


def test_the_consultant_gives_work_in_decimal_hours(cast, client):
    in_preliminary(cast.bilan)
    client.force_login(cast.consultant)
    response = client.post(reverse("entretiens:assignment_new", args=[cast.bilan.pk]), form_data())
    assert response.status_code == 302 and response.url.endswith("#travail")
    work = Assignment.objects.get()
    assert (work.title, work.kind, work.estimated_minutes) == (
        "Lire deux fiches métier",
        AssignmentKind.RESEARCH,
        90,
    )


def test_the_new_work_page_lists_closing_items_and_prefills_from_one(cast, client):
    bilan = in_preliminary(cast.bilan)
    entretien = guided_entretien(bilan)
    client.force_login(cast.consultant)
    url = reverse("entretiens:assignment_new", args=[bilan.pk])
    page = client.get(url).content.decode()
    assert "Validation des objectifs du bilan" in page and f"entretien={entretien.pk}" in page
    page = client.get(url, {"entretien": entretien.pk, "item": "c3"}).content.decode()
    assert 'value="Remise du questionnaire d&#x27;auto-évaluation' in page
    assert 'name="closing_item" value="c3"' in page
    client.post(url, form_data(title="Questionnaire", entretien=entretien.pk, closing_item="c3"))
    work = Assignment.objects.get()
    assert (work.entretien, work.closing_item) == (entretien, "c3")


def test_bad_input_is_shown_in_french_and_what_was_typed_is_kept(cast, client):
    in_preliminary(cast.bilan)
    client.force_login(cast.consultant)
    url = reverse("entretiens:assignment_new", args=[cast.bilan.pk])
    response = client.post(url, form_data(estimated="beaucoup"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Saisissez un nombre." in page and "Notez ce qui vous attire." in page
    response = client.post(url, form_data(due_on=(TODAY() - dt.timedelta(days=1)).isoformat()))
    assert response.status_code == 422 and "est passée" in response.content.decode()
    assert not Assignment.objects.exists()


def test_work_over_24_hours_is_refused_on_the_page_with_the_input_kept(cast, client):
    in_preliminary(cast.bilan)
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:assignment_new", args=[cast.bilan.pk]), form_data(estimated="4,5")
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "durée planifiée 24 h 30 &gt; 24 h maximum (art. L6313-4 du Code du travail)" in page
    assert 'value="Lire deux fiches métier"' in page and 'value="4,5"' in page
    assert not Assignment.objects.exists()


def test_the_bilan_page_lists_work_with_its_state_and_audits_the_consultant(cast, client):
    bilan = in_preliminary(cast.bilan)
    complete_assignment(assignment=give(bilan, title="Fait"), by=cast.beneficiary, comment="Vu")
    make_late(give(bilan, title="Pas fait"))
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[bilan.pk])).content.decode()
    assert "Travail inter-session" in page and "Pas fait" in page and "en retard" in page
    assert "fait le" in page and "Vu" in page
    assert reverse("entretiens:assignment_new", args=[bilan.pk]) in page
    assert AuditEvent.objects.filter(object_type="entretiens.Assignment").count() == 2


def test_the_admin_sees_no_work_on_the_bilan_page_and_writes_no_audit_row(cast, client):
    bilan = in_preliminary(cast.bilan)
    give(bilan, title="Secret exercice")
    client.force_login(cast.admin)
    page = client.get(reverse("bilans:detail", args=[bilan.pk])).content.decode()
    assert "Travail inter-session" in page and "Secret exercice" not in page
    assert not AuditEvent.objects.filter(object_type="entretiens.Assignment").exists()


def test_the_dashboard_shows_late_work_and_counts_work_done_this_week(cast, client):
    bilan = in_preliminary(cast.bilan)
    make_late(give(bilan, title="Enquête"))
    complete_assignment(assignment=give(bilan), by=cast.beneficiary, comment="")
    client.force_login(cast.consultant)
    page = client.get(reverse("home")).content.decode()
    assert "Travail inter-session de Bruno Bénéf attendu le" in page
    assert "1 travail marqué fait ces 7 derniers jours." in page
    assert "Enquête" not in page  # names and dates only: no content on the dashboard


def test_the_dashboard_costs_the_same_queries_whatever_the_amount_of_work(cast, client):
    client.force_login(cast.consultant)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        return len(ctx.captured_queries)

    in_preliminary(cast.bilan)
    before = queries()
    for i in range(4):
        b = make_member(cast.org, f"extra{i}@cap.test", Role.BENEFICIARY, "Extra", f"N{i}")
        bilan = in_preliminary(make_bilan(cast.org, b, cast.consultant))
        make_late(give(bilan))
        complete_assignment(assignment=give(bilan), by=b, comment="")
    assert queries() == before


# ---- the beneficiary's space ----------------------------------------------------------------


def portal_urls(work: Assignment) -> list[tuple[str, str]]:
    return [
        ("get", reverse("portal:assignment", args=[work.pk])),
        ("post", reverse("portal:assignment_done", args=[work.pk])),
        ("post", reverse("portal:assignment_reopen", args=[work.pk])),
    ]


@pytest.mark.parametrize(
    "role,status",
    [
        ("other_beneficiary", 404),
        ("outsider_beneficiary", 404),
        ("consultant", 403),
        ("admin", 403),
        ("outsider_admin", 403),
    ],
)
def test_no_one_but_the_beneficiary_opens_or_marks_their_work(cast, client, role, status):
    work = give(in_preliminary(cast.bilan))
    client.force_login(getattr(cast, role))
    for method, url in portal_urls(work):
        assert getattr(client, method)(url).status_code == status, url
    work.refresh_from_db()
    assert work.done_at is None


@pytest.mark.parametrize("role,status", [("beneficiary", 200), ("consultant", 403), ("admin", 403)])
def test_the_work_list_is_the_beneficiarys_own(cast, client, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("portal:assignments")).status_code == status


def test_the_beneficiary_sees_their_work_by_due_date_late_ones_marked(cast, client):
    bilan = in_preliminary(cast.bilan)
    give(bilan, title="Dans dix jours", days=10)
    give(bilan, title="Demain", days=1)
    make_late(give(bilan, title="Hier"), days=1)
    give(in_preliminary(cast.other_bilan), title="Pas à moi")
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:assignments")).content.decode()
    assert page.index("Hier") < page.index("Demain") < page.index("Dans dix jours")
    assert page.count("en retard") == 1 and "Pas à moi" not in page


def test_the_beneficiary_opens_work_marks_it_done_then_reopens_it(cast, client):
    work = give(in_preliminary(cast.bilan), instructions="Répondez aux 40 questions.")
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:assignment", args=[work.pk])).content.decode()
    assert "Répondez aux 40 questions." in page and "Marquer comme fait" in page
    response = client.post(
        reverse("portal:assignment_done", args=[work.pk]), {"comment": "Long mais utile."}
    )
    assert response.status_code == 302
    work.refresh_from_db()
    assert work.done_at and work.beneficiary_comment == "Long mais utile."
    page = client.get(reverse("portal:assignment", args=[work.pk])).content.decode()
    assert "Long mais utile." in page and "le remettre à faire" in page
    client.post(reverse("portal:assignment_reopen", args=[work.pk]))
    work.refresh_from_db()
    assert work.done_at is None
    assert not AuditEvent.objects.exists()  # the beneficiary's own reads are not logged


def test_marking_done_twice_is_refused_with_the_comment_kept(cast, client):
    work = give(in_preliminary(cast.bilan))
    complete_assignment(assignment=work, by=cast.beneficiary, comment="")
    client.force_login(cast.beneficiary)
    response = client.post(reverse("portal:assignment_done", args=[work.pk]), {"comment": "Encore"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "déjà marqué comme fait" in page


def test_the_home_page_lists_open_work_in_what_i_have_to_do(cast, client):
    bilan = in_preliminary(cast.bilan)
    make_late(give(bilan, title="Questionnaire d'intérêts"))
    complete_assignment(assignment=give(bilan, title="Déjà fait"), by=cast.beneficiary, comment="")
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    todo = page[page.index('id="todo"') :]
    assert "Questionnaire d&#x27;intérêts" in todo and "en retard" in todo
    assert "Déjà fait" not in page
