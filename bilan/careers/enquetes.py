"""Enquêtes métier: for a piste, plan a meeting with a professional, prepare the question grid
(a copy of our default grid, editable), record the meeting, the findings and the conclusion,
which may change the piste's status; the consultant links the debrief to an entretien.

Same rules as the pistes (bilan/careers/pistes.py): the beneficiary and the assigned
consultant write, only while the bilan is in its phases; the consultant's reads are audited;
the administration never reads. The grid is a list of `{"id", "text"}`; answers are keyed by
question id, so rewording or reordering keeps them, and an answer to a removed question is
kept (shown apart) rather than lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from django.db import transaction
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _t

from bilan.bilans.models import Bilan, RuleViolation, check_date
from bilan.careers import pistes
from bilan.careers.models import (
    TEXT_MAX,
    CareerOption,
    CareerOptionStatus,
    EnqueteConclusion,
    EnqueteFormat,
    EnqueteMetier,
    EnqueteStatus,
)
from bilan.compliance.audit import record_content_access
from bilan.entretiens.models import Assignment, AssignmentKind, Entretien
from bilan.lib.text import capped

GRID_FILE = Path(__file__).parent / "data" / "enquete_grid_v1.json"
QUESTION_MAX = 500
MAX_QUESTIONS = 40
MAX_ENQUETES = 20  # per piste
NAME_MAX = 200
MAX_MINUTES = 8 * 60

# The status a conclusion suggests for the piste (only an offer: the person chooses).
SUGGESTED_STATUS = {
    EnqueteConclusion.CONFIRMS: CareerOptionStatus.RETAINED,
    EnqueteConclusion.NUANCES: CareerOptionStatus.EXPLORING,
    EnqueteConclusion.CONTRADICTS: CareerOptionStatus.DISCARDED,
}


@cache
def default_grid() -> dict:
    """Our default grid (versioned data file)."""
    return json.loads(GRID_FILE.read_text(encoding="utf-8"))


def grid_copy() -> list[dict]:
    grid = default_grid()
    return [{"id": f"v{grid['version']}-{q['id']}", "text": q["text"]} for q in grid["questions"]]


# ---- checks -----------------------------------------------------------------------------


def _short(label: str, value: str | None, cap: int = NAME_MAX) -> str:
    value = " ".join((value or "").split())
    if len(value) > cap:
        raise RuleViolation(
            _t("« %(field)s » est trop long : %(cap)s caractères au plus.")
            % {"field": label, "cap": cap},
            code="invalid",
        )
    return value


def _long(label: str, value: str | None) -> str:
    return capped(label, value, TEXT_MAX)


def _clean_plan(
    *,
    contact_name: str,
    contact_role: str,
    contact_organisation: str,
    found_through: str,
    contact_channel: str,
    planned_on: dt.date | None,
) -> dict:
    name = _short(_t("Nom ou description"), contact_name)
    if not name:
        raise RuleViolation(
            _t(
                "Indiquez qui vous allez rencontrer : un nom, ou une description anonyme "
                "(« une infirmière libérale à Lyon »)."
            ),
            code="invalid",
        )
    check_date(planned_on, label=_t("prévue le"))
    return {
        "contact_name": name,
        "contact_role": _short(_t("Fonction"), contact_role),
        "contact_organisation": _short(_t("Structure"), contact_organisation),
        "found_through": _short(_t("Comment je l'ai trouvé·e"), found_through, 300),
        "contact_channel": _short(_t("Moyen de contact"), contact_channel),
        "planned_on": planned_on,
    }


def _assignment_of(bilan: Bilan, assignment_id: int | str | None):
    if assignment_id in (None, ""):
        return None

    try:
        return Assignment.objects.get(
            bilan=bilan, kind=AssignmentKind.ENQUETE, pk=int(assignment_id)
        )
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise RuleViolation(
            _t("Choisissez un travail inter-session « enquête métier » de ce bilan."),
            code="invalid",
        ) from None


def _locked(enquete: EnqueteMetier, action: str) -> EnqueteMetier:
    pistes._locked_editable(enquete.career_option.bilan, action)
    return EnqueteMetier.objects.select_for_update().get(pk=enquete.pk)


def may_debrief(bilan: Bilan, user) -> bool:
    return user.pk == bilan.consultant_id and pistes.may_edit(bilan, user)


# ---- writing ----------------------------------------------------------------------------


def plan_enquete(
    *,
    option: CareerOption,
    by: User,
    contact_name: str,
    contact_role: str = "",
    contact_organisation: str = "",
    found_through: str = "",
    contact_channel: str = "",
    planned_on: dt.date | None = None,
    assignment_id: int | str | None = None,
) -> EnqueteMetier:
    """Plan an enquête for the piste, with a copy of the default question grid."""
    bilan = option.bilan
    pistes._require_member(bilan, by)
    fields = _clean_plan(
        contact_name=contact_name,
        contact_role=contact_role,
        contact_organisation=contact_organisation,
        found_through=found_through,
        contact_channel=contact_channel,
        planned_on=planned_on,
    )
    assignment = _assignment_of(bilan, assignment_id)
    with transaction.atomic():
        pistes._locked_editable(bilan, _t("prévoir une enquête métier"))
        if option.enquetes.count() >= MAX_ENQUETES:
            raise RuleViolation(
                _t("%(max)s enquêtes au plus par piste.") % {"max": MAX_ENQUETES}, code="invalid"
            )
        return EnqueteMetier.objects.create(
            career_option=option,
            questions=grid_copy(),
            assignment=assignment,
            created_by=by,
            **fields,
        )


def update_plan(
    *,
    enquete: EnqueteMetier,
    by: User,
    contact_name: str,
    contact_role: str = "",
    contact_organisation: str = "",
    found_through: str = "",
    contact_channel: str = "",
    planned_on: dt.date | None = None,
    assignment_id: int | str | None = None,
) -> EnqueteMetier:
    bilan = enquete.career_option.bilan
    pistes._require_member(bilan, by)
    fields = _clean_plan(
        contact_name=contact_name,
        contact_role=contact_role,
        contact_organisation=contact_organisation,
        found_through=found_through,
        contact_channel=contact_channel,
        planned_on=planned_on,
    )
    fields["assignment"] = _assignment_of(bilan, assignment_id)
    with transaction.atomic():
        locked = _locked(enquete, _t("modifier une enquête métier"))
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    enquete.refresh_from_db()
    return enquete


def update_grid(
    *,
    enquete: EnqueteMetier,
    by: User,
    questions: Sequence[dict | str],
) -> EnqueteMetier:
    """Replace the grid: `questions` in their new order, each `{"id", "text"}` (a kept
    question, perhaps reworded) or `{"text"}` / a string (a new one). Empty texts are
    dropped; questions left out are removed."""
    pistes._require_member(enquete.career_option.bilan, by)
    existing = {q["id"] for q in enquete.questions}
    kept: list[dict] = []
    seen: set[str] = set()
    for q in questions:
        item = {"text": q} if isinstance(q, str) else dict(q)
        text = " ".join(str(item.get("text") or "").split())
        if not text:
            continue
        if len(text) > QUESTION_MAX:
            raise RuleViolation(
                _t("Une question fait %(cap)s caractères au plus.") % {"cap": QUESTION_MAX},
                code="invalid",
            )
        qid = str(item.get("id") or "")
        if qid and qid not in existing:
            raise RuleViolation(
                _t("Cette question n'est pas dans la grille (%(id)s).") % {"id": qid[:40]},
                code="invalid",
            )
        if qid in seen:
            continue
        kept.append({"id": qid, "text": text})
        seen.add(qid)
    if len(kept) > MAX_QUESTIONS:
        raise RuleViolation(
            _t("%(max)s questions au plus par grille.") % {"max": MAX_QUESTIONS}, code="invalid"
        )
    with transaction.atomic():
        locked = _locked(enquete, _t("modifier la grille d'une enquête métier"))
        used = {q["id"] for q in locked.questions} | set(locked.answers)
        n = 1
        for item in kept:
            if not item["id"]:
                while f"q{n}" in used:
                    n += 1
                item["id"] = f"q{n}"
                used.add(item["id"])
        locked.questions = kept
        locked.save(update_fields=["questions", "updated_at"])
    enquete.refresh_from_db()
    return enquete


def suggested_reason(enquete: EnqueteMetier, conclusion: str) -> str:
    """The reason offered for the piste's status change, from the enquête."""
    who = ", ".join(
        x for x in (enquete.contact_name, enquete.contact_role, enquete.contact_organisation) if x
    )
    when = (
        _t(" du %(date)s") % {"date": formats.date_format(enquete.held_on, "d/m/Y")}
        if enquete.held_on
        else ""
    )
    label = EnqueteConclusion(conclusion).label if conclusion in EnqueteConclusion.values else ""
    reason = _t("Enquête métier%(when)s avec %(who)s : %(conclusion)s.") % {
        "when": when,
        "who": who,
        "conclusion": label,
    }
    first = (enquete.findings or "").strip().splitlines()
    if first:
        reason += " " + first[0][:300]
    return reason


def record_enquete(
    *,
    enquete: EnqueteMetier,
    by: User,
    held_on: dt.date | None,
    format: str = "",
    duration_minutes: int | None = None,
    answers: dict[str, str] | None = None,
    findings: str = "",
    confirmed: str = "",
    contradicted: str = "",
    conclusion: str = "",
    piste_status: str = "",
    status_reason: str = "",
) -> EnqueteMetier:
    """Record the meeting (held on, format, duration), the answers, findings, representations
    confirmed or contradicted, and the conclusion. With `piste_status`, the piste's status
    changes too, in the same act, with `status_reason` (by default the suggested one), and the
    change is linked to the enquête."""
    option = enquete.career_option
    pistes._require_member(option.bilan, by)
    if held_on is None:
        raise RuleViolation(_t("Indiquez la date de la rencontre."), code="invalid")
    if held_on > timezone.localdate():
        raise RuleViolation(
            _t("La rencontre est dans le futur : enregistrez-la une fois qu'elle a eu lieu."),
            code="invalid",
        )
    check_date(held_on, label=_t("réalisée le"))
    if format and format not in EnqueteFormat.values:
        raise RuleViolation(_t("Choisissez un format dans la liste."), code="invalid")
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_MINUTES:
        raise RuleViolation(
            _t("La durée se compte en minutes, entre 1 et %(max)s.") % {"max": MAX_MINUTES},
            code="invalid",
        )
    if conclusion and conclusion not in EnqueteConclusion.values:
        raise RuleViolation(_t("Choisissez une conclusion dans la liste."), code="invalid")
    if piste_status and not conclusion:
        raise RuleViolation(
            _t("Indiquez la conclusion de l'enquête avant de changer le statut de la piste."),
            code="invalid",
        )
    if piste_status and piste_status not in CareerOptionStatus.values:
        raise RuleViolation(_t("Choisissez un statut dans la liste."), code="invalid")
    texts = {
        "findings": _long(_t("Ce que j'ai appris"), findings),
        "confirmed": _long(_t("Représentations confirmées"), confirmed),
        "contradicted": _long(_t("Représentations contredites"), contradicted),
    }
    given = {str(k): _long(_t("Réponse"), v) for k, v in (answers or {}).items()}
    with transaction.atomic():
        locked = _locked(enquete, _t("enregistrer une enquête métier"))
        ids = {q["id"] for q in locked.questions}
        unknown = set(given) - ids
        if unknown:
            raise RuleViolation(
                _t("Ces réponses ne correspondent à aucune question de la grille : %(ids)s.")
                % {"ids": ", ".join(sorted(unknown))[:200]},
                code="invalid",
            )
        merged = {**locked.answers, **given}
        locked.answers = {k: v for k, v in merged.items() if v}
        locked.held_on = held_on
        locked.format = format
        locked.duration_minutes = duration_minutes
        locked.status = EnqueteStatus.HELD
        locked.conclusion = conclusion
        for name, value in texts.items():
            setattr(locked, name, value)
        locked.save()
        if piste_status:
            piste = CareerOption.objects.select_for_update().get(pk=option.pk)
            if piste.status != piste_status:
                reason = status_reason.strip() or suggested_reason(locked, conclusion)
                pistes._set_status(
                    piste,
                    piste_status,
                    by=by,
                    reason=pistes._clean_reason(reason),
                    enquete=locked,
                )
    enquete.refresh_from_db()
    option.refresh_from_db()
    return enquete


def cancel_enquete(*, enquete: EnqueteMetier, by: User) -> EnqueteMetier:
    pistes._require_member(enquete.career_option.bilan, by)
    with transaction.atomic():
        locked = _locked(enquete, _t("annuler une enquête métier"))
        if locked.status == EnqueteStatus.HELD:
            raise RuleViolation(_t("Cette enquête a eu lieu : elle ne s'annule plus."))
        locked.status = EnqueteStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    enquete.refresh_from_db()
    return enquete


def record_debrief(
    *,
    enquete: EnqueteMetier,
    by: User,
    entretien_id: int | str | None,
    note: str = "",
) -> EnqueteMetier:
    """The consultant links the enquête to the entretien where it was debriefed (an entretien
    of the same bilan) and writes the debrief note."""
    bilan = enquete.career_option.bilan
    pistes._require_member(bilan, by)
    if by.pk != bilan.consultant_id:
        raise RuleViolation(
            _t("Le débriefing d'une enquête est noté par le ou la consultant·e."),
            code="forbidden",
        )
    entretien = None
    if entretien_id not in (None, ""):
        try:
            entretien = Entretien.objects.get(bilan=bilan, pk=int(entretien_id))
        except (Entretien.DoesNotExist, ValueError, TypeError):
            raise RuleViolation(
                _t("Choisissez un entretien de ce bilan."), code="invalid"
            ) from None
    note = _long(_t("Débriefing"), note)
    with transaction.atomic():
        locked = _locked(enquete, _t("noter le débriefing d'une enquête"))
        locked.debrief_entretien = entretien
        locked.debrief_note = note
        locked.save(update_fields=["debrief_entretien", "debrief_note", "updated_at"])
    enquete.refresh_from_db()
    return enquete


# ---- reading ----------------------------------------------------------------------------


def read_enquetes(*, reader, bilan: Bilan, channel: str = "web") -> list[EnqueteMetier]:
    """All enquêtes of the bilan, by piste then date (audited for the consultant)."""
    pistes._require_member(bilan, reader)
    enquetes = list(
        EnqueteMetier.objects.filter(career_option__bilan=bilan)
        .select_related("career_option", "debrief_entretien", "assignment")
        .order_by("career_option__created_at", "career_option_id", "planned_on", "id")
    )
    record_content_access(actor=reader, bilan=bilan, objects=enquetes, channel=channel)
    return enquetes


def read_enquete(*, reader, enquete: EnqueteMetier, channel: str = "web") -> EnqueteMetier:
    bilan = enquete.career_option.bilan
    pistes._require_member(bilan, reader)
    record_content_access(actor=reader, bilan=bilan, objects=[enquete], channel=channel)
    return enquete


def get_enquete(bilan: Bilan, pk: int | str) -> EnqueteMetier:
    try:
        return EnqueteMetier.objects.select_related(
            "career_option__bilan__beneficiary", "career_option__bilan__consultant"
        ).get(career_option__bilan=bilan, pk=int(pk))
    except (EnqueteMetier.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_enquete_for_user(user, pk: int | str) -> EnqueteMetier:
    try:
        return EnqueteMetier.objects.select_related(
            "career_option__bilan__beneficiary",
            "career_option__bilan__consultant",
            "career_option__bilan__organisation",
        ).get(career_option__bilan__in=Bilan.objects.for_user(user), pk=int(pk))
    except (EnqueteMetier.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def grid_with_answers(enquete: EnqueteMetier) -> tuple[list[dict], list[tuple[str, str]]]:
    """Each question with its answer, and the answers to questions since removed."""
    ids = {q["id"] for q in enquete.questions}
    rows = [{**q, "answer": enquete.answers.get(q["id"], "")} for q in enquete.questions]
    orphans = [(k, v) for k, v in enquete.answers.items() if k not in ids and v]
    return rows, orphans
