"""Entretiens: the sessions with the consultant that make up the accompaniment hours.

This is the minimal core the lifecycle needs (schedule, hold, miss, cancel); the guides, notes and
attendance proofs build on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import PHASE_OF_STATUS, Bilan, Phase, RuleViolation
from bilan.lib.hours import fmt


class Modality(models.TextChoices):
    IN_PERSON = "in_person", _("présentiel")
    VIDEO = "video", _("visio")
    PHONE = "phone", _("téléphone")


class EntretienStatus(models.TextChoices):
    PLANNED = "planned", _("planifié")
    HELD = "held", _("tenu")
    MISSED = "missed", _("manqué")
    CANCELLED = "cancelled", _("annulé")


class EntretienQuerySet(models.QuerySet["Entretien"]):
    def upcoming(self) -> EntretienQuerySet:
        return self.filter(status=EntretienStatus.PLANNED, starts_at__gte=timezone.now())

    def overdue(self) -> EntretienQuerySet:
        """Planned entretiens whose time has passed without being marked held or missed."""
        return self.filter(status=EntretienStatus.PLANNED, starts_at__lt=timezone.now())


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = EntretienQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]

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
        phase: str,
        starts_at: dt.datetime,
        planned_minutes: int,
        modality: str = Modality.IN_PERSON,
        title: str = "",
    ) -> Entretien:
        """Book an entretien in the bilan's current phase, within the 24 h ceiling (REQ-3 d, REQ-4)."""
        if planned_minutes <= 0:
            raise RuleViolation(_t("La durée prévue doit être positive."), code="invalid")
        with transaction.atomic():
            locked = Bilan.objects.select_for_update().get(pk=bilan.pk)
            current = PHASE_OF_STATUS.get(locked.status)
            if current is None:
                raise RuleViolation(
                    _t("Impossible de planifier un entretien : le bilan est à l'étape « %(s)s ».")
                    % {"s": locked.get_status_display()}
                )
            if phase != current:
                raise RuleViolation(
                    _t(
                        "Impossible de planifier un entretien de %(phase)s : le bilan est en "
                        "%(current)s."
                    )
                    % {"phase": Phase(phase).label, "current": Phase(current).label}
                )
            if phase != Phase.FOLLOW_UP:
                budget = locked.budget()
                locked.check_budget(
                    replace(
                        budget,
                        scheduled_accompaniment=budget.scheduled_accompaniment + planned_minutes,
                    ),
                    what=_t("Entretien refusé"),
                )
            return cls.objects.create(
                bilan=locked,
                phase=phase,
                starts_at=starts_at,
                planned_minutes=planned_minutes,
                modality=modality,
                title=title,
                created_by=by,
            )

    def mark_held(self, *, by, held_minutes: int | None = None) -> None:
        """Record the entretien as held; its real duration counts as delivered accompaniment."""
        minutes = self.planned_minutes if held_minutes is None else held_minutes
        if minutes <= 0:
            raise RuleViolation(_t("La durée réalisée doit être positive."), code="invalid")
        with transaction.atomic():
            bilan = Bilan.objects.select_for_update().get(pk=self.bilan_id)
            entretien = Entretien.objects.select_for_update().get(pk=self.pk)
            if entretien.status != EntretienStatus.PLANNED:
                raise RuleViolation(
                    _t("Cet entretien est déjà « %(s)s ».") % {"s": entretien.get_status_display()}
                )
            if entretien.starts_at > timezone.now():
                raise RuleViolation(_t("Un entretien ne peut être tenu avant son heure de début."))
            if entretien.phase != Phase.FOLLOW_UP:
                budget = bilan.budget()
                delivered = budget.delivered_total + minutes
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
            entretien.save(update_fields=["status", "held_minutes", "held_at"])
        self.refresh_from_db()

    def cancel(self, *, by, missed: bool = False) -> None:
        with transaction.atomic():
            entretien = Entretien.objects.select_for_update().get(pk=self.pk)
            if entretien.status != EntretienStatus.PLANNED:
                raise RuleViolation(
                    _t("Cet entretien est déjà « %(s)s ».") % {"s": entretien.get_status_display()}
                )
            entretien.status = EntretienStatus.MISSED if missed else EntretienStatus.CANCELLED
            entretien.save(update_fields=["status"])
        self.refresh_from_db()
