"""« Mon parcours »: the beneficiary adds, rewrites and deletes experiences while the bilan is
in its phases; dates, lengths and authors are checked; the consultant's reads are audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from bilan.bilans.content import is_content
from bilan.bilans.models import RuleViolation, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exercises.models import (
    Achievement,
    Experience,
    ExperienceCompetence,
    ExperienceKind,
    MotivationsExercise,
)
from bilan.exercises.parcours import (
    AchievementData,
    CompetenceData,
    add_experience,
    delete_experience,
    get_experience_for_user,
    period_errors,
    read_experiences,
    read_portfolio,
    update_experience,
)

THIS_MONTH = timezone.localdate().replace(day=1)


def months_ago(n: int) -> dt.date:
    year, month = divmod(THIS_MONTH.year * 12 + THIS_MONTH.month - 1 - n, 12)
    return dt.date(year, month + 1, 1)


@pytest.fixture
def bilan(cast):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


def add(bilan, by=None, **extra) -> Experience:
    fields = {
        "kind": ExperienceKind.JOB,
        "title": "Assistante comptable",
        "place": "Transports Martin, Lyon",
        "start_on": dt.date(2015, 9, 14),
        "end_on": dt.date(2019, 6, 30),
        "missions": "Saisie des factures, relances clients.",
        "achievements": [
            AchievementData(
                situation="Retards de paiement", action="Relances", result="-30 % d'impayés"
            )
        ],
        "competences": ["Gérer un budget", "Relancer des clients"],
        **extra,
    }
    return add_experience(bilan=bilan, by=by or bilan.beneficiary, **fields)


def test_every_exercise_model_is_bilan_content():
    for model in (Experience, Achievement, ExperienceCompetence, MotivationsExercise):
        assert is_content(model), model


def test_the_beneficiary_adds_an_experience_with_month_dates_achievements_and_competences(bilan):
    e = add(bilan)
    assert (e.start_on, e.end_on, e.ongoing) == (dt.date(2015, 9, 1), dt.date(2019, 6, 1), False)
    assert [(a.situation, a.action, a.result) for a in e.achievements.all()] == [
        ("Retards de paiement", "Relances", "-30 % d'impayés")
    ]
    assert [(c.label, c.rome_code, c.linked_at) for c in e.competences.all()] == [
        ("Gérer un budget", "", None),
        ("Relancer des clients", "", None),
    ]


def test_an_experience_without_an_end_is_ongoing(bilan):
    assert add(bilan, end_on=None).ongoing


def test_empty_achievements_and_repeated_competences_are_dropped(bilan):
    e = add(
        bilan,
        achievements=[AchievementData(), AchievementData(situation="  ", result="")],
        competences=["Gérer un budget", "  gerer un BUDGET ", "", "Négocier"],
    )
    assert not e.achievements.exists()
    assert [c.label for c in e.competences.all()] == ["Gérer un budget", "Négocier"]


def test_a_competence_given_a_rome_code_is_marked_linked(bilan):
    e = add(bilan, competences=[CompetenceData(label="Gérer un budget", rome_code="k1404")])
    c = e.competences.get()
    assert c.rome_code == "K1404" and c.linked_at is not None


def test_the_timeline_is_in_date_order(bilan):
    add(bilan, title="Dernier", start_on=months_ago(3), end_on=None)
    add(bilan, title="Premier", start_on=dt.date(2001, 1, 1), end_on=dt.date(2003, 1, 1))
    add(bilan, title="Milieu", start_on=dt.date(2010, 1, 1), end_on=dt.date(2012, 1, 1))
    titles = [e.title for e in read_experiences(reader=bilan.beneficiary, bilan=bilan)]
    assert titles == ["Premier", "Milieu", "Dernier"]


# ---- bad input ------------------------------------------------------------------------------


def test_an_end_before_the_start_is_refused_in_french(bilan):
    with pytest.raises(RuleViolation, match="La fin est avant le début") as e:
        add(bilan, start_on=dt.date(2019, 6, 1), end_on=dt.date(2018, 1, 1))
    assert e.value.code == "invalid"
    assert not Experience.objects.exists()


def test_an_end_in_the_same_month_as_the_start_is_accepted(bilan):
    e = add(bilan, start_on=dt.date(2019, 6, 2), end_on=dt.date(2019, 6, 28))
    assert e.start_on == e.end_on == dt.date(2019, 6, 1)


def test_a_finished_experience_ending_in_the_future_is_refused(bilan):
    next_month = (THIS_MONTH + dt.timedelta(days=32)).replace(day=1)
    with pytest.raises(RuleViolation, match="La fin est dans le futur"):
        add(bilan, start_on=dt.date(2020, 1, 1), end_on=next_month)
    add(bilan, start_on=dt.date(2020, 1, 1), end_on=THIS_MONTH)  # this month is fine


def test_an_experience_starting_in_the_future_is_refused(bilan):
    with pytest.raises(RuleViolation, match="Le début est dans le futur"):
        add(bilan, start_on=THIS_MONTH + dt.timedelta(days=40), end_on=None)


def test_period_errors_name_the_field_they_are_about():
    assert set(period_errors(None, None)) == {"start"}
    assert set(period_errors(dt.date(1850, 1, 1), None)) == {"start"}
    assert set(period_errors(dt.date(2020, 5, 1), dt.date(2020, 4, 1))) == {"end"}
    assert period_errors(dt.date(2020, 5, 1), dt.date(2020, 5, 1)) == {}


@pytest.mark.parametrize("title", ["", "   "])
def test_an_empty_title_is_refused(bilan, title):
    with pytest.raises(RuleViolation, match="Donnez un intitulé"):
        add(bilan, title=title)


def test_an_unknown_kind_is_refused(bilan):
    with pytest.raises(RuleViolation, match="type d'expérience"):
        add(bilan, kind="stage-de-yoga")


@pytest.mark.parametrize(
    "field,extra",
    [
        ("Missions", {"missions": "x" * 5001}),
        ("Intitulé", {"title": "x" * 201}),
        ("Résultat", {"achievements": [AchievementData(result="x" * 5001)]}),
        ("Compétence", {"competences": ["x" * 201]}),
    ],
)
def test_an_absurdly_long_text_is_refused_naming_the_field(bilan, field, extra):
    with pytest.raises(RuleViolation, match=f"« {field} » est trop long") as e:
        add(bilan, **extra)
    assert e.value.code == "invalid"
    assert not Experience.objects.exists()


def test_more_than_thirty_competences_are_refused(bilan):
    with pytest.raises(RuleViolation, match="30 compétences au plus"):
        add(bilan, competences=[f"Compétence {i}" for i in range(31)])


# ---- who writes, when -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["consultant", "colleague", "admin", "other_beneficiary"])
def test_only_the_beneficiary_writes_their_parcours(cast, bilan, role):
    with pytest.raises(RuleViolation) as e:
        add(bilan, by=getattr(cast, role))
    assert e.value.code == "forbidden"
    experience = add(bilan)
    with pytest.raises(RuleViolation):
        update_experience(
            experience=experience,
            by=getattr(cast, role),
            kind="job",
            title="X",
            start_on=dt.date(2020, 1, 1),
        )
    with pytest.raises(RuleViolation):
        delete_experience(experience=experience, by=getattr(cast, role))
    assert Experience.objects.get().title == "Assistante comptable"


def test_the_parcours_is_not_written_before_the_bilan_starts(cast):
    with pytest.raises(RuleViolation, match="le bilan est à l'étape « demande »"):
        add(cast.bilan)


def test_the_parcours_is_read_only_once_the_bilan_is_closed(bilan):
    experience = add(bilan)
    advance_to(bilan, Status.CLOSED)
    with pytest.raises(RuleViolation, match="Impossible d'ajouter une expérience") as e:
        add(bilan)
    assert e.value.code == "refused"
    with pytest.raises(RuleViolation, match="Impossible de modifier une expérience"):
        update_experience(
            experience=experience,
            by=bilan.beneficiary,
            kind="job",
            title="Autre",
            start_on=dt.date(2020, 1, 1),
        )
    with pytest.raises(RuleViolation, match="Impossible de supprimer une expérience"):
        delete_experience(experience=experience, by=bilan.beneficiary)
    assert Experience.objects.get().title == "Assistante comptable"


def test_rewriting_keeps_the_rome_link_of_competences_still_there(bilan):
    e = add(bilan, competences=[CompetenceData("Gérer un budget", "K1404"), "Négocier"])
    (linked,) = [c for c in e.competences.all() if c.label == "Gérer un budget"]
    update_experience(
        experience=e,
        by=bilan.beneficiary,
        kind=ExperienceKind.VOLUNTEERING,
        title="Trésorière",
        start_on=dt.date(2016, 1, 1),
        competences=["gérer un budget", "Animer une réunion"],
        achievements=[AchievementData(situation="AG", action="Bilan", result="Quitus")],
    )
    e.refresh_from_db()
    assert (e.title, e.kind, e.end_on) == ("Trésorière", "volunteering", None)
    kept = e.competences.get(pk=linked.pk)
    assert (kept.label, kept.rome_code, kept.linked_at) == (
        "gérer un budget",
        "K1404",
        linked.linked_at,
    )
    assert [c.label for c in e.competences.all()] == ["gérer un budget", "Animer une réunion"]
    assert [a.situation for a in e.achievements.all()] == ["AG"]


def test_a_refused_rewrite_changes_nothing(bilan):
    e = add(bilan)
    with pytest.raises(RuleViolation):
        update_experience(
            experience=e,
            by=bilan.beneficiary,
            kind="job",
            title="Nouveau titre",
            start_on=dt.date(2020, 1, 1),
            end_on=dt.date(2019, 1, 1),
        )
    e.refresh_from_db()
    assert e.title == "Assistante comptable" and e.competences.count() == 2


def test_deleting_an_experience_deletes_its_achievements_and_competences(bilan):
    delete_experience(experience=add(bilan), by=bilan.beneficiary)
    assert not Experience.objects.exists()
    assert not Achievement.objects.exists() and not ExperienceCompetence.objects.exists()


# ---- reading ------------------------------------------------------------------------------------


def test_the_consultant_reading_the_parcours_writes_an_audit_row_per_object(cast, bilan):
    add(bilan)
    read_experiences(reader=cast.beneficiary, bilan=bilan)
    assert not AuditEvent.objects.exists()
    read_experiences(reader=cast.consultant, bilan=bilan)
    types = sorted(AuditEvent.objects.values_list("object_type", flat=True))
    assert types == [
        "exercises.Achievement",
        "exercises.Experience",
        "exercises.ExperienceCompetence",
        "exercises.ExperienceCompetence",
    ]
    assert set(AuditEvent.objects.values_list("actor_id", "channel")) == {
        (cast.consultant.pk, "web")
    }


def test_the_admin_cannot_read_the_parcours_nor_the_portfolio(cast, bilan):
    add(bilan)
    with pytest.raises(PermissionDenied):
        read_experiences(reader=cast.admin, bilan=bilan)
    with pytest.raises(PermissionDenied):
        read_portfolio(reader=cast.admin, bilan=bilan)
    assert not AuditEvent.objects.exists()


def test_the_portfolio_groups_the_competences_of_every_experience(bilan):
    first = add(bilan, title="Comptable", competences=["Gérer un budget"])
    second = add(
        bilan,
        title="Trésorière",
        start_on=dt.date(2020, 1, 1),
        end_on=None,
        competences=["gerer un BUDGET", "Animer"],
    )
    groups = read_portfolio(reader=bilan.beneficiary, bilan=bilan)
    assert [(g.label, g.experiences) for g in groups] == [
        ("Gérer un budget", [first, second]),
        ("Animer", [second]),
    ]


@pytest.mark.parametrize(
    "role,found",
    [
        ("beneficiary", True),
        ("consultant", True),
        ("admin", True),  # sees it exists (administration); reading it is refused
        ("other_beneficiary", False),
        ("colleague", False),
        ("outsider_consultant", False),
    ],
)
def test_an_experience_is_found_only_by_those_who_see_its_bilan(cast, bilan, role, found):
    experience = add(bilan)
    if found:
        assert get_experience_for_user(getattr(cast, role), experience.pk) == experience
    else:
        with pytest.raises(Http404):
            get_experience_for_user(getattr(cast, role), experience.pk)
