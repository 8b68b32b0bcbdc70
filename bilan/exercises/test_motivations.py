"""« Motivations et contraintes »: the guide's questions, one answer each, saved and read back
by the beneficiary until the bilan closes; read by the assigned consultant (audited)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from bilan.bilans.models import RuleViolation, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exercises.models import MotivationsExercise
from bilan.exercises.parcours import (
    MOTIVATION_QUESTIONS,
    motivation_answers,
    read_motivations,
    save_motivations,
)

ANSWERS = {
    "motivates": "Être utile, apprendre.",
    "exhausts": "Les réunions sans fin.",
    "criteria": "Un métier au contact du public.",
    "constraints": "Pas plus de 40 minutes de trajet.",
    "compromises": "Un salaire un peu plus bas ; le temps partiel est non négociable.",
}


@pytest.fixture
def bilan(cast):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


def test_the_questions_come_from_the_guide_interview_on_motivations_and_values():
    assert list(MOTIVATION_QUESTIONS) == [
        "motivates",
        "exhausts",
        "criteria",
        "constraints",
        "compromises",
    ]
    assert "m'épuiser" in str(MOTIVATION_QUESTIONS["exhausts"])
    assert "points non négociables" in str(MOTIVATION_QUESTIONS["compromises"])


def test_the_beneficiary_saves_their_answers_and_reads_them_back(bilan):
    saved = save_motivations(bilan=bilan, by=bilan.beneficiary, **ANSWERS)
    assert saved.saved_at is not None and saved.saved_by == bilan.beneficiary
    again = read_motivations(reader=bilan.beneficiary, bilan=bilan)
    assert dict(again.answers()) == ANSWERS


def test_saving_again_updates_the_one_exercise_of_the_bilan(bilan):
    first = save_motivations(bilan=bilan, by=bilan.beneficiary, **ANSWERS)
    second = save_motivations(bilan=bilan, by=bilan.beneficiary, motivates="  Transmettre  ")
    assert MotivationsExercise.objects.count() == 1
    assert second.pk == first.pk and second.saved_at >= first.saved_at
    assert (second.motivates, second.exhausts) == ("Transmettre", "")


def test_nothing_saved_reads_as_none_with_empty_answers(bilan):
    assert read_motivations(reader=bilan.beneficiary, bilan=bilan) is None
    assert [a["text"] for a in motivation_answers(None)] == [""] * 5


def test_an_absurdly_long_answer_is_refused_and_the_saved_one_kept(bilan):
    save_motivations(bilan=bilan, by=bilan.beneficiary, **ANSWERS)
    with pytest.raises(RuleViolation, match="« Ce qui m'épuise » est trop long") as e:
        save_motivations(bilan=bilan, by=bilan.beneficiary, **{**ANSWERS, "exhausts": "x" * 5001})
    assert e.value.code == "invalid"
    assert MotivationsExercise.objects.get().exhausts == ANSWERS["exhausts"]


@pytest.mark.parametrize("role", ["consultant", "colleague", "admin", "other_beneficiary"])
def test_only_the_beneficiary_writes_their_motivations(cast, bilan, role):
    with pytest.raises(RuleViolation) as e:
        save_motivations(bilan=bilan, by=getattr(cast, role), **ANSWERS)
    assert e.value.code == "forbidden"
    assert not MotivationsExercise.objects.exists()


def test_motivations_are_read_only_once_the_bilan_is_closed(bilan):
    save_motivations(bilan=bilan, by=bilan.beneficiary, **ANSWERS)
    advance_to(bilan, Status.CLOSED)
    with pytest.raises(RuleViolation, match="le bilan est à l'étape « clos »"):
        save_motivations(bilan=bilan, by=bilan.beneficiary, motivates="Autre chose")
    assert MotivationsExercise.objects.get().motivates == ANSWERS["motivates"]


def test_the_consultant_reads_them_with_an_audit_row_and_the_admin_cannot(cast, bilan):
    save_motivations(bilan=bilan, by=bilan.beneficiary, **ANSWERS)
    read_motivations(reader=cast.beneficiary, bilan=bilan)
    assert not AuditEvent.objects.exists()
    assert read_motivations(reader=cast.consultant, bilan=bilan).criteria == ANSWERS["criteria"]
    event = AuditEvent.objects.get()
    assert (event.object_type, event.actor_id) == (
        "exercises.MotivationsExercise",
        cast.consultant.pk,
    )
    with pytest.raises(PermissionDenied):
        read_motivations(reader=cast.admin, bilan=bilan)
    assert AuditEvent.objects.count() == 1


def test_the_page_saves_the_answers_and_shows_them_on_reload(cast, bilan, client):
    client.force_login(cast.beneficiary)
    url = reverse("portal:motivations")
    response = client.post(url, ANSWERS)
    assert response.status_code == 302 and response.url == url
    page = client.get(url).content.decode()
    assert "Les réunions sans fin." in page and "Enregistré le" in page
    assert "Quels compromis suis-je prêt·e à faire" in page


def test_a_refused_save_on_the_page_keeps_every_typed_answer(cast, bilan, client):
    client.force_login(cast.beneficiary)
    response = client.post(reverse("portal:motivations"), {**ANSWERS, "criteria": "x" * 5001})
    assert response.status_code == 422
    page = response.content.decode()
    assert "au plus 5000 caractères" in page
    assert "Les réunions sans fin." in page and "Pas plus de 40 minutes de trajet." in page
    assert not MotivationsExercise.objects.exists()


def test_on_a_closed_bilan_the_page_shows_the_answers_without_a_form(cast, bilan, client):
    save_motivations(bilan=bilan, by=bilan.beneficiary, **ANSWERS)
    advance_to(bilan, Status.CLOSED)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:motivations")).content.decode()
    assert "Être utile, apprendre." in page and 'id="motivations-form"' not in page
    assert "ne se modifient plus" in page
    response = client.post(reverse("portal:motivations"), {"motivates": "Ce que je tapais"})
    page = response.content.decode()
    assert response.status_code == 422 and "le bilan est à l&#x27;étape « clos »" in page
    assert "Ce que je tapais" in page  # kept on the page, to copy it
    assert MotivationsExercise.objects.get().motivates == ANSWERS["motivates"]
