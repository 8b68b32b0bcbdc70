"""The plan d'action: built by the consultant and the beneficiary in the entretien d'élaboration
du plan d'action (phase de conclusions), then the beneficiary's roadmap.

Who writes what, when:
- phase de conclusions: the beneficiary and the assigned consultant write everything;
- after closing (clos, suivi): the beneficiary keeps updating each action's status and notes;
- the consultant's writes stop at closing, and resume during the suivi (status « suivi »),
  where they record adjustments and new actions;
- the administration never reads nor writes it (content, REQ-54): 403.
Every status change keeps a history row (who, when, from → to). Reads by the consultant are
audited; the beneficiary's own are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.access import can_read_content
from bilan.bilans.models import Bilan, RuleViolation, Status, check_date
from bilan.careers.models import ProjectValidation
from bilan.compliance.audit import record_content_access
from bilan.followup.models import (
    MAX_ACTIONS,
    TEXT_MAX,
    WHAT_MAX,
    Action,
    ActionPlan,
    ActionStatus,
    ActionStatusChange,
)
from bilan.lib.text import capped
from bilan.organisations.middleware import membership_for
from bilan.organisations.models import Role

BUILDING = (Status.CONCLUSIONS,)
AFTER_CLOSING = (Status.CLOSED, Status.FOLLOW_UP)

# The fields of an action, as forms and the API name them; "status" and "note" are the
# beneficiary's to keep updating after closing.
CONTENT_FIELDS = (
    "what",
    "first_step",
    "due_on",
    "training",
    "funding",
    "network",
    "people",
    "obstacles",
    "overcome",
    "is_plan_b",
    "order",
)
TRACKING_FIELDS = ("status", "note")
FIELD_LABELS = {
    "what": _("Action"),
    "first_step": _("Première étape"),
    "training": _("Formation"),
    "funding": _("Financement"),
    "network": _("Réseau"),
    "people": _("Personnes qui peuvent aider"),
    "obstacles": _("Obstacles prévus"),
    "overcome": _("Comment les surmonter"),
    "note": _("Mes notes"),
    "plan_b": _("Plan B"),
}


# ---- who ------------------------------------------------------------------------------------


def membership_of(user):
    """The user's membership, loaded as the middleware does when it is not there yet."""
    if not hasattr(user, "membership"):
        user.membership = membership_for(user)
    return user.membership


def role_in(bilan: Bilan, user) -> str | None:
    """ "beneficiary" or "consultant" (the assigned one, of the organisation), else None."""
    if user.pk == bilan.beneficiary_id:
        return Role.BENEFICIARY
    membership_of(user)  # loaded if the caller did not
    if bilan.is_assigned_consultant(user):
        return Role.CONSULTANT
    return None


def write_refusal(bilan: Bilan, user, *, full: bool) -> RuleViolation | None:
    """Why `user` may not write the plan now (None: they may). `full`: the actions themselves,
    not only their status and notes."""
    role = role_in(bilan, user)
    if role is None:
        return RuleViolation(
            _t("Seuls le ou la bénéficiaire et son ou sa consultant·e écrivent le plan d'action."),
            code="forbidden",
        )
    status = bilan.status
    if status in BUILDING:
        return None
    if status == Status.FOLLOW_UP and role == Role.CONSULTANT:
        return None
    if status in AFTER_CLOSING and role == Role.BENEFICIARY:
        if not full:
            return None
        return RuleViolation(
            _t(
                "Depuis la clôture du bilan, vous mettez à jour l'état de vos actions et vos "
                "notes ; les actions elles-mêmes s'ajustent avec votre consultant·e lors de "
                "l'entretien de suivi."
            )
        )
    if status == Status.CLOSED and role == Role.CONSULTANT:
        return RuleViolation(
            _t(
                "Le bilan est clos : le plan d'action appartient désormais au ou à la "
                "bénéficiaire. Vous pourrez l'ajuster avec lui ou elle pendant l'entretien de "
                "suivi."
            )
        )
    return RuleViolation(
        _t(
            "Le plan d'action s'élabore en phase de conclusions : le bilan est à l'étape "
            "« %(status)s »."
        )
        % {"status": bilan.get_status_display()}
    )


def may_edit(bilan: Bilan, user) -> bool:
    """Whether `user` may add, rewrite or remove actions now (to show or hide forms)."""
    return write_refusal(bilan, user, full=True) is None


def may_track(bilan: Bilan, user) -> bool:
    """Whether `user` may change statuses and notes now."""
    return write_refusal(bilan, user, full=False) is None


def _check(bilan: Bilan, user, *, full: bool) -> None:
    refusal = write_refusal(bilan, user, full=full)
    if refusal is not None:
        raise refusal


# ---- input ----------------------------------------------------------------------------------


def _text(name: str, value: str | None, cap: int = TEXT_MAX) -> str:
    return capped(FIELD_LABELS.get(name, name), value, cap)


def clean_fields(fields: dict) -> dict:
    """The given fields trimmed and checked (a French message for each refusal)."""
    cleaned: dict = {}
    for name, value in fields.items():
        if name not in CONTENT_FIELDS + TRACKING_FIELDS:
            raise RuleViolation(_t("Champ inconnu : %(name)s.") % {"name": name}, code="invalid")
        if name == "what":
            value = " ".join((value or "").split())
            if not value:
                raise RuleViolation(_t("Dites en quelques mots quelle est l'action."), "invalid")
            cleaned[name] = _text(name, value, WHAT_MAX)
        elif name == "due_on":
            if value is not None and not isinstance(value, dt.date):
                raise RuleViolation(_t("Indiquez une échéance valide."), code="invalid")
            check_date(value, label=_t("échéance"))
            cleaned[name] = value
        elif name == "status":
            if value not in ActionStatus.values:
                raise RuleViolation(
                    _t("Choisissez un état : à faire, en cours, fait ou abandonnée."), "invalid"
                )
            cleaned[name] = value
        elif name == "is_plan_b":
            cleaned[name] = bool(value)
        elif name == "order":
            if not isinstance(value, int) or value < 0 or value > 10_000:
                raise RuleViolation(_t("L'ordre est un nombre positif."), code="invalid")
            cleaned[name] = value
        else:
            cleaned[name] = _text(name, value)
    return cleaned


# ---- the plan -------------------------------------------------------------------------------


def validated_piste(bilan: Bilan):
    """The projet principal of the bilan's latest ProjectValidation, if any."""

    validation = (
        ProjectValidation.objects.filter(bilan=bilan)
        .select_related("principal")
        .order_by("-validated_at", "-id")
        .first()
    )
    return validation.principal if validation else None


def plan_of(bilan: Bilan) -> ActionPlan | None:
    return ActionPlan.objects.filter(bilan=bilan).select_related("career_option").first()


def _plan_for_writing(bilan: Bilan, by: User) -> ActionPlan:
    plan, created = ActionPlan.objects.select_for_update().get_or_create(
        bilan=bilan, defaults={"updated_by": by}
    )
    if plan.career_option_id is None:
        piste = validated_piste(bilan)
        if piste is not None:
            plan.career_option = piste
            plan.save(update_fields=["career_option", "updated_at"])
    return plan


def _locked(bilan: Bilan, by: User, *, full: bool) -> Bilan:
    locked = bilan._locked()
    _check(locked, by, full=full)
    return locked


def create_action(*, bilan: Bilan, by: User, **fields) -> Action:
    """Add an action to the plan (at the end of its list unless `order` is given)."""
    _check(bilan, by, full=True)
    cleaned = clean_fields(fields)
    if "what" not in cleaned:
        raise RuleViolation(_t("Dites en quelques mots quelle est l'action."), code="invalid")
    cleaned.pop("status", None)  # a new action is « à faire »
    with transaction.atomic():
        locked = _locked(bilan, by, full=True)
        plan = _plan_for_writing(locked, by)
        if plan.actions.count() >= MAX_ACTIONS:
            raise RuleViolation(
                _t("%(max)s actions au plus par plan d'action.") % {"max": MAX_ACTIONS},
                code="invalid",
            )
        if "order" not in cleaned:
            cleaned["order"] = (plan.actions.aggregate(m=Max("order"))["m"] or 0) + 1
        action = Action.objects.create(
            plan=plan,
            created_by=by,
            added_at_suivi=locked.status == Status.FOLLOW_UP,
            **cleaned,
        )
        plan.updated_by = by
        plan.save(update_fields=["updated_by", "updated_at"])
    return action


def update_action(*, action: Action, by: User, **fields) -> Action:
    """Change some fields of an action; a status change is kept in its history.

    After closing the beneficiary may change only `status` and `note`."""
    bilan = action.plan.bilan
    full = any(name not in TRACKING_FIELDS for name in fields)
    _check(bilan, by, full=full)
    cleaned = clean_fields(fields)
    with transaction.atomic():
        _locked(bilan, by, full=full)
        locked = Action.objects.select_for_update().get(pk=action.pk)
        old_status = locked.status
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save()
        if "status" in cleaned and cleaned["status"] != old_status:
            ActionStatusChange.objects.create(
                action=locked, from_status=old_status, to_status=cleaned["status"], by=by
            )
        ActionPlan.objects.filter(pk=locked.plan_id).update(updated_by=by)
    action.refresh_from_db()
    return action


def set_status(*, action: Action, by: User, status: str) -> Action:
    return update_action(action=action, by=by, status=status)


def delete_action(*, action: Action, by: User) -> None:
    bilan = action.plan.bilan
    _check(bilan, by, full=True)
    with transaction.atomic():
        _locked(bilan, by, full=True)
        Action.objects.filter(pk=action.pk).delete()


def save_plan_b(*, bilan: Bilan, by: User, text: str) -> ActionPlan:
    """The plan B, in words (actions may also be flagged plan B)."""
    _check(bilan, by, full=True)
    text = _text("plan_b", text)
    with transaction.atomic():
        locked = _locked(bilan, by, full=True)
        plan = _plan_for_writing(locked, by)
        plan.plan_b = text
        plan.updated_by = by
        plan.save(update_fields=["plan_b", "updated_by", "updated_at"])
    return plan


# ---- reading --------------------------------------------------------------------------------


@dataclass
class PlanView:
    """The plan as shown: its actions (main ones, then plan B) and their progress."""

    bilan: Bilan
    plan: ActionPlan | None
    actions: list[Action]

    @property
    def main(self) -> list[Action]:
        return [a for a in self.actions if not a.is_plan_b]

    @property
    def plan_b_actions(self) -> list[Action]:
        return [a for a in self.actions if a.is_plan_b]

    @property
    def plan_b(self) -> str:
        return self.plan.plan_b if self.plan else ""

    @property
    def piste(self):
        return (self.plan.career_option if self.plan else None) or validated_piste(self.bilan)

    @property
    def progress(self) -> dict[str, int]:
        counts = {s: 0 for s in ActionStatus.values}
        for a in self.main:
            counts[a.status] += 1
        return counts

    @property
    def done_percent(self) -> int:
        kept = [a for a in self.main if a.status != ActionStatus.ABANDONED]
        if not kept:
            return 0
        return round(100 * sum(1 for a in kept if a.status == ActionStatus.DONE) / len(kept))


def require_reader(reader, bilan: Bilan) -> None:
    if not can_read_content(reader, bilan):
        raise PermissionDenied(
            _t("Le plan d'action est réservé au ou à la bénéficiaire et à son ou sa consultant·e.")
        )


def read_plan(*, reader, bilan: Bilan, channel: str = "web") -> PlanView:
    """The plan with its actions and their history; the consultant's read is audited."""
    require_reader(reader, bilan)
    plan = plan_of(bilan)
    actions = (
        list(plan.actions.prefetch_related("status_changes__by").select_related("created_by"))
        if plan
        else []
    )
    if plan is not None:
        record_content_access(actor=reader, bilan=bilan, objects=[plan, *actions], channel=channel)
    return PlanView(bilan=bilan, plan=plan, actions=actions)


def get_action_for_user(user, pk: int) -> Action:
    """The action `pk` of a bilan `user` may see, else 404 (its existence is not told)."""
    try:
        return Action.objects.select_related(
            "plan__bilan__beneficiary", "plan__bilan__consultant", "plan__bilan__organisation"
        ).get(pk=pk, plan__bilan__in=Bilan.objects.for_user(user))
    except (Action.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---- for the synthèse -----------------------------------------------------------------------


def _date(day: dt.date | None) -> str:
    return formats.date_format(day, "j F Y") if day else ""


def action_line(action: Action) -> str:
    """« Action — première étape — échéance », in plain French, without empty parts."""
    parts = [action.what]
    if action.first_step:
        parts.append(_t("première étape : %(step)s") % {"step": action.first_step})
    if action.due_on:
        parts.append(_t("échéance : %(date)s") % {"date": _date(action.due_on)})
    return " — ".join(parts)


def actions_for_synthese(bilan: Bilan) -> list[dict]:
    """The plan's statements for the synthèse (« principales étapes »), each with its source.

    One per action in order, then the plan B (its text, then the actions flagged plan B).
    Each is {"text", "source_url", "source_label"}. No access check nor audit here: the
    synthèse's own reader check and audit cover it. An empty plan gives [].
    """
    plan = plan_of(bilan)
    if plan is None:
        return []
    url = reverse("followup:plan", args=[bilan.pk])
    items = []
    actions = list(plan.actions.all())
    main = [a for a in actions if not a.is_plan_b]
    backup = [a for a in actions if a.is_plan_b]
    for n, action in enumerate(main, start=1):
        items.append(
            {
                "text": action_line(action),
                "source_url": f"{url}#action-{action.pk}",
                "source_label": _t("Plan d'action, action %(n)s") % {"n": n},
            }
        )
    if plan.plan_b:
        items.append(
            {
                "text": _t("Plan B : %(text)s") % {"text": plan.plan_b},
                "source_url": f"{url}#plan-b",
                "source_label": _t("Plan d'action, plan B"),
            }
        )
    for n, action in enumerate(backup, start=1):
        items.append(
            {
                "text": _t("Plan B — %(line)s") % {"line": action_line(action)},
                "source_url": f"{url}#action-{action.pk}",
                "source_label": _t("Plan d'action, plan B, action %(n)s") % {"n": n},
            }
        )
    return items
