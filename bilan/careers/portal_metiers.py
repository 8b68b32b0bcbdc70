"""The beneficiary's documentary research (see urlpatterns at the bottom): search the ROME,
read a fiche métier, keep it in « Mes recherches » with notes, remove it.

Search and fiches work for any beneficiary; saving belongs to their current bilan and follows
bilan/careers/research.py (only while the bilan is in its phases).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import Bilan
from bilan.careers import research
from bilan.careers.fiches import CODE_ROME
from bilan.careers.models import TEXT_MAX, SavedFiche
from bilan.careers.views import render_fiche, render_search
from bilan.organisations.access import beneficiary_required


class SavedFicheForm(forms.Form):
    attracts = forms.CharField(
        label=_("Ce qui m'attire"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    worries = forms.CharField(
        label=_("Ce qui m'inquiète"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    questions = forms.CharField(
        label=_("Questions à poser"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple à un ou une professionnelle lors d'une enquête métier."),
    )
    assignment = forms.TypedChoiceField(
        label=_("En réponse à"),
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args, bilan: Bilan, saved: SavedFiche | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        assignments = list(research.open_research_assignments(bilan))
        if saved is not None and saved.assignment and saved.assignment not in assignments:
            assignments.insert(0, saved.assignment)
        choices = [("", _t("Ma propre initiative"))]
        choices += [(a.pk, a.title) for a in assignments]
        self.fields["assignment"].choices = choices
        if len(choices) == 1:  # nothing assigned: no question to ask
            self.fields["assignment"].widget = forms.HiddenInput()

    @classmethod
    def initial_for(cls, saved: SavedFiche | None) -> dict:
        if saved is None:
            return {}
        return {
            "attracts": saved.attracts,
            "worries": saved.worries,
            "questions": saved.questions,
            "assignment": saved.assignment_id or "",
        }


def render_portal_fiche(
    request: HttpRequest,
    code_rome: str,
    bilan: Bilan | None,
    form: SavedFicheForm | None = None,
    status: int | None = None,
) -> TemplateResponse:
    saved = (
        research.read_saved_fiche(reader=request.user, bilan=bilan, code_rome=code_rome)
        if bilan
        else None
    )
    if bilan is not None and form is None:
        form = SavedFicheForm(initial=SavedFicheForm.initial_for(saved), bilan=bilan, saved=saved)
    response = render_fiche(
        request,
        "portal/metiers_fiche.html",
        code_rome,
        search_url="portal:metiers",
        fiche_url="portal:metiers_fiche",
        bilan=bilan,
        saved=saved,
        form=form,
        may_edit=bool(bilan) and research.may_edit(bilan, request.user),
        not_editable=research.not_editable_message(bilan) if bilan else "",
    )
    if status is not None and response.status_code == 200:
        response.status_code = status
    return response


@beneficiary_required
def search_page(request: HttpRequest) -> HttpResponse:
    return render_search(request, "portal/metiers.html", "portal:metiers_fiche")


@beneficiary_required
def fiche_page(request: HttpRequest, code_rome: str) -> HttpResponse:
    if not CODE_ROME.match(code_rome.strip().upper()):
        # No fiche has it: the « introuvable » page, without the lookups (a NUL: a 500 on
        # PostgreSQL), showing the code without what no database can hold.
        return render_portal_fiche(request, "".join(c for c in code_rome if c.isprintable()), None)
    bilan = research.current_bilan(request.user)
    if request.method != "POST" or bilan is None:
        return render_portal_fiche(request, code_rome, bilan)
    saved = bilan.saved_fiches.filter(code_rome=code_rome.strip().upper()).first()
    form = SavedFicheForm(request.POST, bilan=bilan, saved=saved)
    if not form.is_valid():
        return render_portal_fiche(request, code_rome, bilan, form, status=422)
    try:
        saved, created = research.save_fiche(
            bilan=bilan,
            by=request.user,
            code_rome=code_rome,
            attracts=form.cleaned_data["attracts"],
            worries=form.cleaned_data["worries"],
            questions=form.cleaned_data["questions"],
            assignment_id=form.cleaned_data["assignment"],
        )
    except ValidationError as e:
        form.add_error(None, e)
        return render_portal_fiche(request, code_rome, bilan, form, status=422)
    if created:
        messages.success(request, _t("Fiche ajoutée à vos recherches, avec vos notes."))
    else:
        messages.success(request, _t("Vos notes sur cette fiche sont enregistrées."))
    return redirect("portal:metiers_fiche", code_rome=saved.code_rome)


@beneficiary_required
def my_research(request: HttpRequest) -> HttpResponse:
    bilan = research.current_bilan(request.user)
    if bilan is None:
        return TemplateResponse(
            request, "portal/metiers_recherches.html", {"bilan": None, "saved_fiches": []}
        )
    saved = research.read_saved_fiches(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request,
        "portal/metiers_recherches.html",
        {
            "bilan": bilan,
            "saved_fiches": saved,
            "may_edit": research.may_edit(bilan, request.user),
            "not_editable": research.not_editable_message(bilan),
        },
    )


@beneficiary_required
def remove_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes."""
    saved = research.get_saved_fiche_for_user(request.user, pk)
    if request.method != "POST":
        research.read_saved_fiche(reader=request.user, bilan=saved.bilan, code_rome=saved.code_rome)
        return TemplateResponse(request, "portal/metiers_retirer.html", {"saved": saved})
    try:
        research.remove_fiche(saved=saved, by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
        return redirect("portal:recherches")
    messages.success(
        request,
        _t("« %(label)s » est retirée de vos recherches.") % {"label": saved.metier_label},
    )
    return redirect("portal:recherches")


urlpatterns = [
    path("metiers/", search_page, name="metiers"),
    path("metiers/fiche/<str:code_rome>/", fiche_page, name="metiers_fiche"),
    path("metiers/recherches/", my_research, name="recherches"),
    path("metiers/recherches/<int:pk>/retirer/", remove_page, name="recherche_remove"),
]
