"""Prefill the synthèse from what the bilan recorded (REQ-10): each statement is taken from one
record, word for word, and keeps a link to it, so the consultant can check where every
sentence comes from. Nothing is invented: a section whose sources are empty stays empty.

What is read: the request and the analysis of the need (BilanFraming); the shared summaries of
held entretiens (never a private note); test results as figures (Holland code, Big Five
tendencies) and the beneficiary's own comments (never the consultant's debrief note); the
portefeuille de compétences; « Motivations et contraintes »; the validated project, its
alternatives and what the enquêtes métier confirmed or contradicted; the plan d'action; the
suivi decision.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _t

from bilan.assessments.models import AdministrationStatus, Result
from bilan.assessments.reports import report
from bilan.bilans.models import Bilan, FollowUpDecision, Phase
from bilan.careers.models import EnqueteStatus, ProjectValidation
from bilan.documents.models import SECTIONS
from bilan.documents.sanitize import strip_controls
from bilan.entretiens.notes import held_summaries
from bilan.exercises.models import Experience, MotivationsExercise
from bilan.exercises.parcours import MOTIVATION_TITLES
from bilan.exercises.portfolio import group_competences
from bilan.followup.actionplan import actions_for_synthese as actions


@dataclass(frozen=True)
class Statement:
    """One prefilled sentence (or paragraph) and the record it comes from."""

    text: str
    source_type: str  # the model label, e.g. "entretiens.EntretienNote"
    source_id: str
    source_url: str
    source_label: str
    lead: str = ""  # a short bold lead-in (« Ce qui me motive »), part of the document

    def as_source(self) -> dict:
        found = asdict(self)
        found.pop("lead")
        return found


def _url(name: str, *args: object) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a feature's pages not mounted (yet): the label still says where
        return ""


def _clean(text: str | None) -> str:
    return strip_controls(text or "").strip()


def _say(found: list[Statement], text: str | None, **source: str) -> None:
    text = _clean(text)
    if text:
        found.append(Statement(text=text, **source))


# ---- sources, one function each ----------------------------------------------------------

# Entretiens of the default guide, by the section they mostly inform; free entretiens by phase.
SECTION_OF_INTERVIEW = {
    "accueil": "circonstances",
    "analyse-demande": "circonstances",
    "analyse-parcours": "competences",
    "analyse-competences": "competences",
    "motivations-valeurs": "motivations",
    "pistes-professionnelles": "projet",
    "validation-projet": "projet",
    "plan-action": "plan_action",
    "synthese-cloture": "conditions",
}
SECTION_OF_PHASE = {
    Phase.PRELIMINARY: "circonstances",
    Phase.INVESTIGATION: "competences",
    Phase.CONCLUSIONS: "conditions",
}


def _framing(bilan: Bilan, out: dict[str, list[Statement]]) -> None:
    framing = bilan.framing_or_empty()
    if framing.pk is None:
        return
    url = _url("bilans:detail", bilan.pk)
    common = {"source_type": "bilans.BilanFraming", "source_id": str(framing.pk), "source_url": url}
    _say(
        out["circonstances"],
        framing.request_text,
        source_label=_t("La demande, dans les mots du ou de la bénéficiaire"),
        lead=_t("La demande"),
        **common,
    )
    _say(
        out["circonstances"],
        framing.needs_analysis,
        source_label=_t("Analyse de la demande et du besoin"),
        lead=_t("Analyse de la demande"),
        **common,
    )


def _summaries(bilan: Bilan, out: dict[str, list[Statement]]) -> None:
    for note in held_summaries(bilan):  # shared summaries of held entretiens only
        entretien = note.entretien
        key = SECTION_OF_INTERVIEW.get(entretien.interview_key) or SECTION_OF_PHASE.get(
            entretien.phase
        )
        if key is None:
            continue
        title = entretien.title or entretien.get_phase_display()
        _say(
            out[key],
            note.text,
            source_type="entretiens.EntretienNote",
            source_id=str(note.pk),
            source_url=_url("entretiens:conduct", entretien.pk),
            source_label=_t("Synthèse partagée de l'entretien « %(t)s » du %(d)s")
            % {"t": title, "d": f"{entretien.starts_at:%d/%m/%Y}"},
        )


LEVEL_WORDS = {"high": "élevée", "medium": "moyenne", "low": "basse"}


def _results(bilan: Bilan, out: dict[str, list[Statement]]) -> None:
    results = (
        Result.objects.filter(
            administration__bilan=bilan, administration__status=AdministrationStatus.SUBMITTED
        )
        .select_related("administration")
        .order_by("-computed_at", "-id")
    )
    seen: set[str] = set()
    for result in results:
        instrument = result.administration.instrument
        if instrument.family in seen or instrument.family not in ("riasec", "big_five"):
            continue
        seen.add(instrument.family)
        r = report(result)
        common = {
            "source_type": "assessments.Result",
            "source_id": str(result.pk),
            "source_url": _url("assessments:result", result.administration_id),
        }
        if instrument.family == "riasec":
            names = ", ".join(f"{row['name']} ({row['raw']})" for row in r["rows"][:3])
            text = _t("Code Holland %(code)s ; types dominants : %(names)s.") % {
                "code": r["code"],
                "names": names,
            }
            if r["undifferentiated"]:
                text = _t("Profil d'intérêts peu différencié (code %(code)s).") % {
                    "code": r["code"]
                }
        else:
            text = (
                "; ".join(
                    _t("%(name)s : tendance %(level)s")
                    % {"name": d["name"], "level": LEVEL_WORDS.get(d["level"], d["level"])}
                    for d in r["domains"]
                )
                + "."
            )
        _say(
            out["competences"],
            text,
            source_label=_t("Résultats : %(name)s") % {"name": instrument.name},
            lead=instrument.name,
            **common,
        )
        _say(
            out["competences"],
            result.beneficiary_comment,  # the beneficiary's words; never the debrief note
            source_label=_t("Commentaire du ou de la bénéficiaire sur « %(name)s »")
            % {"name": instrument.name},
            lead=_t("Comment je me reconnais dans ces résultats"),
            **common,
        )


def _portfolio(bilan: Bilan, out: dict[str, list[Statement]]) -> None:
    experiences = list(bilan.experiences.prefetch_related("competences"))
    groups = group_competences(
        (c.label, c.rome_code, e) for e in experiences for c in e.competences.all()
    )
    if not groups:
        return
    labels = [
        g.label if g.count == 1 else f"{g.label} ({g.count} {_t('expériences')})" for g in groups
    ]
    _say(
        out["competences"],
        "; ".join(labels) + ".",
        source_type=Experience._meta.label,
        source_id=",".join(str(e.pk) for e in experiences),
        source_url=_url("exercises:portfolio", bilan.pk),
        source_label=_t("Portefeuille de compétences (%(n)s expériences)")
        % {"n": len(experiences)},
        lead=_t("Compétences repérées dans le parcours"),
    )


def _motivations(bilan: Bilan, out: dict[str, list[Statement]]) -> None:
    exercise = MotivationsExercise.objects.filter(bilan=bilan).first()
    if exercise is None:
        return
    url = _url("exercises:motivations", bilan.pk)
    for name, text in exercise.answers():
        key = "conditions" if name == "constraints" else "motivations"
        _say(
            out[key],
            text,
            source_type="exercises.MotivationsExercise",
            source_id=str(exercise.pk),
            source_url=url,
            source_label=_t("Motivations et contraintes : %(q)s") % {"q": MOTIVATION_TITLES[name]},
            lead=str(MOTIVATION_TITLES[name]),
        )


def _project(bilan: Bilan, out: dict[str, list[Statement]]) -> None:
    validation = (
        ProjectValidation.objects.filter(bilan=bilan)
        .select_related("principal")
        .prefetch_related("alternatives")
        .order_by("-validated_at", "-id")
        .first()
    )
    if validation is None:
        return
    principal = validation.principal
    alternatives = list(validation.alternatives.all())

    def piste_source(option) -> dict:
        return {
            "source_type": "careers.CareerOption",
            "source_id": str(option.pk),
            "source_url": _url("careers:piste", bilan.pk, option.pk),
        }

    title = principal.title + (f" ({principal.code_rome})" if principal.code_rome else "")
    _say(
        out["projet"],
        title,
        source_label=_t("Projet validé le %(d)s") % {"d": f"{validation.validated_at:%d/%m/%Y}"},
        lead=_t("Projet retenu"),
        **piste_source(principal),
    )
    _say(
        out["projet"],
        validation.statement,
        source_type="careers.ProjectValidation",
        source_id=str(validation.pk),
        source_url=_url("careers:pistes", bilan.pk),
        source_label=_t("Le projet, dans les mots du ou de la bénéficiaire"),
        lead=_t("En mes mots"),
    )
    for option in alternatives:
        _say(
            out["projet"],
            option.title + (f" ({option.code_rome})" if option.code_rome else ""),
            source_label=_t("Alternative validée : %(t)s") % {"t": option.title},
            lead=_t("Alternative"),
            **piste_source(option),
        )
    for option in [principal, *alternatives]:
        for enquete in option.enquetes.filter(status=EnqueteStatus.HELD).order_by("held_on", "id"):
            common = {
                "source_type": "careers.EnqueteMetier",
                "source_id": str(enquete.pk),
                "source_url": _url("careers:enquete", bilan.pk, enquete.pk),
                "source_label": _t("Enquête métier auprès de %(who)s (%(piste)s)")
                % {"who": enquete.contact_name, "piste": option.title},
            }
            _say(
                out["projet"],
                enquete.confirmed,
                lead=_t("Ce que l'enquête a confirmé"),
                **common,
            )
            _say(
                out["projet"],
                enquete.contradicted,
                lead=_t("Ce que l'enquête a contredit"),
                **common,
            )
    # Facteurs favorables and freins, as written on the retained piste.
    for field, lead in (
        ("advantages", _t("Facteurs favorables")),
        ("drawbacks", _t("Freins")),
        ("training_needed", _t("Formation nécessaire")),
        ("funding", _t("Financement")),
    ):
        _say(
            out["conditions"],
            getattr(principal, field),
            source_label=_t("Piste « %(t)s » : %(f)s")
            % {"t": principal.title, "f": principal._meta.get_field(field).verbose_name},
            lead=lead,
            **piste_source(principal),
        )


def actions_for_synthese(bilan: Bilan) -> list[dict]:
    """The plan d'action's actions ({"text", "source_url", "source_label"}), from
    bilan.followup.actionplan (a feature below documents)."""
    try:
        return list(actions(bilan))
    except NoReverseMatch:  # the plan's pages not mounted yet: no link to give, so no statement
        return []


def _plan(bilan: Bilan, out: dict[str, list[Statement]]) -> None:
    for i, action in enumerate(actions_for_synthese(bilan)):
        _say(
            out["plan_action"],
            action.get("text"),
            source_type="followup.Action",
            source_id=str(action.get("id", i)),
            source_url=action.get("source_url", ""),
            source_label=action.get("source_label", "") or _t("Plan d'action"),
        )


def _suivi(bilan: Bilan, out: dict[str, list[Statement]]) -> None:
    texts = {
        FollowUpDecision.PROPOSED: _t(
            "Un entretien de suivi est proposé, environ six mois après la fin du bilan."
        ),
        FollowUpDecision.ACCEPTED: _t(
            "Le ou la bénéficiaire a accepté un entretien de suivi, environ six mois après la "
            "fin du bilan."
        ),
        FollowUpDecision.REFUSED: _t(
            "Le ou la bénéficiaire n'a pas souhaité d'entretien de suivi."
        ),
    }
    if bilan.follow_up_decision:
        _say(
            out["suivi"],
            texts[bilan.follow_up_decision],
            source_type="bilans.Bilan",
            source_id=str(bilan.pk),
            source_url=_url("bilans:detail", bilan.pk),
            source_label=_t("Décision sur l'entretien de suivi : %(d)s")
            % {"d": bilan.get_follow_up_decision_display()},
        )


SOURCES: tuple[Callable[[Bilan, dict[str, list[Statement]]], None], ...] = (
    _framing,
    _summaries,
    _results,
    _portfolio,
    _motivations,
    _project,
    _plan,
    _suivi,
)


def statements(bilan: Bilan) -> dict[str, list[Statement]]:
    """Every statement the bilan's records give, by section key (empty lists kept)."""
    out: dict[str, list[Statement]] = {key: [] for key in SECTIONS}
    for source in SOURCES:
        source(bilan, out)
    return out


def statement_html(s: Statement) -> str:
    lines = "<br>".join(html.escape(line.strip()) for line in s.text.splitlines() if line.strip())
    lead = f"<strong>{html.escape(s.lead)}</strong> : " if s.lead else ""
    return f"<p>{lead}{lines}</p>"


def prefill(bilan: Bilan) -> tuple[dict[str, str], dict[str, list[dict]]]:
    """(sections, sources) for every section key: html made only of the statements, escaped."""
    found = statements(bilan)
    sections = {key: "".join(statement_html(s) for s in found[key]) for key in SECTIONS}
    sources = {key: [s.as_source() for s in found[key]] for key in SECTIONS}
    return sections, sources
