"""The suivi à 6 mois (seed 000; R6313-4 3° c, REQ-12).

- Closing a bilan whose beneficiary accepted the suivi books its entretien about
  SUIVI_DELAY_DAYS (default 182) later, with the guide's suivi interview: the existing
  `Entretien.schedule` (phase « suivi » is the phase of a closed bilan) sends the .ics
  invitation, and the existing day-before reminder (bilan/entretiens/tasks.py) sends the one
  reminder. A `Suivi` row records it. Before closing, any scheduling is refused.
- Two weeks before, the beneficiary is invited (e-mail and portal) to fill in a short
  self-diagnosis (tasks.send_suivi_invitations, daily, once per bilan ever).
- The consultant starts the suivi (status « suivi »: they may then adjust the plan d'action),
  records the entretien in a SuiviReport, finalises it into the compte-rendu the beneficiary
  downloads, and records the outcome category on the Suivi (administrative, for indicators).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.access import can_read_content
from bilan.bilans.models import Bilan, FollowUpDecision, Phase, RuleViolation, Status
from bilan.bilans.transitions import may_transition
from bilan.compliance.audit import record_content_access
from bilan.compliance.models import AuditEvent
from bilan.entretiens.attendance import logo_data_url
from bilan.entretiens.guides import current_guide_for
from bilan.entretiens.models import Entretien, EntretienStatus, Modality, check_booking
from bilan.followup import actionplan
from bilan.followup.actionplan import membership_of
from bilan.followup.models import TEXT_MAX, Outcome, SelfDiagnosis, Suivi, SuiviReport
from bilan.lib.render import render_pdf
from bilan.lib.text import capped

AFTER_CLOSING = (Status.CLOSED, Status.FOLLOW_UP)
SUIVI_INTERVIEW_KEY = "suivi-6-mois"
SUIVI_TIME = dt.time(10, 0)
SUIVI_MINUTES = 60
SELF_DIAGNOSIS_DAYS_BEFORE = 14

SELF_DIAGNOSIS_FIELDS = {
    "formations": _("Les formations que j'ai suivies ou demandées"),
    "candidatures": _("Mes candidatures"),
    "enquetes": _("Les enquêtes métier que j'ai menées"),
    "contacts": _("Les contacts que j'ai pris"),
    "results": _("Les résultats que j'ai obtenus"),
    "obstacles": _("Les obstacles que j'ai rencontrés"),
    "questions": _("Mes questions actuelles"),
}
REPORT_FIELDS = {
    "advances": _("Avancées"),
    "difficulties": _("Difficultés"),
    "adjustments": _("Ajustements du projet"),
    "new_actions": _("Nouvelles actions"),
    "calendar": _("Calendrier actualisé"),
    "recommendations": _("Recommandations"),
}


def delay_days() -> int:
    return int(getattr(settings, "SUIVI_DELAY_DAYS", 182))


# ---- scheduling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SuiviSlot:
    starts_at: dt.datetime
    planned_minutes: int = SUIVI_MINUTES
    modality: str = Modality.IN_PERSON
    place: str = ""
    video_link: str = ""


def default_day(closed_on: dt.date) -> dt.date:
    """About six months after closing, on a weekday."""
    day = closed_on + dt.timedelta(days=delay_days())
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def default_slot(bilan: Bilan) -> SuiviSlot:
    """The suivi's default booking: six months from the end date (today when not yet closed),
    10:00 Paris time, at the organisation's address, or by phone if it has none."""
    day = default_day(bilan.closed_on or timezone.localdate())
    starts_at = timezone.make_aware(dt.datetime.combine(day, SUIVI_TIME))
    address = (bilan.organisation.address or "").strip()
    if bilan.format != "remote" and address:
        return SuiviSlot(starts_at=starts_at, modality=Modality.IN_PERSON, place=address)
    return SuiviSlot(starts_at=starts_at, modality=Modality.PHONE)


def check_slot(slot: SuiviSlot) -> None:
    check_booking(
        starts_at=slot.starts_at,
        planned_minutes=slot.planned_minutes,
        modality=slot.modality,
        place=slot.place,
        video_link=slot.video_link,
        invite=True,
    )


def suivi_of(bilan: Bilan) -> Suivi | None:
    return Suivi.objects.filter(bilan=bilan).select_related("entretien").first()


def planned_entretien(bilan: Bilan) -> Entretien | None:
    suivi = suivi_of(bilan)
    if suivi and suivi.entretien and suivi.entretien.status == EntretienStatus.PLANNED:
        return suivi.entretien
    return None


def suivi_interview(organisation) -> tuple:
    """The current guide and its suivi interview's key ("" when the guide has none)."""

    guide = current_guide_for(organisation)
    if guide.interview(SUIVI_INTERVIEW_KEY):
        return guide, SUIVI_INTERVIEW_KEY
    for interview in guide.interviews():
        if interview.get("phase") == Phase.FOLLOW_UP:
            return guide, interview["key"]
    return guide, ""


def before_closing_refusal(bilan: Bilan) -> RuleViolation:
    return RuleViolation(
        _t(
            "L'entretien de suivi a lieu après la clôture du bilan : le bilan est à l'étape "
            "« %(status)s ». Clôturez d'abord le bilan."
        )
        % {"status": bilan.get_status_display()}
    )


def schedule_suivi(*, bilan: Bilan, by: User, slot: SuiviSlot) -> Suivi:
    """Book (or move) the entretien de suivi; both parties get the .ics invitation."""

    membership_of(by)  # may_transition reads it
    if not may_transition(by, bilan, "schedule_entretien"):
        raise RuleViolation(
            _t("Seul·e le ou la consultant·e du bilan planifie l'entretien de suivi."),
            code="forbidden",
        )
    check_slot(slot)
    with transaction.atomic():
        locked = bilan._locked()
        if locked.status not in AFTER_CLOSING:
            raise before_closing_refusal(locked)
        if locked.follow_up_decision != FollowUpDecision.ACCEPTED:
            raise RuleViolation(
                _t(
                    "Le ou la bénéficiaire n'a pas accepté l'entretien de suivi : il ne peut "
                    "être planifié."
                )
            )
        entretien = planned_entretien(locked)
        if entretien is not None:
            entretien.reschedule(
                by=by,
                starts_at=slot.starts_at,
                planned_minutes=slot.planned_minutes,
                modality=slot.modality,
                place=slot.place,
                video_link=slot.video_link,
            )
        else:
            guide, key = suivi_interview(locked.organisation)
            entretien = Entretien.schedule(
                bilan=locked,
                by=by,
                starts_at=slot.starts_at,
                planned_minutes=slot.planned_minutes,
                phase=Phase.FOLLOW_UP,
                modality=slot.modality,
                title="" if key else _t("Entretien de suivi à 6 mois"),
                guide=guide if key else None,
                interview_key=key,
                place=slot.place,
                video_link=slot.video_link,
                invite=True,
            )
        suivi, _created = Suivi.objects.update_or_create(
            bilan=locked, defaults={"entretien": entretien, "scheduled_by": by}
        )
    return suivi


def start_suivi(*, bilan: Bilan, by: User) -> None:
    """Open the suivi (status « suivi »): the consultant may then adjust the plan d'action."""
    if bilan.status in (
        Status.ENQUIRY,
        Status.PRELIMINARY,
        Status.INVESTIGATION,
        Status.CONCLUSIONS,
    ):
        raise before_closing_refusal(bilan)
    bilan.start_follow_up(by=by)


# ---- self-diagnosis -------------------------------------------------------------------------


def self_diagnosis_due_on(suivi: Suivi | None) -> dt.date | None:
    """The day the self-diagnosis invitation leaves (two weeks before the entretien)."""
    if suivi is None or suivi.entretien is None:
        return None
    day = timezone.localdate(suivi.entretien.starts_at)
    return day - dt.timedelta(days=SELF_DIAGNOSIS_DAYS_BEFORE)


def self_diagnosis_refusal(bilan: Bilan, user) -> RuleViolation | None:
    if user.pk != bilan.beneficiary_id:
        return RuleViolation(
            _t("Seul·e le ou la bénéficiaire remplit son auto-diagnostic."), code="forbidden"
        )
    if bilan.status not in AFTER_CLOSING:
        return RuleViolation(
            _t(
                "L'auto-diagnostic prépare l'entretien de suivi, après la clôture du bilan : "
                "le bilan est à l'étape « %(status)s »."
            )
            % {"status": bilan.get_status_display()}
        )
    if bilan.follow_up_decision != FollowUpDecision.ACCEPTED or suivi_of(bilan) is None:
        return RuleViolation(_t("Aucun entretien de suivi n'est prévu pour ce bilan."))
    report = SuiviReport.objects.filter(bilan=bilan, finalised_at__isnull=False).first()
    if report is not None:
        return RuleViolation(_t("L'entretien de suivi a eu lieu et son compte-rendu est rédigé."))
    return None


def may_fill_self_diagnosis(bilan: Bilan, user) -> bool:
    return self_diagnosis_refusal(bilan, user) is None


def _long_text(label: str, value: str | None) -> str:
    return capped(label, value, TEXT_MAX)


def save_self_diagnosis(
    *, bilan: Bilan, by: User, submit: bool = False, **answers
) -> SelfDiagnosis:
    """The beneficiary saves (and with `submit`, sends) their self-diagnosis."""
    unknown = set(answers) - set(SELF_DIAGNOSIS_FIELDS)
    if unknown:
        raise RuleViolation(_t("Champ inconnu : %(name)s.") % {"name": min(unknown)}, "invalid")
    refusal = self_diagnosis_refusal(bilan, by)
    if refusal is not None:
        raise refusal
    cleaned = {
        name: _long_text(str(SELF_DIAGNOSIS_FIELDS[name]), value) for name, value in answers.items()
    }
    with transaction.atomic():
        locked = bilan._locked()
        refusal = self_diagnosis_refusal(locked, by)
        if refusal is not None:
            raise refusal
        diagnosis, _created = SelfDiagnosis.objects.select_for_update().get_or_create(bilan=locked)
        for name, value in cleaned.items():
            setattr(diagnosis, name, value)
        if submit:
            diagnosis.submitted_at = timezone.now()
        diagnosis.save()
    return diagnosis


def read_self_diagnosis(*, reader, bilan: Bilan, channel: str = "web") -> SelfDiagnosis | None:
    if not can_read_content(reader, bilan):
        raise PermissionDenied(
            _t("L'auto-diagnostic est réservé au ou à la bénéficiaire et à son ou sa consultant·e.")
        )
    diagnosis = SelfDiagnosis.objects.filter(bilan=bilan).first()
    if diagnosis is not None:
        record_content_access(actor=reader, bilan=bilan, objects=[diagnosis], channel=channel)
    return diagnosis


# ---- the consultant's report and the outcome ------------------------------------------------


def _require_consultant(bilan: Bilan, by: User, what: str) -> None:
    membership_of(by)  # loaded if the caller did not
    if not bilan.is_assigned_consultant(by):
        raise RuleViolation(
            _t("Seul·e le ou la consultant·e du bilan %(what)s.") % {"what": what},
            code="forbidden",
        )


def _require_follow_up(bilan: Bilan) -> None:
    if bilan.status == Status.FOLLOW_UP:
        return
    if bilan.status == Status.CLOSED:
        raise RuleViolation(
            _t("Commencez d'abord le suivi (bouton « Commencer l'entretien de suivi »).")
        )
    raise before_closing_refusal(bilan)


def save_report(*, bilan: Bilan, by: User, finalise: bool = False, **fields) -> SuiviReport:
    """The consultant records the entretien de suivi; `finalise` shares it with the
    beneficiary as the compte-rendu (and it stays editable: the beneficiary reads the latest)."""
    _require_consultant(bilan, by, _t("rédige le compte-rendu de suivi"))
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise RuleViolation(_t("Champ inconnu : %(name)s.") % {"name": min(unknown)}, "invalid")
    cleaned = {name: _long_text(str(REPORT_FIELDS[name]), v) for name, v in fields.items()}
    with transaction.atomic():
        locked = bilan._locked()
        _require_follow_up(locked)
        report, _created = SuiviReport.objects.select_for_update().get_or_create(bilan=locked)
        for name, value in cleaned.items():
            setattr(report, name, value)
        if finalise:
            if not any(getattr(report, name).strip() for name in REPORT_FIELDS):
                raise RuleViolation(_t("Le compte-rendu est vide."), code="invalid")
            report.finalised_at = report.finalised_at or timezone.now()
        report.updated_by = by
        report.save()
    return report


def record_outcome(*, bilan: Bilan, by: User, outcome: str) -> Suivi:
    """Where the beneficiary stands, as a category (administrative, for the indicators)."""
    _require_consultant(bilan, by, _t("enregistre la situation au suivi"))
    if outcome not in Outcome.values:
        raise RuleViolation(_t("Choisissez une situation dans la liste."), code="invalid")
    with transaction.atomic():
        locked = bilan._locked()
        _require_follow_up(locked)
        suivi, _created = Suivi.objects.select_for_update().get_or_create(bilan=locked)
        suivi.outcome = outcome
        suivi.outcome_recorded_at = timezone.now()
        suivi.outcome_recorded_by = by
        suivi.save(update_fields=["outcome", "outcome_recorded_at", "outcome_recorded_by"])
    return suivi


def report_refusal(reader, bilan: Bilan, report: SuiviReport | None) -> Exception | None:
    if not can_read_content(reader, bilan):
        return PermissionDenied(
            _t(
                "Le compte-rendu de suivi est réservé au ou à la bénéficiaire et à son ou sa "
                "consultant·e."
            )
        )
    if report is None or (reader.pk == bilan.beneficiary_id and report.finalised_at is None):
        return RuleViolation(_t("Le compte-rendu de l'entretien de suivi n'est pas encore rédigé."))
    return None


def read_report(*, reader, bilan: Bilan, channel: str = "web", export: bool = False) -> SuiviReport:
    """The report, for the consultant (audited), or for the beneficiary once finalised."""
    report = SuiviReport.objects.filter(bilan=bilan).first()
    refusal = report_refusal(reader, bilan, report)
    if refusal is not None:
        raise refusal
    record_content_access(
        actor=reader,
        bilan=bilan,
        objects=[report],
        channel=channel,
        action=AuditEvent.Action.EXPORT if export else AuditEvent.Action.READ,
    )
    return report


def report_pdf(*, reader, bilan: Bilan, channel: str = "web") -> bytes:
    """The compte-rendu of the suivi as a PDF (through the one PDF renderer)."""

    report = read_report(reader=reader, bilan=bilan, channel=channel, export=True)
    plan = actionplan.read_plan(reader=reader, bilan=bilan, channel=channel)
    suivi = suivi_of(bilan)
    return render_pdf(
        "documents/suivi_report.html",
        {
            "bilan": bilan,
            "organisation": bilan.organisation,
            "logo": logo_data_url(bilan.organisation),
            "report": report,
            "sections": [
                {"title": title, "text": getattr(report, name)}
                for name, title in REPORT_FIELDS.items()
            ],
            "plan": plan,
            "entretien": suivi.entretien if suivi else None,
            "generated_at": timezone.now(),
        },
        title=_t("Compte-rendu de l'entretien de suivi")
        + f" — {bilan.beneficiary.get_full_name()}",
        author=bilan.organisation.name,
        footer=_t(
            "Confidentiel — propriété du ou de la bénéficiaire (art. L6313-4 du Code du travail)"
        ),
    )
