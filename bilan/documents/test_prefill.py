"""Prefill: every source of the bilan gives its statements to the right section, each linked
back to its record; private notes never appear; empty sources give empty sections."""

from __future__ import annotations

import pytest

from bilan.documents import prefill
from bilan.documents.conftest import DEBRIEF, ENQUETE_DEBRIEF, PRIVATE
from bilan.documents.models import SECTIONS
from bilan.documents.synthese import PROMPTS, start_synthese
from bilan.entretiens.models import Entretien, EntretienNote, NoteKind


def sources_of(sources: dict, key: str) -> set[tuple[str, str]]:
    return {(s["source_type"], s["source_id"]) for s in sources[key]}


def test_prefill_uses_each_source_and_links_back_to_it(cast, recorded):
    bilan = cast.bilan
    sections, sources = prefill.prefill(bilan)
    framing = bilan.framing
    assert ("bilans.BilanFraming", str(framing.pk)) in sources_of(sources, "circonstances")
    assert "Je voudrais savoir si je peux changer de métier." in sections["circonstances"]
    assert "Souhaite évoluer vers un métier plus proche du public" in sections["circonstances"]
    assert ("entretiens.EntretienNote", str(recorded.summary.pk)) in sources_of(
        sources, "circonstances"
    )
    assert "Synthèse partagée de l&#x27;accueil." in sections["circonstances"] or (
        "Synthèse partagée de l'accueil." in sections["circonstances"]
    )
    competences = sources_of(sources, "competences")
    assert ("entretiens.EntretienNote", str(recorded.summary2.pk)) in competences
    assert ("assessments.Result", str(recorded.riasec.pk)) in competences
    assert ("assessments.Result", str(recorded.big_five.pk)) in competences
    assert ("exercises.Experience", str(recorded.experience.pk)) in competences
    assert "Code Holland" in sections["competences"]
    assert "Je me reconnais dans le S." in sections["competences"]
    assert "Gérer un budget" in sections["competences"]
    assert "tendance" in sections["competences"]
    assert ("exercises.MotivationsExercise", str(recorded.motivations.pk)) in sources_of(
        sources, "motivations"
    )
    assert "Être utile aux autres." in sections["motivations"]
    assert "Rester à Lyon." in sections["conditions"]
    projet = sources_of(sources, "projet")
    assert ("careers.CareerOption", str(recorded.principal.pk)) in projet
    assert ("careers.CareerOption", str(recorded.alternative.pk)) in projet
    assert ("careers.ProjectValidation", str(recorded.validation.pk)) in projet
    assert ("careers.EnqueteMetier", str(recorded.enquete.pk)) in projet
    for text in (
        "Conseillère en insertion",
        "Formatrice pour adultes",
        "Le contact humain est central.",
        "Beaucoup de tâches administratives.",
    ):
        assert text in sections["projet"]
    assert "Réseau associatif local." in sections["conditions"]
    assert "Salaire plus bas." in sections["conditions"]
    assert "Contacter trois associations" in sections["plan_action"]
    assert sources["plan_action"][0]["source_url"].endswith("#action-1")
    assert ("bilans.Bilan", str(bilan.pk)) in sources_of(sources, "suivi")
    assert "accepté un entretien de suivi" in sections["suivi"]
    # Each source names where it comes from, and links there when the page exists.
    for key in SECTIONS:
        for s in sources[key]:
            assert s["text"] and s["source_label"], s
    assert sources["circonstances"][0]["source_url"] == f"/bilans/{bilan.pk}/"
    assert f"/entretiens/{recorded.summary.entretien_id}/conduire/" in {
        s["source_url"] for s in sources["circonstances"]
    }


def test_a_private_note_or_a_debrief_never_appears(cast, recorded):
    sections, sources = prefill.prefill(cast.bilan)
    everything = repr(sections) + repr(sources)
    for secret in (PRIVATE, DEBRIEF, ENQUETE_DEBRIEF):
        assert secret not in everything


def test_a_summary_of_an_entretien_not_held_is_not_used(cast, conclusions):
    planned = Entretien.objects.create(
        bilan=conclusions,
        phase="conclusions",
        starts_at=conclusions.entretiens.first().starts_at,
        planned_minutes=60,
    )
    EntretienNote.objects.create(
        entretien=planned, key="summary", kind=NoteKind.SHARED, text="Pas encore tenu."
    )
    sections, _sources = prefill.prefill(conclusions)
    assert "Pas encore tenu." not in repr(sections)


def test_empty_sources_give_empty_sections(cast, conclusions, monkeypatch):
    monkeypatch.setattr(prefill, "actions_for_synthese", lambda bilan: [])
    conclusions.framing.request_text = ""
    conclusions.framing.needs_analysis = ""
    conclusions.framing.save()
    sections, sources = prefill.prefill(conclusions)
    for key in (
        "circonstances",
        "competences",
        "motivations",
        "projet",
        "conditions",
        "plan_action",
    ):
        assert sections[key] == "" and sources[key] == [], key
    assert sections["suivi"]  # advance_to recorded the suivi decision


def test_prefilled_text_is_escaped(cast, conclusions, monkeypatch):
    monkeypatch.setattr(prefill, "actions_for_synthese", lambda bilan: [])
    conclusions.framing.request_text = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    conclusions.framing.save()
    synthese = start_synthese(bilan=conclusions, by=cast.consultant)
    html = synthese.latest().section("circonstances")
    assert (
        "<script" not in html
        and "<img" not in html
        and "onerror=" not in html.replace("&quot;", '"').split("&lt;img")[0]
    )
    assert "&lt;script&gt;" in html


def test_the_plan_adapter_is_empty_without_the_followup_module(cast, conclusions, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_followup(name, *args, **kwargs):
        if name.startswith("bilan.followup"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_followup)
    assert prefill.actions_for_synthese(conclusions) == []


@pytest.mark.parametrize("key", list(SECTIONS))
def test_every_section_has_a_french_title_and_a_prompt(key):
    assert str(SECTIONS[key]) and str(PROMPTS[key])
