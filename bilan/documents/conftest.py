"""Fixtures of the synthèse's tests: temporary storage, a bilan in its conclusions phase with
every source of the prefill recorded (and private notes that must never leak), and a
synthèse walked to a chosen step."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bilan.assessments.administrations import (
    comment_result,
    debrief_result,
    save_answers,
    start_test,
    submit_test,
)
from bilan.assessments.instruments import get_instrument
from bilan.bilans.models import Status
from bilan.careers.models import (
    CareerOption,
    CareerOptionKind,
    CareerOptionOrigin,
    CareerOptionStatus,
    EnqueteMetier,
    EnqueteStatus,
    ProjectValidation,
)
from bilan.demo.scenario import advance_to
from bilan.documents import prefill
from bilan.entretiens.models import EntretienNote, EntretienStatus, NoteKind
from bilan.exercises.models import ExperienceKind
from bilan.exercises.parcours import add_experience, save_motivations

PRIVATE = "NOTE-PRIVEE-DU-CONSULTANT-4242"
DEBRIEF = "RESTITUTION-PRIVEE-4343"
ENQUETE_DEBRIEF = "DEBRIEF-ENQUETE-4444"


@pytest.fixture(autouse=True)
def _private_roots(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def conclusions(cast):
    """cast.bilan in its conclusions phase, nothing recorded but what advance_to records."""
    return advance_to(cast.bilan, Status.CONCLUSIONS)


def take(bilan, code: str, value: int = 4):
    administration = start_test(bilan=bilan, by=bilan.beneficiary, code=code)
    answers = dict.fromkeys(get_instrument(code).item_ids, value)
    for i, item in enumerate(answers):
        answers[item] = 1 + (i % 5)
    save_answers(administration=administration, by=bilan.beneficiary, answers=answers)
    return submit_test(administration=administration, by=bilan.beneficiary)


def record_everything(bilan, consultant) -> SimpleNamespace:
    """Every source of the prefill, each with a recognisable text; private notes beside."""

    found = SimpleNamespace()
    entretiens = list(bilan.entretiens.filter(status=EntretienStatus.HELD).order_by("starts_at"))
    first, investigation = entretiens[0], entretiens[3]
    found.summary = EntretienNote.objects.create(
        entretien=first, key="summary", kind=NoteKind.SHARED, text="Synthèse partagée de l'accueil."
    )
    found.summary2 = EntretienNote.objects.create(
        entretien=investigation,
        key="summary",
        kind=NoteKind.SHARED,
        text="Compétences relationnelles confirmées.",
    )
    EntretienNote.objects.create(entretien=first, key="free", kind=NoteKind.PRIVATE, text=PRIVATE)
    EntretienNote.objects.create(
        entretien=investigation, key="q1", kind=NoteKind.PRIVATE, text=PRIVATE
    )
    found.riasec = take(bilan, "riasec_48")
    comment_result(result=found.riasec, by=bilan.beneficiary, text="Je me reconnais dans le S.")
    debrief_result(result=found.riasec, by=consultant, text=DEBRIEF)
    found.big_five = take(bilan, "mini_ipip_20")
    found.experience = add_experience(
        bilan=bilan,
        by=bilan.beneficiary,
        kind=ExperienceKind.JOB,
        title="Assistante comptable",
        start_on=dt.date(2015, 9, 1),
        end_on=dt.date(2019, 6, 1),
        competences=["Gérer un budget", "Relancer des clients"],
    )
    found.motivations = save_motivations(
        bilan=bilan,
        by=bilan.beneficiary,
        motivates="Être utile aux autres.",
        constraints="Rester à Lyon.",
    )
    found.principal = CareerOption.objects.create(
        bilan=bilan,
        kind=CareerOptionKind.FREE,
        origin=CareerOptionOrigin.FREE,
        title="Conseillère en insertion",
        status=CareerOptionStatus.RETAINED,
        advantages="Réseau associatif local.",
        drawbacks="Salaire plus bas.",
    )
    found.alternative = CareerOption.objects.create(
        bilan=bilan,
        kind=CareerOptionKind.FREE,
        origin=CareerOptionOrigin.FREE,
        title="Formatrice pour adultes",
        status=CareerOptionStatus.ALTERNATIVE,
    )
    found.validation = ProjectValidation.objects.create(
        bilan=bilan,
        principal=found.principal,
        statement="Je veux accompagner des personnes vers l'emploi.",
        validated_by=bilan.beneficiary,
    )
    found.validation.alternatives.add(found.alternative)
    found.enquete = EnqueteMetier.objects.create(
        career_option=found.principal,
        contact_name="Mme Durand",
        status=EnqueteStatus.HELD,
        held_on=dt.date(2026, 10, 1),
        confirmed="Le contact humain est central.",
        contradicted="Beaucoup de tâches administratives.",
        debrief_note=ENQUETE_DEBRIEF,
    )
    return found


@pytest.fixture
def recorded(cast, conclusions, monkeypatch):
    """The conclusions-phase bilan with every source, the plan d'action given by the adapter."""

    monkeypatch.setattr(
        prefill,
        "actions_for_synthese",
        lambda bilan: [
            {
                "text": "Contacter trois associations d'insertion avant fin janvier.",
                "source_url": f"/suivi/bilan/{bilan.pk}/plan/#action-1",
                "source_label": "Plan d'action, action 1",
            }
        ],
    )
    return record_everything(conclusions, cast.consultant)
