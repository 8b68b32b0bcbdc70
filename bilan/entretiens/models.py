"""Entretiens: interview guides (versioned data), the sessions with the consultant that make up
the accompaniment hours, their notes, attendance proofs (émargement) and inter-session work."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans import gates
from bilan.bilans.content import Content, DocumentClass
from bilan.bilans.fields import EncryptedCharField, EncryptedTextField
from bilan.bilans.models import PHASE_OF_STATUS, Bilan, Phase, RuleViolation
from bilan.compliance.models import AppendOnlyError
from bilan.lib.dates import (
    check_booking_datetime,
    check_person_date,
    in_db_date_window,
    in_db_window,
)
from bilan.lib.deliveries import Slot
from bilan.lib.hours import fmt

REMINDER = Slot("reminder")  # the day-before reminder's fields (bilan.lib.deliveries)

if TYPE_CHECKING:
    from bilan.accounts.models import User


class InterviewGuide(models.Model):
    """One immutable version of an interview guide. Editing makes a new version.

    `organisation` empty: the product's default guide (seed 004), never modified in place. An
    organisation copies it, and each edit of its copy is a new row whose `based_on` is the
    previous version; entretiens keep the version they used.

    `content` = {"interviews": [{"key", "phase", "title", "objectives": [{"id", "text"}],
    "question_groups": [{"id", "title", "questions": [{"id", "text"}]}],
    "closing_items": [{"id", "text"}]}]}. Ids are stable across versions, so notes keyed by a
    question id stay attached to it when the question is reworded.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guides",
    )
    name = models.CharField(_("nom"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived"
    )
    is_current = models.BooleanField(_("version en usage"), default=True)
    content = models.JSONField(default=dict)
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        # The default guide (no organisation) first, on SQLite and PostgreSQL alike.
        ordering = [models.F("organisation_id").asc(nulls_first=True), "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "version"], name="one_guide_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        # A version never changes once written: edit_guide() makes the next one. Only the
        # is_current flag moves, by a queryset update in bilan.entretiens.guides.
        if self.pk is not None:
            raise AppendOnlyError("Interview guide versions are immutable")
        super().save(*args, **kwargs)

    def interviews(self) -> list[dict]:
        return self.content.get("interviews", [])

    def interview(self, key: str) -> dict | None:
        return next((i for i in self.interviews() if i.get("key") == key), None)


class AttendancePolicy(models.Model):
    """An organisation's attendance settings, dated (REQ-21; issue 14): how much longer than
    planned an entretien may be recorded, how late a signature becomes a « régularisation »,
    and the window in which several signatures by one person count as bulk signing.

    `organisation` empty: the general default (seed 0009), « à vérifier » until an admin
    confirms it. The newest row in force on a day wins, the organisation's own on a tie."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attendance_policies",
    )
    effective_from = models.DateField(_("en vigueur à partir du"))
    held_tolerance_minutes = models.PositiveIntegerField(
        _("dépassement toléré de la durée prévue (minutes)"), default=15
    )
    regularisation_hours = models.PositiveIntegerField(
        _("délai de signature avant régularisation (heures)"), default=24
    )
    bulk_window_seconds = models.PositiveIntegerField(
        _("signatures groupées : fenêtre (secondes)"), default=60
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    to_verify = models.BooleanField(_("à vérifier"), default=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "effective_from"], name="one_attendance_policy_per_date"
            ),
            models.CheckConstraint(
                condition=in_db_date_window("effective_from"),
                name="attendancepolicy_effective_from_in_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: +{self.held_tolerance_minutes} min, {self.regularisation_hours} h"

    @classmethod
    def in_force(cls, organisation_id: int | None, day: dt.date) -> AttendancePolicy:
        rows = cls.objects.filter(
            models.Q(organisation__isnull=True) | models.Q(organisation_id=organisation_id),
            effective_from__lte=day,
        ).order_by("-effective_from", models.F("organisation_id").desc(nulls_last=True))
        found = rows.first()
        if found is not None:
            return found
        # No row (a database without the seed): the deployment's setting, unsaved.
        return cls(
            effective_from=day,
            regularisation_hours=settings.ATTENDANCE_REGULARISATION_HOURS,
            source="ATTENDANCE_REGULARISATION_HOURS",
        )


def policy_for(entretien: Entretien) -> AttendancePolicy:
    """The policy of the entretien's organisation in force on its day."""
    return AttendancePolicy.in_force(
        entretien.bilan.organisation_id, timezone.localdate(entretien.starts_at)
    )


class Modality(models.TextChoices):
    IN_PERSON = "in_person", _("présentiel")
    VIDEO = "video", _("visio")
    PHONE = "phone", _("téléphone")


class EntretienStatus(models.TextChoices):
    PLANNED = "planned", _("planifié")
    HELD = "held", _("tenu")
    MISSED = "missed", _("manqué")
    CANCELLED = "cancelled", _("annulé")


class CancelReason(models.TextChoices):
    """Why an entretien did not happen: a category, never content."""

    BENEFICIARY = "beneficiary", _("empêchement du ou de la bénéficiaire")
    CONSULTANT = "consultant", _("empêchement du ou de la consultant·e")
    HEALTH = "health", _("raison de santé")
    FORCE_MAJEURE = "force_majeure", _("force majeure")
    NO_SHOW = "no_show", _("absence sans prévenir")
    OTHER = "other", _("autre")


class EntretienQuerySet(models.QuerySet["Entretien"]):
    def upcoming(self) -> EntretienQuerySet:
        return self.filter(status=EntretienStatus.PLANNED, starts_at__gte=timezone.now())

    def overdue(self) -> EntretienQuerySet:
        """Planned entretiens whose time has passed without being marked held or missed."""
        return self.filter(status=EntretienStatus.PLANNED, starts_at__lt=timezone.now())

    def unsigned_by(self, role: str) -> EntretienQuerySet:
        """Held entretiens still missing the signature of `role` (a SignerRole) (REQ-21)."""
        return self.filter(status=EntretienStatus.HELD).exclude(attendances__signer_role=role)

    def awaiting_beneficiary_signature(self) -> EntretienQuerySet:
        return self.unsigned_by(SignerRole.BENEFICIARY)


class Entretien(models.Model):
    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="entretiens")
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    title = models.CharField(_("intitulé"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("date et heure"))
    planned_minutes = models.PositiveIntegerField(_("durée prévue (minutes)"))
    modality = models.CharField(
        _("modalité"), max_length=20, choices=Modality.choices, default=Modality.IN_PERSON
    )
    status = models.CharField(
        max_length=10, choices=EntretienStatus.choices, default=EntretienStatus.PLANNED
    )
    held_minutes = models.PositiveIntegerField(_("durée réalisée (minutes)"), default=0)
    held_at = models.DateTimeField(null=True, blank=True)
    # When a real booking was made (invite): held times cannot precede it. Empty for an
    # entretien recorded after the fact (the demo) and for rows older than issue 14.
    booked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The guide version and interview it follows (None: a free entretien).
    guide = models.ForeignKey(
        InterviewGuide, null=True, blank=True, on_delete=models.PROTECT, related_name="entretiens"
    )
    interview_key = models.CharField(max_length=100, blank=True)
    place = models.CharField(_("lieu"), max_length=300, blank=True)
    video_link = models.URLField(_("lien de visio"), max_length=500, blank=True)
    actual_start = models.DateTimeField(_("début réel"), null=True, blank=True)
    actual_end = models.DateTimeField(_("fin réelle"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("motif"), max_length=20, choices=CancelReason.choices, blank=True
    )
    # iCalendar SEQUENCE: bumped on every reschedule or cancellation sent to calendars.
    sequence = models.PositiveIntegerField(default=0)
    # The day-before reminder, sent once through bilan.lib.deliveries (claim, send, mark sent).
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_claimed_at = models.DateTimeField(null=True, blank=True)
    reminder_claim_token = models.CharField(max_length=32, blank=True, default="")
    reminder_attempts = models.PositiveSmallIntegerField(default=0)
    reminder_retry_at = models.DateTimeField(null=True, blank=True)
    # Who already has it (« beneficiary », « consultant »): a retry writes only to the others.
    reminder_sent_to = models.CharField(max_length=50, blank=True, default="")

    objects = EntretienQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        # Issue 18: upcoming and overdue entretiens, in order, whatever their number.
        indexes = [models.Index(fields=["status", "starts_at"], name="entretien_status_time")]
        # The backstop of bilan.lib.dates: no date outside 1900–2200 is ever stored.
        constraints = [
            models.CheckConstraint(condition=in_db_window(f), name=f"entretien_{f}_in_window")
            for f in ("starts_at", "actual_start", "actual_end")
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} — {self.starts_at:%d/%m/%Y %H:%M}"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.planned_minutes)

    @classmethod
    def schedule(
        cls,
        *,
        bilan: Bilan,
        by,
        starts_at: dt.datetime,
        planned_minutes: int,
        phase: str = "",
        modality: str = Modality.IN_PERSON,
        title: str = "",
        guide: InterviewGuide | None = None,
        interview_key: str = "",
        place: str = "",
        video_link: str = "",
        invite: bool = False,
    ) -> Entretien:
        """Book an entretien in the bilan's current phase, within the 24 h ceiling (REQ-3 d, REQ-4).

        With `interview_key`, it is that interview of `guide` (by default the organisation's
        current guide): its phase and, unless given, its title. Without, a free entretien of
        `phase` (by default the bilan's current phase).

        `invite`: a real booking. It must then be in the future and say where (a place in
        person, a link by video), and both parties get the .ics invitation once committed.
        Without it (the demo, recording an entretien after the fact) no e-mail leaves.
        """
        if interview_key:
            if guide is None:
                # why: guides imports this module (InterviewGuide)
                from bilan.entretiens.guides import current_guide_for

                guide = current_guide_for(bilan.organisation)
            interview = guide.interview(interview_key)
            if interview is None:
                raise RuleViolation(
                    _t("Cet entretien ne figure pas dans le guide « %(g)s ».") % {"g": guide},
                    code="invalid",
                )
            phase = interview["phase"]
            title = title or interview["title"]
        else:
            guide = None
        check_booking(
            starts_at=starts_at,
            planned_minutes=planned_minutes,
            modality=modality,
            place=place,
            video_link=video_link,
            invite=invite,
        )
        with transaction.atomic():
            locked = Bilan.objects.select_for_update().get(pk=bilan.pk)
            locked._authorise(by, "schedule_entretien")
            phase = phase or locked.current_phase or ""
            check_phase(locked, phase, what=_t("planifier"))
            gates.check(locked, phase)  # the features' session gates (EDOF, convention)
            if phase != Phase.FOLLOW_UP:
                budget = locked.budget()
                locked.check_budget(
                    replace(
                        budget,
                        scheduled_accompaniment=budget.scheduled_accompaniment + planned_minutes,
                    ),
                    what=_t("Entretien refusé"),
                )
            check_free(
                bilan=locked, start=starts_at, end=starts_at + dt.timedelta(minutes=planned_minutes)
            )
            entretien = cls.objects.create(
                bilan=locked,
                phase=phase,
                starts_at=starts_at,
                booked_at=timezone.now() if invite else None,
                planned_minutes=planned_minutes,
                modality=modality,
                title=title,
                guide=guide,
                interview_key=interview_key,
                place=place if modality == Modality.IN_PERSON else "",
                video_link=video_link if modality == Modality.VIDEO else "",
                created_by=by,
            )
            if invite:
                entretien._notify("scheduled")
            return entretien

    def reschedule(
        self,
        *,
        by,
        starts_at: dt.datetime,
        planned_minutes: int,
        modality: str,
        place: str = "",
        video_link: str = "",
    ) -> None:
        """Move a planned entretien (same rules as booking it); both parties get the update and,
        the day before the new date, a new reminder."""
        check_booking(
            starts_at=starts_at,
            planned_minutes=planned_minutes,
            modality=modality,
            place=place,
            video_link=video_link,
            invite=True,
        )
        with transaction.atomic():
            bilan = Bilan.objects.select_for_update().get(pk=self.bilan_id)
            bilan._authorise(by, "reschedule_entretien")
            entretien = Entretien.objects.select_for_update().get(pk=self.pk)
            entretien._require_planned()
            check_phase(bilan, entretien.phase, what=_t("déplacer"))
            if entretien.phase != Phase.FOLLOW_UP:
                budget = bilan.budget()
                bilan.check_budget(
                    replace(
                        budget,
                        scheduled_accompaniment=budget.scheduled_accompaniment
                        - entretien.planned_minutes
                        + planned_minutes,
                    ),
                    what=_t("Déplacement refusé"),
                )
            check_free(
                bilan=bilan,
                start=starts_at,
                end=starts_at + dt.timedelta(minutes=planned_minutes),
                exclude_pk=entretien.pk,
            )
            entretien.starts_at = starts_at
            entretien.planned_minutes = planned_minutes
            entretien.modality = modality
            entretien.place = place if modality == Modality.IN_PERSON else ""
            entretien.video_link = video_link if modality == Modality.VIDEO else ""
            entretien.sequence += 1
            for field, value in REMINDER.reset().items():  # a new reminder for the new date
                setattr(entretien, field, value)
            entretien.reminder_sent_to = ""
            entretien.save()
            entretien._notify("rescheduled")
        self.refresh_from_db()

    def _require_planned(self) -> None:
        if self.status != EntretienStatus.PLANNED:
            raise RuleViolation(
                _t("Cet entretien est déjà « %(s)s ».") % {"s": self.get_status_display()}
            )

    def _notify(self, kind: str) -> None:
        """E-mail both parties once the transaction commits; a mail failure is logged, the
        booking stays."""
        from bilan.entretiens.tasks import send_entretien_notice  # why: it imports this module

        pk = self.pk
        transaction.on_commit(lambda: send_entretien_notice(pk, kind), robust=True)

    def mark_held(
        self,
        *,
        by,
        held_minutes: int | None = None,
        actual_start: dt.datetime | None = None,
        actual_end: dt.datetime | None = None,
    ) -> None:
        """Record the entretien as held; once both parties have signed its attendance, its
        real duration counts as delivered accompaniment (bilan.entretiens.ledger).

        With `actual_start` and `actual_end`, the duration is their difference (in minutes):
        an entretien held earlier or shorter than planned is recorded with its real times. The
        real times are neither in the future nor before the booking was made, the duration is
        at most the planned one plus the organisation's tolerance (AttendancePolicy), and the
        real span overlaps no other entretien of the consultant or the beneficiary.
        """
        minutes = self.planned_minutes if held_minutes is None else held_minutes
        now = timezone.now()
        if actual_start is not None or actual_end is not None:
            if actual_start is None or actual_end is None:
                raise RuleViolation(_t("Indiquez le début et la fin réels."), code="invalid")
            check_person_date(actual_start, label=_t("début réel"))
            check_person_date(actual_end, label=_t("fin réelle"))
            if actual_end > now + dt.timedelta(minutes=5):
                raise RuleViolation(_t("La fin réelle ne peut être dans le futur."), code="invalid")
            minutes = round((actual_end - actual_start).total_seconds() / 60)
            if minutes <= 0:
                raise RuleViolation(
                    _t("La fin réelle doit être après le début réel."), code="invalid"
                )
            if self.booked_at is not None and actual_start < self.booked_at:
                raise RuleViolation(
                    _t(
                        "Le début réel (%(start)s) précède la prise du rendez-vous (%(booked)s) : "
                        "un entretien ne peut avoir été tenu avant d'avoir été fixé."
                    )
                    % {"start": when(actual_start), "booked": when(self.booked_at)},
                    code="invalid",
                )
        if minutes <= 0:
            raise RuleViolation(_t("La durée réalisée doit être positive."), code="invalid")
        tolerance = policy_for(self).held_tolerance_minutes
        if minutes > self.planned_minutes + tolerance:
            raise RuleViolation(
                _t(
                    "Durée réalisée %(done)s > durée prévue %(planned)s + %(tol)s min de "
                    "tolérance : déplacez l'entretien ou indiquez les heures réelles."
                )
                % {"done": fmt(minutes), "planned": fmt(self.planned_minutes), "tol": tolerance},
                code="invalid",
            )
        with transaction.atomic():
            bilan = Bilan.objects.select_for_update().get(pk=self.bilan_id)
            entretien = Entretien.objects.select_for_update().get(pk=self.pk)
            if entretien.status != EntretienStatus.PLANNED:
                raise RuleViolation(
                    _t("Cet entretien est déjà « %(s)s ».") % {"s": entretien.get_status_display()}
                )
            if (actual_start or entretien.starts_at) > now:
                raise RuleViolation(_t("Un entretien ne peut être tenu avant son heure de début."))
            if actual_start is not None and actual_end is not None:
                check_free(bilan=bilan, start=actual_start, end=actual_end, exclude_pk=entretien.pk)
            if entretien.phase != Phase.FOLLOW_UP:
                budget = bilan.budget()
                delivered = budget.held_total + minutes
                if delivered > budget.max_total:
                    raise RuleViolation(
                        _t(
                            "Durée réalisée %(done)s > %(max)s maximum "
                            "(art. L6313-4 du Code du travail)."
                        )
                        % {"done": fmt(delivered), "max": fmt(budget.max_total)}
                    )
            entretien.status = EntretienStatus.HELD
            entretien.held_minutes = minutes
            entretien.held_at = timezone.now()
            entretien.actual_start = actual_start
            entretien.actual_end = actual_end
            entretien.save(
                update_fields=["status", "held_minutes", "held_at", "actual_start", "actual_end"]
            )
        self.refresh_from_db()

    def cancel(self, *, by: User, missed: bool = False, reason: str = "") -> None:
        """Mark missed or cancelled, with a reason category (never content). A cancellation
        is sent to both parties' calendars (METHOD:CANCEL)."""
        if reason and reason not in CancelReason.values:
            raise RuleViolation(_t("Choisissez un motif dans la liste."), code="invalid")
        with transaction.atomic():
            Bilan.objects.get(pk=self.bilan_id)._authorise(by, "cancel_entretien")
            entretien = Entretien.objects.select_for_update().get(pk=self.pk)
            entretien._require_planned()
            entretien.status = EntretienStatus.MISSED if missed else EntretienStatus.CANCELLED
            entretien.cancel_reason = reason or (CancelReason.NO_SHOW if missed else "")
            entretien.sequence += 1
            entretien.save(update_fields=["status", "cancel_reason", "sequence"])
            if not missed:
                entretien._notify("cancelled")
        self.refresh_from_db()


def when(moment: dt.datetime) -> str:
    """« 12/03/2027 à 09h30 », local time."""
    local = timezone.localtime(moment)
    return _t("%(d)s à %(t)s") % {"d": f"{local:%d/%m/%Y}", "t": f"{local:%Hh%M}"}


def span(entretien: Entretien) -> tuple[dt.datetime, dt.datetime]:
    """The time an entretien takes: the real one once held, else the planned one."""
    if entretien.status == EntretienStatus.HELD:
        start = entretien.actual_start or entretien.starts_at
        if entretien.actual_end:
            return start, entretien.actual_end
        return start, start + dt.timedelta(minutes=entretien.held_minutes or 1)
    return entretien.starts_at, entretien.ends_at


class Overlap(RuleViolation):
    """A booking or a held time that overlaps another entretien of the same person."""

    def __init__(self, message: str, *, bilan: Bilan, other: Entretien, who: str) -> None:
        super().__init__(message, code="refused")
        self.bilan, self.other, self.who = bilan, other, who


def check_free(
    *, bilan: Bilan, start: dt.datetime, end: dt.datetime, exclude_pk: int | None = None
) -> None:
    """Neither the consultant nor the beneficiary has another entretien (planned or held)
    overlapping [start, end): the refusal names the other one. Both people are locked first,
    so two bookings for the same person at the same minute cannot both pass."""
    from bilan.accounts.models import User  # why: models import order (accounts is lower)

    people = [bilan.consultant_id, bilan.beneficiary_id]
    list(User.objects.select_for_update().filter(pk__in=people).order_by("pk"))
    candidates = (
        Entretien.objects.filter(
            models.Q(bilan__consultant_id=bilan.consultant_id)
            | models.Q(bilan__beneficiary_id=bilan.beneficiary_id),
            status__in=[EntretienStatus.PLANNED, EntretienStatus.HELD],
            starts_at__lt=end + dt.timedelta(days=1),
            starts_at__gt=start - dt.timedelta(days=2),
        )
        .exclude(pk=exclude_pk)
        .select_related("bilan")
        .order_by("starts_at", "id")
    )
    for other in candidates:
        other_start, other_end = span(other)
        if other_start < end and start < other_end:
            who = (
                "consultant" if other.bilan.consultant_id == bilan.consultant_id else "beneficiary"
            )
            whose = (
                _t("du ou de la consultant·e")
                if who == "consultant"
                else _t("du ou de la bénéficiaire")
            )
            local_start, local_end = timezone.localtime(other_start), timezone.localtime(other_end)
            message = _t(
                "Ce créneau chevauche un autre entretien %(whose)s : %(phase)s du %(day)s, de "
                "%(start)s à %(end)s%(ref)s. Choisissez un autre horaire."
            ) % {
                "whose": whose,
                "phase": other.get_phase_display(),
                "day": f"{local_start:%d/%m/%Y}",
                "start": f"{local_start:%Hh%M}",
                "end": f"{local_end:%Hh%M}",
                "ref": (
                    f" ({other.bilan.reference})"
                    if other.bilan.organisation_id == bilan.organisation_id
                    else ""
                ),
            }
            raise Overlap(message, bilan=bilan, other=other, who=who)


def check_booking(
    *,
    starts_at: dt.datetime,
    planned_minutes: int,
    modality: str,
    place: str,
    video_link: str,
    invite: bool,
) -> None:
    """The input rules of a booking, before anything is locked."""
    if not isinstance(starts_at, dt.datetime):
        raise RuleViolation(_t("Indiquez une date et une heure valides."), code="invalid")
    if timezone.is_naive(starts_at):  # which 02:30 of the autumn night? say it
        raise RuleViolation(
            _t(
                "Indiquez la date et l'heure avec leur décalage horaire (par exemple "
                "2027-10-31T02:30:00+01:00 ou …Z en UTC) : sans lui, l'instant est ambigu."
            ),
            code="invalid",
        )
    check_booking_datetime(starts_at)
    if planned_minutes <= 0:
        raise RuleViolation(_t("La durée prévue doit être positive."), code="invalid")
    if modality not in Modality.values:
        raise RuleViolation(_t("Choisissez une modalité dans la liste."), code="invalid")
    if not invite:
        return
    if starts_at <= timezone.now():
        raise RuleViolation(
            _t("Cette date est passée : choisissez une date et une heure à venir."),
            code="invalid",
        )
    if modality == Modality.IN_PERSON and not place.strip():
        raise RuleViolation(_t("Indiquez le lieu de l'entretien en présentiel."), code="invalid")
    if modality == Modality.VIDEO:
        try:
            URLValidator(schemes=["https", "http"])(video_link)
        except ValidationError:
            raise RuleViolation(
                _t("Indiquez le lien de la visio (une adresse https://…)."), code="invalid"
            ) from None


def check_phase(bilan: Bilan, phase: str, *, what: str) -> None:
    """An entretien belongs to the bilan's current phase: not one not reached, nor a closed one."""
    current = PHASE_OF_STATUS.get(bilan.status)
    if current is None:
        raise RuleViolation(
            _t("Impossible de %(what)s un entretien : le bilan est à l'étape « %(s)s ».")
            % {"what": what, "s": bilan.get_status_display()}
        )
    if phase not in Phase.values:
        raise RuleViolation(_t("Choisissez une phase dans la liste."), code="invalid")
    if phase != current:
        order = list(Phase.values)
        reason = (
            _t("cette phase n'est pas encore ouverte")
            if order.index(phase) > order.index(current)
            else _t("cette phase est close")
        )
        raise RuleViolation(
            _t(
                "Impossible de %(what)s un entretien de %(phase)s : le bilan est en "
                "%(current)s ; %(reason)s."
            )
            % {
                "what": what,
                "phase": Phase(phase).label,
                "current": Phase(current).label,
                "reason": reason,
            }
        )


class NoteKind(models.TextChoices):
    PRIVATE = "private", _("note privée du ou de la consultant·e")
    SHARED = "shared", _("synthèse partagée avec le ou la bénéficiaire")


class EntretienNote(Content):
    """One note field of an entretien: under a question (`key` = question id), the free notes
    (`key` = "free") or the shared summary (`key` = "summary", kind shared).

    `version` grows on every save: an autosave names the version it started from, and a
    mismatch is a conflict shown to the user, never a silent overwrite.
    """

    bilan_path = "entretien__bilan"

    entretien = models.ForeignKey(Entretien, on_delete=models.CASCADE, related_name="notes")
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=NoteKind.choices, default=NoteKind.PRIVATE)
    text = EncryptedTextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entretien", "key"], name="one_note_per_field")
        ]

    def __str__(self) -> str:
        return f"{self.entretien_id}:{self.key} v{self.version}"


class EntretienChecklist(Content):
    """Objectives reached and closing items done, by their guide ids."""

    bilan_path = "entretien__bilan"

    entretien = models.OneToOneField(Entretien, on_delete=models.CASCADE, related_name="checklist")
    objectives_done = models.JSONField(default=list)
    closing_done = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"checklist {self.entretien_id}"


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", _("signature tracée")
    TYPED = "typed", _("nom saisi avec confirmation")


class SignerRole(models.TextChoices):
    BENEFICIARY = "beneficiary", _("bénéficiaire")
    CONSULTANT = "consultant", _("consultant·e")


class Attendance(models.Model):
    """One signature on the attendance proof of a held entretien (REQ-21). No content."""

    document_class = DocumentClass.PREUVE_REALISATION

    entretien = models.ForeignKey(Entretien, on_delete=models.PROTECT, related_name="attendances")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_role = models.CharField(max_length=20, choices=SignerRole.choices)
    method = models.CharField(max_length=10, choices=SignatureMethod.choices)
    signature_image = models.TextField(blank=True)  # a data:image/png;base64 URL, for drawn ones
    typed_name = models.CharField(max_length=300, blank=True)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_hash = models.CharField(max_length=64, blank=True)  # salted SHA-256, never the address
    user_agent = models.CharField(max_length=500, blank=True)
    regularisation = models.BooleanField(default=False)
    # The signer's session (a keyed hash of the session key or the API token's id) and who
    # submitted it: the consultant, when the beneficiary signs on the consultant's device.
    session_hash = models.CharField(max_length=64, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Several entretiens signed by one person within the policy's window (REQ-21 controls).
    bulk = models.BooleanField(_("signature groupée"), default=False)
    regularisation_reason = models.CharField(
        _("motif de la régularisation"), max_length=300, blank=True
    )

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entretien", "signer_role"], name="one_signature_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_signer_role_display()} {self.signed_at:%Y-%m-%d %H:%M}"


class AssignmentKind(models.TextChoices):
    TEST = "test", _("questionnaire ou test")
    REFLECTION = "reflection", _("exercice de réflexion")
    RESEARCH = "research", _("recherche documentaire")
    ENQUETE = "enquete", _("enquête métier")
    OTHER = "other", _("autre")


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def open(self) -> AssignmentQuerySet:
        return self.filter(done_at__isnull=True)

    def overdue(self) -> AssignmentQuerySet:
        return self.open().filter(due_on__lt=timezone.localdate())


class Assignment(Content):
    """Travail inter-session given to the beneficiary; its estimate counts as personal work."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="assignments")
    entretien = models.ForeignKey(
        Entretien, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    closing_item = models.CharField(max_length=100, blank=True)  # the guide item it came from
    title = EncryptedCharField(_("intitulé"), max_length=300)
    instructions = EncryptedTextField(_("consignes"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=AssignmentKind.choices)
    estimated_minutes = models.PositiveIntegerField(_("durée estimée (minutes)"), default=0)
    due_on = models.DateField(_("à faire pour le"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    beneficiary_comment = EncryptedTextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        # Issue 18: the overdue open work, in order, whatever the number of assignments.
        indexes = [
            models.Index(
                fields=["due_on", "id"],
                condition=models.Q(done_at__isnull=True),
                name="assignment_open_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("due_on"), name="assignment_due_on_in_window"
            )
        ]

    def __str__(self) -> str:
        return self.title


class PresenceKind(models.TextChoices):
    JOIN = "join", _("connexion")
    LEAVE = "leave", _("départ")


class RemotePresence(models.Model):
    """A connection record of a video entretien (REQ-21, REQ-57): the beneficiary opened the
    link from her space (join), or left (leave). Times and session only, never content."""

    document_class = DocumentClass.PREUVE_REALISATION

    entretien = models.ForeignKey(Entretien, on_delete=models.PROTECT, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=PresenceKind.choices)
    at = models.DateTimeField(default=timezone.now)
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


JOIN_EARLY = dt.timedelta(minutes=30)  # the room opens half an hour before the start


def record_join(
    *, entretien: Entretien, user, ip: str = "", user_agent: str = ""
) -> RemotePresence:
    """The beneficiary opens the video link of her entretien from her space (REQ-21, REQ-57):
    her connection is recorded (time, hashed address, device). Only hers, only a video
    entretien with a link, from 30 minutes before the start to the end."""
    from bilan.lib.net import hash_ip  # why: models stay free of request helpers at import

    if user.pk != entretien.bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire rejoint sa visio ici."), code="forbidden"
        )
    if entretien.modality != Modality.VIDEO or not entretien.video_link:
        raise RuleViolation(_t("Cet entretien n'a pas de lien de visio."))
    if entretien.status not in (EntretienStatus.PLANNED, EntretienStatus.HELD):
        raise RuleViolation(
            _t("Cet entretien est « %(s)s » : la visio n'est pas ouverte.")
            % {"s": entretien.get_status_display()}
        )
    now = timezone.now()
    end = entretien.actual_end or entretien.ends_at
    if now < entretien.starts_at - JOIN_EARLY:
        raise RuleViolation(
            _t("La visio s'ouvre 30 minutes avant l'entretien (%(w)s).")
            % {"w": when(entretien.starts_at)}
        )
    if now > end:
        raise RuleViolation(_t("Cet entretien est terminé : la visio n'est plus ouverte."))
    return RemotePresence.objects.create(
        entretien=entretien,
        user=user,
        kind=PresenceKind.JOIN,
        at=now,
        ip_hash=hash_ip(ip),
        user_agent=user_agent[:500],
    )
