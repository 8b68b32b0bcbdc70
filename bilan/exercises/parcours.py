"""Reflection exercises: the beneficiary writes « Mon parcours » and « Motivations et
contraintes »; the assigned consultant reads them.

Only the bilan's beneficiary writes, and only while the bilan is in its three phases (after
consent, before closing). Reading is reading content: every read by someone other than the
beneficiary writes an audit row; the administration never reads it (REQ-54).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.access import can_read_content
from bilan.bilans.models import IN_PHASE_STATUSES, Bilan, RuleViolation, visible_to
from bilan.compliance.audit import record_content_access
from bilan.exercises import referential
from bilan.exercises.models import (
    LABEL_MAX,
    PLACE_MAX,
    ROME_CODE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Achievement,
    Experience,
    ExperienceCompetence,
    ExperienceKind,
    MotivationsExercise,
)
from bilan.exercises.portfolio import Group, group_competences, normalise
from bilan.lib.text import capped

EARLIEST_YEAR = 1900
MAX_EXPERIENCES = 100
MAX_ACHIEVEMENTS = 10
MAX_COMPETENCES = 30

# The guide's questions (seed 004, « Entretien d'exploration des motivations et valeurs »,
# questions on motivations and on criteria of choice), in the beneficiary's voice.
MOTIVATION_QUESTIONS = {
    "motivates": _(
        "Qu'est-ce qui me motive profondément dans le travail ? Quelles activités me "
        "procurent le plus de satisfaction ?"
    ),
    "exhausts": _("À l'inverse, qu'est-ce qui peut me démotiver ou m'épuiser ?"),
    "criteria": _(
        "Quels sont mes critères prioritaires pour ma future situation professionnelle ?"
    ),
    "constraints": _(
        "Quelles sont mes contraintes personnelles à prendre en compte (mobilité, horaires, "
        "revenus, famille…) ?"
    ),
    "compromises": _(
        "Quels compromis suis-je prêt·e à faire ? Quels sont mes points non négociables ?"
    ),
}
MOTIVATION_TITLES = {
    "motivates": _("Ce qui me motive"),
    "exhausts": _("Ce qui m'épuise"),
    "criteria": _("Mes critères de choix"),
    "constraints": _("Mes contraintes"),
    "compromises": _("Mes compromis"),
}

FIELD_LABELS = {
    "title": _("Intitulé"),
    "place": _("Organisation ou lieu"),
    "missions": _("Missions"),
    "liked": _("Ce que j'ai aimé"),
    "liked_less": _("Ce que j'ai moins aimé"),
    "situation": _("Situation"),
    "action": _("Action"),
    "result": _("Résultat"),
    "label": _("Compétence"),
    **MOTIVATION_TITLES,
}


@dataclass(frozen=True)
class AchievementData:
    situation: str = ""
    action: str = ""
    result: str = ""

    @property
    def empty(self) -> bool:
        return not (self.situation.strip() or self.action.strip() or self.result.strip())


@dataclass(frozen=True)
class CompetenceData:
    label: str
    rome_code: str = ""


# ---- checks ---------------------------------------------------------------------------------


def _require_writer(bilan: Bilan, by: User) -> None:
    if by.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire écrit ses exercices de réflexion."), code="forbidden"
        )


def may_edit(bilan: Bilan, user) -> bool:
    """Whether `user` may write the bilan's exercises now (to show or hide forms)."""
    return user.pk == bilan.beneficiary_id and bilan.in_phases


def first_of_month(day: dt.date | None) -> dt.date | None:
    return day.replace(day=1) if day else None


def period_errors(
    start_on: dt.date | None, end_on: dt.date | None, *, today: dt.date | None = None
) -> dict[str, str]:
    """French messages, by field ("start", "end"), for an impossible period (month precision)."""
    this_month = first_of_month(today or timezone.localdate())
    start, end = first_of_month(start_on), first_of_month(end_on)
    found: dict[str, str] = {}
    if start is None:
        found["start"] = _t("Indiquez le mois de début.")
    elif start.year < EARLIEST_YEAR:
        found["start"] = _t("Le début doit être après %(year)s.") % {"year": EARLIEST_YEAR}
    elif start > this_month:
        found["start"] = _t("Le début est dans le futur : indiquez une expérience déjà commencée.")
    if end is not None:
        if end > this_month:
            found["end"] = _t(
                "La fin est dans le futur : une expérience terminée a une fin passée ; "
                "laissez la fin vide si elle est en cours."
            )
        elif start is not None and end < start:
            found["end"] = _t("La fin est avant le début : vérifiez les deux dates.")
    return found


def _text(name: str, value: str, cap: int = TEXT_MAX) -> str:
    return capped(FIELD_LABELS.get(name, name), value, cap)


def _clean_experience(
    *,
    kind: str,
    title: str,
    place: str,
    start_on: dt.date | None,
    end_on: dt.date | None,
    missions: str,
    liked: str,
    liked_less: str,
) -> dict:
    title = _text("title", title, TITLE_MAX)
    if not title:
        raise RuleViolation(_t("Donnez un intitulé à cette expérience."), code="invalid")
    if kind not in ExperienceKind.values:
        raise RuleViolation(_t("Choisissez un type d'expérience dans la liste."), code="invalid")
    errors = period_errors(start_on, end_on)
    if errors:
        raise RuleViolation(" ".join(errors.values()), code="invalid")
    return {
        "kind": kind,
        "title": title,
        "place": _text("place", place, PLACE_MAX),
        "start_on": first_of_month(start_on),
        "end_on": first_of_month(end_on),
        "missions": _text("missions", missions),
        "liked": _text("liked", liked),
        "liked_less": _text("liked_less", liked_less),
    }


def _clean_achievements(achievements: Iterable[AchievementData]) -> list[AchievementData]:
    kept = [a for a in achievements if not a.empty]
    if len(kept) > MAX_ACHIEVEMENTS:
        raise RuleViolation(
            _t("%(max)s réalisations au plus par expérience.") % {"max": MAX_ACHIEVEMENTS},
            code="invalid",
        )
    return [
        AchievementData(
            situation=_text("situation", a.situation),
            action=_text("action", a.action),
            result=_text("result", a.result),
        )
        for a in kept
    ]


def _clean_competences(competences: Iterable[CompetenceData | str]) -> list[CompetenceData]:
    """Trimmed, without empties, each label once (accents and case aside), the first kept."""
    seen: set[str] = set()
    kept: list[CompetenceData] = []
    for c in competences:
        item = CompetenceData(label=c) if isinstance(c, str) else c
        label = " ".join(item.label.split())
        key = normalise(label)
        if not key or key in seen:
            continue
        seen.add(key)
        code = item.rome_code.strip().upper()
        if code and (len(code) > ROME_CODE_MAX or not code.replace("-", "").isalnum()):
            raise RuleViolation(
                _t("Le code ROME « %(code)s » n'est pas valide.") % {"code": code[:40]},
                code="invalid",
            )
        kept.append(CompetenceData(label=_text("label", label, LABEL_MAX), rome_code=code))
    if len(kept) > MAX_COMPETENCES:
        raise RuleViolation(
            _t("%(max)s compétences au plus par expérience.") % {"max": MAX_COMPETENCES},
            code="invalid",
        )
    return kept


def split_competences(text: str) -> list[str]:
    """The competences typed in one box, one per line (or separated by « ; »)."""
    return [part for line in (text or "").splitlines() for part in line.split(";")]


# ---- writing --------------------------------------------------------------------------------


def _locked_editable(bilan: Bilan, action: str) -> Bilan:
    locked = bilan._locked()
    locked._require_status(*IN_PHASE_STATUSES, action=action)
    return locked


def add_experience(
    *,
    bilan: Bilan,
    by: User,
    kind: str,
    title: str,
    start_on: dt.date | None,
    end_on: dt.date | None = None,
    place: str = "",
    missions: str = "",
    liked: str = "",
    liked_less: str = "",
    achievements: Sequence[AchievementData] = (),
    competences: Sequence[CompetenceData | str] = (),
) -> Experience:
    """The beneficiary adds an experience to their parcours, with its réalisations and the
    competences it shows."""
    _require_writer(bilan, by)
    fields = _clean_experience(
        kind=kind,
        title=title,
        place=place,
        start_on=start_on,
        end_on=end_on,
        missions=missions,
        liked=liked,
        liked_less=liked_less,
    )
    kept_achievements = _clean_achievements(achievements)
    kept_competences = _clean_competences(competences)
    with transaction.atomic():
        locked = _locked_editable(bilan, _t("ajouter une expérience"))
        if locked.experiences.count() >= MAX_EXPERIENCES:
            raise RuleViolation(
                _t("%(max)s expériences au plus par bilan.") % {"max": MAX_EXPERIENCES},
                code="invalid",
            )
        experience = Experience.objects.create(bilan=locked, **fields)
        _replace_children(experience, kept_achievements, kept_competences)
    return experience


def update_experience(
    *,
    experience: Experience,
    by: User,
    kind: str,
    title: str,
    start_on: dt.date | None,
    end_on: dt.date | None = None,
    place: str = "",
    missions: str = "",
    liked: str = "",
    liked_less: str = "",
    achievements: Sequence[AchievementData] = (),
    competences: Sequence[CompetenceData | str] = (),
) -> Experience:
    """The beneficiary rewrites an experience. Competences kept (same label, accents and case
    aside) keep their ROME link."""
    _require_writer(experience.bilan, by)
    fields = _clean_experience(
        kind=kind,
        title=title,
        place=place,
        start_on=start_on,
        end_on=end_on,
        missions=missions,
        liked=liked,
        liked_less=liked_less,
    )
    kept_achievements = _clean_achievements(achievements)
    kept_competences = _clean_competences(competences)
    with transaction.atomic():
        _locked_editable(experience.bilan, _t("modifier une expérience"))
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        _replace_children(locked, kept_achievements, kept_competences)
    experience.refresh_from_db()
    return experience


def delete_experience(*, experience: Experience, by: User) -> None:
    _require_writer(experience.bilan, by)
    with transaction.atomic():
        _locked_editable(experience.bilan, _t("supprimer une expérience"))
        Experience.objects.filter(pk=experience.pk).delete()


def _replace_children(
    experience: Experience,
    achievements: list[AchievementData],
    competences: list[CompetenceData],
) -> None:
    experience.achievements.all().delete()
    Achievement.objects.bulk_create(
        Achievement(experience=experience, situation=a.situation, action=a.action, result=a.result)
        for a in achievements
    )
    existing = {normalise(c.label): c for c in experience.competences.all()}
    keep: list[int] = []
    now = timezone.now()
    for c in competences:
        old = existing.get(normalise(c.label))
        if old is not None:
            old.label = c.label
            if c.rome_code and c.rome_code != old.rome_code:
                old.rome_code, old.linked_at = c.rome_code, now
            old.save(update_fields=["label", "rome_code", "linked_at"])
            keep.append(old.pk)
        else:
            new = ExperienceCompetence.objects.create(
                experience=experience,
                label=c.label,
                rome_code=c.rome_code,
                linked_at=now if c.rome_code else None,
            )
            keep.append(new.pk)
    experience.competences.exclude(pk__in=keep).delete()


def save_motivations(
    *,
    bilan: Bilan,
    by: User,
    motivates: str = "",
    exhausts: str = "",
    criteria: str = "",
    constraints: str = "",
    compromises: str = "",
) -> MotivationsExercise:
    """The beneficiary saves their answers to « Motivations et contraintes » (all at once)."""
    _require_writer(bilan, by)
    answers = {
        "motivates": _text("motivates", motivates),
        "exhausts": _text("exhausts", exhausts),
        "criteria": _text("criteria", criteria),
        "constraints": _text("constraints", constraints),
        "compromises": _text("compromises", compromises),
    }
    with transaction.atomic():
        locked = _locked_editable(bilan, _t("modifier mes motivations et contraintes"))
        exercise, _created = MotivationsExercise.objects.select_for_update().get_or_create(
            bilan=locked
        )
        for name, value in answers.items():
            setattr(exercise, name, value)
        exercise.saved_at = timezone.now()
        exercise.saved_by = by
        exercise.save()
    return exercise


# ---- reading --------------------------------------------------------------------------------


def _require_reader(reader, bilan: Bilan) -> None:
    if not can_read_content(reader, bilan):
        raise PermissionDenied(
            _t(
                "Les exercices de réflexion sont réservés au ou à la bénéficiaire et à son ou sa "
                "consultant·e."
            )
        )


def _audit(reader, bilan: Bilan, experiences: list[Experience], channel: str) -> None:
    objects: list = []
    for e in experiences:
        objects += [e, *e.achievements.all(), *e.competences.all()]
    record_content_access(actor=reader, bilan=bilan, objects=objects, channel=channel)


def _experiences(bilan: Bilan) -> list[Experience]:
    return list(bilan.experiences.prefetch_related("achievements", "competences"))


def read_experiences(*, reader, bilan: Bilan, channel: str = "web") -> list[Experience]:
    """The bilan's parcours in date order, for the beneficiary or the assigned consultant;
    the consultant's read is audited (each experience, réalisation and competence)."""
    _require_reader(reader, bilan)
    experiences = _experiences(bilan)
    _audit(reader, bilan, experiences, channel)
    return experiences


def read_experience(*, reader, experience: Experience, channel: str = "web") -> Experience:
    _require_reader(reader, experience.bilan)
    _audit(reader, experience.bilan, [experience], channel)
    return experience


def read_portfolio(
    *,
    reader,
    bilan: Bilan,
    channel: str = "web",
) -> list[Group[Experience]]:
    """The portefeuille de compétences: the competences of every experience, grouped."""
    experiences = read_experiences(reader=reader, bilan=bilan, channel=channel)
    return group_competences(
        (c.label, c.rome_code, e) for e in experiences for c in e.competences.all()
    )


def read_motivations(
    *,
    reader,
    bilan: Bilan,
    channel: str = "web",
) -> MotivationsExercise | None:
    """The exercise if it was ever saved (its read by the consultant audited), else None."""
    _require_reader(reader, bilan)
    exercise = MotivationsExercise.objects.filter(bilan=bilan).first()
    if exercise is not None:
        record_content_access(actor=reader, bilan=bilan, objects=[exercise], channel=channel)
    return exercise


def motivation_answers(exercise: MotivationsExercise | None) -> list[dict]:
    """Each question with its title and the answer (empty when never saved), for display."""
    return [
        {
            "name": name,
            "title": MOTIVATION_TITLES[name],
            "question": question,
            "text": getattr(exercise, name) if exercise else "",
        }
        for name, question in MOTIVATION_QUESTIONS.items()
    ]


def get_experience_for_user(user, pk: int) -> Experience:
    """The experience `pk` of a bilan `user` may see, else 404 (its existence is not told)."""
    try:
        return (
            Experience.objects.filter(bilan__in=Bilan.objects.for_user(user))
            .select_related("bilan__beneficiary", "bilan__consultant", "bilan__organisation")
            .prefetch_related("achievements", "competences")
            .get(pk=pk)
        )
    except (Experience.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def current_bilan(user) -> Bilan | None:
    """The beneficiary's bilan the exercises belong to."""
    return Bilan.objects.with_people().current_for(user)


# ---- linking a competence to the ROME -------------------------------------------------------

ROME_SEARCH_MIN = 3


def search_rome_items(query: str, limit: int = 20) -> list[tuple[int, str, str]]:
    """ROME compétences (non-macro first) then savoirs whose label holds every word typed,
    accents and case aside, shorter labels first: [(code_ogr, label, kind)]."""
    return referential.source().search(query, limit, ROME_SEARCH_MIN)


def rome_item(code_ogr: int | str) -> tuple[int, str, str] | None:
    """(code_ogr, label, kind) of a ROME compétence or savoir, else None."""
    try:
        code = int(str(code_ogr).strip())
    except (TypeError, ValueError):
        return None
    return referential.source().item(code)


def link_competence(*, competence: ExperienceCompetence, by: User, code_ogr: int | str):
    """The beneficiary links a competence of their portefeuille to a ROME compétence or
    savoir (its OGR code)."""
    bilan = competence.experience.bilan
    _require_writer(bilan, by)
    item = rome_item(code_ogr)
    if item is None:
        raise RuleViolation(
            _t("Le code « %(code)s » n'est ni une compétence ni un savoir du ROME.")
            % {"code": str(code_ogr)[:40]},
            code="invalid",
        )
    with transaction.atomic():
        _locked_editable(bilan, _t("relier une compétence au ROME"))
        locked = ExperienceCompetence.objects.select_for_update().get(pk=competence.pk)
        locked.rome_code, locked.linked_at = str(item[0]), timezone.now()
        locked.save(update_fields=["rome_code", "linked_at"])
    competence.refresh_from_db()
    return competence


def unlink_competence(*, competence: ExperienceCompetence, by: User):
    """The beneficiary removes the ROME link of a competence."""
    bilan = competence.experience.bilan
    _require_writer(bilan, by)
    with transaction.atomic():
        _locked_editable(bilan, _t("délier une compétence du ROME"))
        locked = ExperienceCompetence.objects.select_for_update().get(pk=competence.pk)
        locked.rome_code, locked.linked_at = "", None
        locked.save(update_fields=["rome_code", "linked_at"])
    competence.refresh_from_db()
    return competence


def get_competence_for_user(user, pk: int) -> ExperienceCompetence:
    """The competence `pk` of the bilan of which `user` is the beneficiary, else 404."""
    try:
        condition = visible_to(user, "experience__bilan__")
        if condition is None:
            raise Http404
        return ExperienceCompetence.objects.select_related("experience__bilan__beneficiary").get(
            condition, pk=pk, experience__bilan__beneficiary=user
        )
    except (ExperienceCompetence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def rome_labels(codes: Iterable[str]) -> dict[str, str]:
    """rome_code → ROME label for the codes that are OGR codes the referential knows."""
    ints = {int(c) for c in codes if c and c.isdecimal()}
    return referential.source().labels(ints) if ints else {}
