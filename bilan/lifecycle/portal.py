"""The beneficiary's « Mes données » (see urlpatterns at the bottom): for each of her bilans,
what is kept, until when and why; the written agreement to keep her work for follow-up, and
its withdrawal. Rules live in retention.py; a bilan out of reach is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan
from bilan.lifecycle import export, notice, requests, retention
from bilan.lifecycle.forms import AgreementForm, DataRequestForm
from bilan.organisations.access import beneficiary_required

PAGE = "lifecycle/my_data.html"


def page_context(
    request: AuthenticatedRequest,
    form: AgreementForm | None = None,
    request_form: DataRequestForm | None = None,
) -> dict[str, Any]:
    bilans = list(Bilan.objects.for_user(request.user).with_people().order_by("-opened_on", "-id"))
    rows = []
    for bilan in bilans:
        agreement = retention.active_agreement(bilan)
        rows.append(
            {
                "bilan": bilan,
                "agreement": agreement,
                "schedule": retention.schedule(bilan, agreement=agreement),
            }
        )
    return {
        "rows": rows,
        "form": form or AgreementForm(),
        "request_form": request_form or DataRequestForm(),
        "requests": requests.requests_for(request.user),
    }


@beneficiary_required
def my_data(request: AuthenticatedRequest) -> HttpResponse:
    return TemplateResponse(request, PAGE, page_context(request))


@beneficiary_required
@require_POST
def sign_agreement(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            retention.sign_agreement(
                bilan=bilan,
                by=request.user,
                scope=form.cleaned_data["scope"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _t("Votre accord de conservation est enregistré."))
            return redirect("portal:my_data")
    return TemplateResponse(request, PAGE, page_context(request, form), status=422)


@beneficiary_required
@require_POST
def withdraw_agreement(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    try:
        retention.withdraw_agreement(bilan=bilan, by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(
            request,
            _t(
                "Votre accord est retiré : vos documents de travail seront détruits selon la "
                "règle générale, après un dernier avis par e-mail."
            ),
        )
    return redirect("portal:my_data")


@beneficiary_required
@require_POST
def data_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    form = DataRequestForm(request.POST)
    if form.is_valid():
        try:
            created = requests.create_request(
                bilan=bilan,
                by=request.user,
                kind=form.cleaned_data["kind"],
                details=form.cleaned_data["details"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _t("Votre demande est enregistrée : réponse au plus tard le %(d)s.")
                % {"d": f"{created.due_on:%d/%m/%Y}"},
            )
            return redirect("portal:my_data")
    return TemplateResponse(request, PAGE, page_context(request, request_form=form), status=422)


@beneficiary_required
def export_all(request: AuthenticatedRequest) -> HttpResponse:
    """« Télécharger toutes mes données »: every bilan, complete (lifecycle.export)."""
    content = export.export_all(user=request.user)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(request.user)}"'
    return response


@beneficiary_required
def information_notice(request: AuthenticatedRequest) -> HttpResponse:
    """The notice in force; a changed one (shown again after login) is acknowledged here."""
    shown = notice.current()
    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST":
        notice.acknowledge(user=request.user, session_key=request.session.session_key)
        request.session.pop(notice.PENDING, None)
        messages.success(request, _t("Merci, vous avez pris connaissance de la notice."))
        return redirect(next_url or "portal:home")
    return TemplateResponse(
        request,
        "lifecycle/notice.html",
        {
            "notice": shown,
            "notice_version": notice.current_version(),
            "pending": bool(request.session.get(notice.PENDING)),
            "next": next_url,
        },
    )


urlpatterns = [
    path("notice/", information_notice, name="notice"),
    path("mes-donnees/toutes-mes-donnees.zip", export_all, name="export_all"),
    path("mes-donnees/bilan/<int:pk>/demande/", data_request, name="data_request"),
    path("mes-donnees/", my_data, name="my_data"),
    path("mes-donnees/bilan/<int:pk>/accord/", sign_agreement, name="sign_agreement"),
    path(
        "mes-donnees/bilan/<int:pk>/accord/retrait/", withdraw_agreement, name="withdraw_agreement"
    ),
]
