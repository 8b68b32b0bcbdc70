"""The beneficiary's space: « Mes pistes » (list, detail, edit, status), adding a piste from a
fiche or freely, « Valider mon projet », and the enquêtes métier (see urlpatterns).

The pages are those of the staff side (bilan/careers/views_pistes.py) in the portal layout;
the list, the creation and the validation belong to the beneficiary's current bilan; a piste
or an enquête of someone else's bilan is a 404.
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
from bilan.careers import enquetes, pistes
from bilan.careers.views_pistes import (
    PORTAL,
    ValidationForm,
    _common,
    change_status,
    create_enquete,
    create_piste,
    edit_piste,
    enquete_page,
    enquetes_page,
    piste_page,
    pistes_page,
)
from bilan.organisations.access import beneficiary_required


def current_bilan(request: HttpRequest) -> Bilan | None:
    return Bilan.objects.with_people().current_for(request.user)


def no_bilan(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, "portal/pistes_no_bilan.html")


@beneficiary_required
def my_pistes(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request)
    return pistes_page(request, PORTAL, bilan)


@beneficiary_required
def piste_create(request: HttpRequest) -> HttpResponse:
    """GET: the form of a free piste; POST: `code_rome`, `saved_fiche`, `match_run` +
    `code_rome`, or the free fields."""
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request)
    if request.method != "POST":
        return pistes_page(request, PORTAL, bilan)
    return create_piste(request, PORTAL, bilan)


@beneficiary_required
def piste_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return piste_page(request, PORTAL, pistes.get_piste_for_user(request.user, pk))


@beneficiary_required
def piste_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return edit_piste(request, PORTAL, pistes.get_piste_for_user(request.user, pk))


@beneficiary_required
@require_POST
def piste_status(request: HttpRequest, pk: int) -> HttpResponse:
    return change_status(request, PORTAL, pistes.get_piste_for_user(request.user, pk))


@beneficiary_required
def my_enquetes(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request)
    return enquetes_page(request, PORTAL, bilan)


@beneficiary_required
def enquete_create(request: HttpRequest, pk: int) -> HttpResponse:
    return create_enquete(request, PORTAL, pistes.get_piste_for_user(request.user, pk))


@beneficiary_required
def enquete_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return enquete_page(request, PORTAL, enquetes.get_enquete_for_user(request.user, pk))


@beneficiary_required
def project_validate(request: HttpRequest) -> HttpResponse:
    """« Valider mon projet »: choose the projet principal and the alternatives, say it in my
    words, confirm. Only the beneficiary does it (REQ-62)."""
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request)
    options = PORTAL.decorate(pistes.read_pistes(reader=request.user, bilan=bilan))
    validations = pistes.read_validations(reader=request.user, bilan=bilan)

    def render(form: ValidationForm, status: int = 200) -> TemplateResponse:
        return TemplateResponse(
            request,
            "portal/pistes_validate.html",
            {
                **_common(PORTAL, bilan, request.user),
                "options": options,
                "form": form,
                "validations": validations,
                "validation": validations[0] if validations else None,
            },
            status=status,
        )

    if request.method != "POST":
        current = validations[0] if validations else None
        initial = (
            {
                "principal": current.principal_id,
                "alternatives": [a.pk for a in current.alternatives.all()],
            }
            if current
            else {}
        )
        return render(ValidationForm(options=options, initial=initial))
    form = ValidationForm(request.POST, options=options)
    if not form.is_valid():
        return render(form, 422)
    try:
        pistes.validate_project(
            bilan=bilan,
            by=request.user,
            principal_id=form.cleaned_data["principal"],
            alternative_ids=form.cleaned_data["alternatives"],
            statement=form.cleaned_data["statement"],
            confirmed=form.cleaned_data["confirmed"],
        )
    except ValidationError as e:
        form.add_error(None, e)
        return render(form, 422)
    messages.success(request, _t("Votre projet est validé. Vous pourrez le revoir si besoin."))
    return redirect("portal:pistes")


urlpatterns = [
    path("pistes/", my_pistes, name="pistes"),
    path("pistes/creer/", piste_create, name="piste_create"),
    path("pistes/<int:pk>/", piste_detail, name="piste"),
    path("pistes/<int:pk>/modifier/", piste_edit, name="piste_edit"),
    path("pistes/<int:pk>/statut/", piste_status, name="piste_status"),
    path("pistes/<int:pk>/enquetes/nouvelle/", enquete_create, name="enquete_create"),
    path("enquetes/", my_enquetes, name="enquetes"),
    path("enquetes/<int:pk>/", enquete_detail, name="enquete"),
    path("projet/valider/", project_validate, name="project_validate"),
]
