"""The beneficiary's space: reflection exercises, « Mon parcours » (timeline, portefeuille de
compétences) and « Motivations et contraintes » (see urlpatterns at the bottom).

The exercises belong to the beneficiary's current bilan (the active one, else the latest);
rules and audit live in bilan/exercises/parcours.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.bilans.models import Bilan
from bilan.exercises import parcours
from bilan.exercises.forms import ExperienceForm, MotivationsForm, achievements_formset
from bilan.exercises.models import Experience
from bilan.organisations.access import beneficiary_required


def no_bilan(request: HttpRequest, title: str) -> TemplateResponse:
    return TemplateResponse(request, "portal/parcours_no_bilan.html", {"page_title": title})


@beneficiary_required
def parcours_list(request: HttpRequest) -> HttpResponse:
    bilan = parcours.current_bilan(request.user)
    if bilan is None:
        return no_bilan(request, _t("Mon parcours"))
    experiences = parcours.read_experiences(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request,
        "portal/parcours.html",
        {
            "bilan": bilan,
            "experiences": experiences,
            "may_edit": parcours.may_edit(bilan, request.user),
        },
    )


def experience_args(form: ExperienceForm, formset) -> dict:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "title": data["title"],
        "place": data["place"],
        "start_on": data["start"],
        "end_on": data["end"],
        "missions": data["missions"],
        "liked": data["liked"],
        "liked_less": data["liked_less"],
        "achievements": [a for f in formset.forms if (a := f.data_or_none())],
        "competences": parcours.split_competences(data["competences"]),
    }


def render_form(
    request: HttpRequest,
    bilan: Bilan,
    form: ExperienceForm,
    formset,
    experience: Experience | None = None,
    status: int = 200,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "portal/parcours_form.html",
        {
            "bilan": bilan,
            "form": form,
            "formset": formset,
            "experience": experience,
            "may_edit": parcours.may_edit(bilan, request.user),
        },
        status=status,
    )


@beneficiary_required
def experience_new(request: HttpRequest) -> HttpResponse:
    bilan = parcours.current_bilan(request.user)
    if bilan is None:
        return no_bilan(request, _t("Nouvelle expérience"))
    if request.method != "POST":
        return render_form(request, bilan, ExperienceForm(), achievements_formset())
    form, formset = ExperienceForm(request.POST), achievements_formset(request.POST)
    if not (form.is_valid() and formset.is_valid()):
        return render_form(request, bilan, form, formset, status=422)
    try:
        experience = parcours.add_experience(
            bilan=bilan, by=request.user, **experience_args(form, formset)
        )
    except ValidationError as e:
        form.add_error(None, e)
        return render_form(request, bilan, form, formset, status=422)
    messages.success(request, _t("Expérience ajoutée à votre parcours."))
    return redirect("portal:parcours_experience", pk=experience.pk)


@beneficiary_required
def experience_detail(request: HttpRequest, pk: int) -> HttpResponse:
    experience = parcours.read_experience(
        reader=request.user, experience=parcours.get_experience_for_user(request.user, pk)
    )
    return TemplateResponse(
        request,
        "portal/parcours_detail.html",
        {
            "bilan": experience.bilan,
            "experience": experience,
            "may_edit": parcours.may_edit(experience.bilan, request.user),
            "rome_competences": [
                (c, labels.get(c.rome_code, ""))
                for labels in [
                    parcours.rome_labels(c.rome_code for c in experience.competences.all())
                ]
                for c in experience.competences.all()
            ],
        },
    )


@beneficiary_required
def experience_edit(request: HttpRequest, pk: int) -> HttpResponse:
    experience = parcours.read_experience(
        reader=request.user, experience=parcours.get_experience_for_user(request.user, pk)
    )
    bilan = experience.bilan
    if request.method != "POST":
        form = ExperienceForm(initial=ExperienceForm.initial_for(experience))
        return render_form(
            request, bilan, form, achievements_formset(experience=experience), experience
        )
    form = ExperienceForm(request.POST)
    formset = achievements_formset(request.POST, experience=experience)
    if not (form.is_valid() and formset.is_valid()):
        return render_form(request, bilan, form, formset, experience, status=422)
    try:
        parcours.update_experience(
            experience=experience, by=request.user, **experience_args(form, formset)
        )
    except ValidationError as e:
        form.add_error(None, e)
        return render_form(request, bilan, form, formset, experience, status=422)
    messages.success(request, _t("Expérience enregistrée."))
    return redirect("portal:parcours_experience", pk=experience.pk)


@beneficiary_required
@require_POST
def experience_delete(request: HttpRequest, pk: int) -> HttpResponse:
    experience = parcours.get_experience_for_user(request.user, pk)
    try:
        parcours.delete_experience(experience=experience, by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
        return redirect("portal:parcours_experience", pk=experience.pk)
    messages.success(request, _t("Expérience supprimée de votre parcours."))
    return redirect("portal:parcours")


@beneficiary_required
def portfolio(request: HttpRequest) -> HttpResponse:
    bilan = parcours.current_bilan(request.user)
    if bilan is None:
        return no_bilan(request, _t("Mon portefeuille de compétences"))
    groups = parcours.read_portfolio(reader=request.user, bilan=bilan)
    return TemplateResponse(request, "portal/portfolio.html", {"bilan": bilan, "groups": groups})


def render_motivations(
    request: HttpRequest,
    bilan: Bilan,
    form: MotivationsForm,
    exercise,
    status: int = 200,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "portal/motivations.html",
        {
            "bilan": bilan,
            "form": form,
            "exercise": exercise,
            "answers": parcours.motivation_answers(exercise),
            "may_edit": parcours.may_edit(bilan, request.user),
        },
        status=status,
    )


@beneficiary_required
def motivations(request: HttpRequest) -> HttpResponse:
    bilan = parcours.current_bilan(request.user)
    if bilan is None:
        return no_bilan(request, _t("Motivations et contraintes"))
    exercise = parcours.read_motivations(reader=request.user, bilan=bilan)
    if request.method != "POST":
        initial = dict(exercise.answers()) if exercise else {}
        return render_motivations(request, bilan, MotivationsForm(initial=initial), exercise)
    form = MotivationsForm(request.POST)
    if not form.is_valid():
        return render_motivations(request, bilan, form, exercise, status=422)
    try:
        parcours.save_motivations(bilan=bilan, by=request.user, **form.cleaned_data)
    except ValidationError as e:
        form.add_error(None, e)
        return render_motivations(request, bilan, form, exercise, status=422)
    messages.success(request, _t("Vos réponses sont enregistrées."))
    return redirect("portal:motivations")


def render_rome_link(request: HttpRequest, competence, status: int = 200) -> TemplateResponse:
    query = " ".join(request.GET.get("q", "").split())[:200]
    results = parcours.search_rome_items(query) if query else []
    bilan = competence.experience.bilan
    return TemplateResponse(
        request,
        "portal/rome_link.html",
        {
            "bilan": bilan,
            "competence": competence,
            "experience": competence.experience,
            "linked": parcours.rome_item(competence.rome_code) if competence.rome_code else None,
            "query": query,
            "results": results,
            "too_short": bool(query) and len(query) < parcours.ROME_SEARCH_MIN,
            "may_edit": parcours.may_edit(bilan, request.user),
        },
        status=status,
    )


@beneficiary_required
def rome_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Search the ROME (GET ?q=) and link the competence to one item (POST code_ogr)."""
    competence = parcours.get_competence_for_user(request.user, pk)
    if request.method != "POST":
        return render_rome_link(request, competence)
    try:
        parcours.link_competence(
            competence=competence, by=request.user, code_ogr=request.POST.get("code_ogr", "")
        )
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
        return render_rome_link(request, competence, status=422)
    messages.success(
        request,
        _t("« %(label)s » est reliée au ROME.") % {"label": competence.label},
    )
    return redirect("portal:parcours_experience", pk=competence.experience_id)


@beneficiary_required
@require_POST
def rome_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    competence = parcours.get_competence_for_user(request.user, pk)
    try:
        parcours.unlink_competence(competence=competence, by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(
            request, _t("« %(label)s » n'est plus reliée au ROME.") % {"label": competence.label}
        )
    return redirect("portal:parcours_experience", pk=competence.experience_id)


urlpatterns = [
    path("parcours/", parcours_list, name="parcours"),
    path("parcours/nouvelle/", experience_new, name="parcours_new"),
    path("parcours/<int:pk>/", experience_detail, name="parcours_experience"),
    path("parcours/<int:pk>/modifier/", experience_edit, name="parcours_edit"),
    path("parcours/<int:pk>/supprimer/", experience_delete, name="parcours_delete"),
    path("portefeuille/competence/<int:pk>/rome/", rome_link, name="rome_link"),
    path("portefeuille/competence/<int:pk>/rome/delier/", rome_unlink, name="rome_unlink"),
    path("portefeuille/", portfolio, name="portfolio"),
    path("motivations/", motivations, name="motivations"),
]
