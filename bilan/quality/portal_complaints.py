"""The beneficiary's « Mes réclamations »: file a complaint, follow it, read the answer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_http_methods

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.models import RuleViolation
from bilan.organisations.access import beneficiary_required, require_membership
from bilan.quality import complaints
from bilan.quality.models import ComplaintCategory


@beneficiary_required
@require_http_methods(["GET", "POST"])
def my_complaints(request: AuthenticatedRequest) -> HttpResponse:
    typed: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        typed = {k: request.POST.get(k, "") for k in ("text", "category")}
        try:
            complaint = complaints.create_complaint(
                organisation=require_membership(request.user).organisation,
                by=request.user,
                text=typed["text"],
                category=typed["category"],
            )
        except RuleViolation as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _t(
                    "Votre réclamation est enregistrée sous la référence %(ref)s. Vous recevez un "
                    "accusé de réception par e-mail ; la réponse vous parviendra au plus tard le "
                    "%(due)s."
                )
                % {"ref": complaint.reference, "due": complaint.answer_due_on.strftime("%d/%m/%Y")},
            )
            return redirect("portal:complaints")
    return TemplateResponse(
        request,
        "quality/portal_complaints.html",
        {
            "complaints": complaints.complaints_for(request.user),
            "categories": ComplaintCategory.choices,
            "typed": typed,
            "error": error,
        },
        status=422 if error else 200,
    )


urlpatterns: list[Any] = [
    path("reclamations/", my_complaints, name="complaints"),
]
