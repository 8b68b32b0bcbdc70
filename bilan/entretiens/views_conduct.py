"""Conducting an entretien: the consultant's screen (guide, notes, checklist, timer) and its
autosave endpoints, marking it held, missed or cancelled (see urlpatterns at the bottom).

The note and checklist endpoints answer the autosave script (static/js/autosave.js, header
`X-Autosave`) with a fragment of templates/entretiens/conduct.html; a plain form post gets the
whole page back.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bilan.bilans.forms import FramingForm
from bilan.bilans.models import Phase, Status
from bilan.compliance.audit import record_content_access
from bilan.entretiens.models import CancelReason, Entretien, EntretienStatus
from bilan.entretiens.notes import (
    FREE,
    SUMMARY,
    NoteConflict,
    checklist_of,
    get_entretien_for_consultant,
    interview_of,
    notes_by_key,
    save_note,
    set_checklist_item,
)
from bilan.lib.hours import fmt
from bilan.organisations.access import staff_required

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def local_datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)


class HeldForm(forms.Form):
    actual_start = forms.DateTimeField(label=_("Début réel"), widget=local_datetime_widget())
    actual_end = forms.DateTimeField(
        label=_("Fin réelle"),
        required=False,
        help_text=_("Laissez vide pour « maintenant »."),
        widget=local_datetime_widget(),
    )


class CancelForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("L'entretien"),
        choices=[
            (EntretienStatus.MISSED, _("n'a pas eu lieu (manqué)")),
            (EntretienStatus.CANCELLED, _("est annulé")),
        ],
    )
    reason = forms.ChoiceField(label=_("Motif"), choices=CancelReason.choices)


def is_autosave(request: HttpRequest) -> bool:
    return request.headers.get("X-Autosave") == "1"


def conduct_context(
    request: HttpRequest,
    entretien: Entretien,
    *,
    typed: dict[str, str] | None = None,
    conflicts: dict[str, NoteConflict] | None = None,
    **bound,
) -> dict:
    """Everything the screen shows; every content object read is written to the audit trail."""
    bilan = entretien.bilan
    interview = interview_of(entretien)
    notes = notes_by_key(entretien)
    checklist = checklist_of(entretien)
    typed, conflicts = typed or {}, conflicts or {}
    shows_framing = entretien.phase == Phase.PRELIMINARY and bilan.status == Status.PRELIMINARY
    framing = bilan.framing_or_empty() if shows_framing else None
    record_content_access(
        actor=request.user,
        bilan=bilan,
        objects=[*notes.values(), checklist, framing if framing and framing.pk else None],
    )

    def field(key: str, label: str) -> dict:
        note = notes.get(key)
        return {
            "key": key,
            "label": label,
            "shared": key == SUMMARY,
            "text": typed.get(key, note.text if note else ""),
            "version": note.version if note else 0,
            "conflict": conflicts.get(key),
        }

    def ticks(items: list[dict], done: list[str]) -> list[dict]:
        return [{**item, "done": item["id"] in done} for item in items]

    interview = interview or {}
    opened_at = timezone.localtime()
    return {
        "entretien": entretien,
        "bilan": bilan,
        "interview": interview,
        "editable": bilan.status != Status.ARCHIVED
        and entretien.status in (EntretienStatus.PLANNED, EntretienStatus.HELD),
        "objectives": ticks(
            interview.get("objectives", []), checklist.objectives_done if checklist else []
        ),
        "closing_items": ticks(
            interview.get("closing_items", []), checklist.closing_done if checklist else []
        ),
        "groups": [
            {
                "title": group.get("title", ""),
                "fields": [field(q["id"], q["text"]) for q in group.get("questions", [])],
            }
            for group in interview.get("question_groups", [])
        ],
        "free": field(FREE, _t("Notes libres")),
        "summary": field(SUMMARY, _t("Synthèse partagée")),
        "opened_at": opened_at,
        "held_form": bound.get("held_form")
        or HeldForm(initial={"actual_start": opened_at.replace(second=0, microsecond=0)}),
        "cancel_form": bound.get("cancel_form") or CancelForm(),
        "framing_form": (
            bound.get("framing_form")
            or FramingForm(
                initial={
                    "format": bilan.format,
                    "rhythm": bilan.rhythm,
                    "needs_analysis": framing.needs_analysis,
                    "agreed_arrangements": framing.agreed_arrangements,
                }
            )
            if shows_framing
            else None
        ),
        "is_planned": entretien.status == EntretienStatus.PLANNED,
    }


def page(request: HttpRequest, entretien: Entretien, status: int = 200, **extra) -> HttpResponse:
    return TemplateResponse(
        request,
        "entretiens/conduct.html",
        conduct_context(request, entretien, **extra),
        status=status,
    )


@staff_required
def conduct(request: HttpRequest, pk: int) -> HttpResponse:
    entretien = get_entretien_for_consultant(request.user, pk)
    return page(request, entretien)


@staff_required
@require_POST
def note_save(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    entretien = get_entretien_for_consultant(request.user, pk)
    text = request.POST.get("text", "").replace("\r\n", "\n")
    try:
        base_version = int(request.POST.get("base_version", ""))
    except ValueError:
        base_version = -1  # refused by save_note as invalid input
    try:
        note = save_note(
            entretien=entretien, key=key, text=text, base_version=base_version, by=request.user
        )
    except NoteConflict as conflict:
        if conflict.note.pk:  # showing their text is a read of the note
            record_content_access(
                actor=request.user, bilan=entretien.bilan, objects=[conflict.note]
            )
        if not is_autosave(request):
            return page(request, entretien, 409, typed={key: text}, conflicts={key: conflict})
        response = TemplateResponse(
            request,
            "entretiens/conduct.html#note-conflict",
            {"conflict": conflict, "key": key},
            status=409,
        )
        response["X-Note-Version"] = str(conflict.note.version)
        return response
    except ValidationError as error:
        if not is_autosave(request):
            for message in error.messages:
                messages.error(request, message)
            return page(request, entretien, 422, typed={key: text})
        return TemplateResponse(
            request, "entretiens/conduct.html#note-error", {"error": error}, status=422
        )
    if not is_autosave(request):
        messages.success(request, _t("Note enregistrée."))
        return redirect(f"{entretien_url(entretien)}#note-{key}")
    response = TemplateResponse(request, "entretiens/conduct.html#note-saved", {"note": note})
    response["X-Note-Version"] = str(note.version)
    return response


def entretien_url(entretien: Entretien) -> str:
    return reverse("entretiens:conduct", args=[entretien.pk])


@staff_required
@require_POST
def checklist_save(request: HttpRequest, pk: int) -> HttpResponse:
    entretien = get_entretien_for_consultant(request.user, pk)
    try:
        set_checklist_item(
            entretien=entretien,
            section=request.POST.get("section", ""),
            item=request.POST.get("item", ""),
            done=request.POST.get("done") in ("1", "on", "true"),
            by=request.user,
        )
    except ValidationError as error:
        return TemplateResponse(
            request, "entretiens/conduct.html#note-error", {"error": error}, status=422
        )
    return TemplateResponse(request, "entretiens/conduct.html#checklist-saved", {})


def refused(
    request: HttpRequest, entretien: Entretien, error: ValidationError, **bound
) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    entretien.refresh_from_db()
    entretien.bilan.refresh_from_db()
    return page(request, entretien, 422, **bound)


@staff_required
@require_POST
def conduct_held(request: HttpRequest, pk: int) -> HttpResponse:
    entretien = get_entretien_for_consultant(request.user, pk)
    form = HeldForm(request.POST)
    if not form.is_valid():
        return refused(
            request, entretien, ValidationError(_t("Vérifiez le début et la fin.")), held_form=form
        )
    try:
        entretien.mark_held(
            by=request.user,
            actual_start=form.cleaned_data["actual_start"],
            actual_end=form.cleaned_data["actual_end"] or timezone.now(),
        )
    except ValidationError as error:
        return refused(request, entretien, error, held_form=form)
    messages.success(
        request,
        _t("Entretien marqué tenu : %(d)s réalisées.") % {"d": fmt(entretien.held_minutes)},
    )
    return redirect("entretiens:conduct", pk=entretien.pk)


@staff_required
@require_POST
def conduct_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    entretien = get_entretien_for_consultant(request.user, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return refused(
            request, entretien, ValidationError(_t("Choisissez un motif.")), cancel_form=form
        )
    try:
        entretien.cancel(
            by=request.user,
            missed=form.cleaned_data["outcome"] == EntretienStatus.MISSED,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        return refused(request, entretien, error, cancel_form=form)
    messages.success(request, _t("Entretien « %(s)s ».") % {"s": entretien.get_status_display()})
    return redirect("entretiens:conduct", pk=entretien.pk)


@staff_required
@require_POST
def conduct_framing(request: HttpRequest, pk: int) -> HttpResponse:
    """The preliminary phase's outputs, filled from the entretien d'analyse de la demande."""
    entretien = get_entretien_for_consultant(request.user, pk)
    form = FramingForm(request.POST)
    if not form.is_valid():
        return refused(
            request, entretien, ValidationError(_t("Vérifiez le formulaire.")), framing_form=form
        )
    try:
        entretien.bilan.record_preliminary_outputs(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        return refused(request, entretien, error, framing_form=form)
    messages.success(request, _t("Résultats de la phase préliminaire enregistrés."))
    return redirect("entretiens:conduct", pk=entretien.pk)


urlpatterns = [
    path("<int:pk>/conduire/", conduct, name="conduct"),
    path("<int:pk>/notes/<str:key>/", note_save, name="note"),
    path("<int:pk>/checklist/", checklist_save, name="checklist"),
    path("<int:pk>/conduire/tenu/", conduct_held, name="conduct_held"),
    path("<int:pk>/conduire/annuler/", conduct_cancel, name="conduct_cancel"),
    path("<int:pk>/conduire/cadrage/", conduct_framing, name="conduct_framing"),
]
