"""The beneficiary's space: attendance (émargement, REQ-21) (see urlpatterns at the bottom).

A remote entretien's beneficiary signs from their own account; any beneficiary may download
the attendance sheet of their bilan.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t

from bilan.bilans.access import get_bilan_for_user
from bilan.entretiens.attendance import (
    attendance_sheet_pdf,
    entretien_for,
    sheet_filename,
    sign_attendance,
)
from bilan.entretiens.models import SignerRole
from bilan.entretiens.views_attendance import attendance_context, pdf_response, signing_fields
from bilan.organisations.access import beneficiary_required


@beneficiary_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    entretien = entretien_for(request.user, pk)
    errors: list[str] = []
    posted: dict = {}
    if request.method == "POST":
        fields = signing_fields(request)
        try:
            sign_attendance(
                entretien=entretien, signer=request.user, role=SignerRole.BENEFICIARY, **fields
            )
        except ValidationError as e:
            if getattr(e, "code", "") == "forbidden":
                raise PermissionDenied(" ".join(e.messages)) from e
            errors, posted = e.messages, fields
            if getattr(e, "code", "") != "invalid":  # the state refuses it: no pad to show it in
                for message in e.messages:
                    messages.error(request, message)
        else:
            messages.success(request, _t("Merci, votre signature est enregistrée."))
            return redirect("portal:attendance", pk=entretien.pk)
    context = attendance_context(entretien)
    context.update(errors=errors, posted=posted)
    return TemplateResponse(
        request, "entretiens/attendance_portal.html", context, status=422 if errors else 200
    )


@beneficiary_required
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    return pdf_response(attendance_sheet_pdf(bilan), sheet_filename(bilan))


urlpatterns = [
    path("entretiens/<int:pk>/emargement/", attendance, name="attendance"),
    path("bilan/<int:pk>/feuille-emargement.pdf", attendance_sheet, name="attendance_sheet"),
]
