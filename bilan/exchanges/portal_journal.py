"""The beneficiary's space: their journal de bord, private by default, each entry shareable
with their consultant on purpose (see urlpatterns at the bottom)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.bilans.models import Bilan
from bilan.exchanges.forms import JournalEntryForm, NewJournalEntryForm
from bilan.exchanges.journal import (
    delete_entry,
    edit_entry,
    get_entry_for_user,
    own_entries,
    share_entry,
    write_entry,
)
from bilan.exchanges.models import JournalEntry
from bilan.organisations.access import beneficiary_required


@beneficiary_required
def journal_list(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "portal/journal.html",
        {"entries": own_entries(request.user), "bilan": Bilan.objects.current_for(request.user)},
    )


@beneficiary_required
def journal_new(request: HttpRequest) -> HttpResponse:
    bilan = Bilan.objects.current_for(request.user)
    if bilan is None:
        raise Http404
    if request.method != "POST":
        return render_form(request, NewJournalEntryForm(), None)
    form = NewJournalEntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            write_entry(
                bilan=bilan,
                by=request.user,
                entry_date=data["entry_date"],
                title=data["title"],
                text=data["text"],
                shared=data["shared"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _t("Entrée partagée avec votre consultant·e.")
                if data["shared"]
                else _t("Entrée enregistrée. Elle reste privée."),
            )
            return redirect("portal:journal")
    return render_form(request, form, None, status=422)


@beneficiary_required
def journal_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk)
    if request.method != "POST":
        initial = {"entry_date": entry.entry_date, "title": entry.title, "text": entry.text}
        return render_form(request, JournalEntryForm(initial=initial), entry)
    form = JournalEntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            edit_entry(
                entry=entry,
                by=request.user,
                entry_date=data["entry_date"],
                title=data["title"],
                text=data["text"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _t("Entrée modifiée."))
            return redirect("portal:journal")
    entry.refresh_from_db()
    return render_form(request, form, entry, status=422)


def render_form(
    request: HttpRequest, form: JournalEntryForm, entry: JournalEntry | None, status: int = 200
) -> TemplateResponse:
    return TemplateResponse(
        request, "portal/journal_form.html", {"form": form, "entry": entry}, status=status
    )


@beneficiary_required
@require_POST
def journal_share(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk)
    shared = request.POST.get("shared") == "1"
    try:
        share_entry(entry=entry, by=request.user, shared=shared)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(
            request,
            _t("Entrée partagée avec votre consultant·e.")
            if shared
            else _t("Entrée redevenue privée : votre consultant·e ne la voit plus."),
        )
    return redirect("portal:journal")


@beneficiary_required
@require_POST
def journal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk)
    try:
        delete_entry(entry=entry, by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(request, _t("Entrée supprimée."))
    return redirect("portal:journal")


urlpatterns = [
    path("journal/", journal_list, name="journal"),
    path("journal/nouveau/", journal_new, name="journal_new"),
    path("journal/<int:pk>/", journal_entry, name="journal_entry"),
    path("journal/<int:pk>/partager/", journal_share, name="journal_share"),
    path("journal/<int:pk>/supprimer/", journal_delete, name="journal_delete"),
]
