"""Entretiens: attendance pages (émargement, REQ-21) for staff (see urlpatterns at the bottom).

The consultant signs for themself; for an in-person entretien the beneficiary may sign on the
consultant's device. The attendance sheet PDF is administrative: the assigned consultant and
the organisation's admins download it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.access import get_bilan_for_user
from bilan.entretiens.anomalies import attendance_anomalies
from bilan.entretiens.attendance import (
    attendance_sheet_pdf,
    client_ip,
    client_ua,
    ended_at,
    entretien_for,
    generic_label,
    is_regularisation,
    regularisation_hours,
    sheet_filename,
    sign_attendance,
    signatures,
    times,
)
from bilan.entretiens.models import Entretien, EntretienStatus, Modality, SignerRole
from bilan.entretiens.proof import bundle_filename, proof_bundle
from bilan.organisations.access import role_required, staff_required
from bilan.organisations.models import Role


def signing_fields(request: HttpRequest) -> dict:
    """The signature form's fields, as sign_attendance takes them."""
    return {
        "method": request.POST.get("method", ""),
        "signature_image": request.POST.get("signature_image", ""),
        "typed_name": request.POST.get("typed_name", ""),
        "confirmed": request.POST.get("confirmed") in ("on", "yes", "true", "1"),
        "regularisation_reason": request.POST.get("regularisation_reason", ""),
        "ip": client_ip(request),
        "user_agent": client_ua(request),
        "session": "session:" + (request.session.session_key or ""),
    }


def attendance_context(entretien: Entretien) -> dict:
    signed = signatures(entretien)
    start, end = times(entretien)
    return {
        "entretien": entretien,
        "bilan": entretien.bilan,
        "label": generic_label(entretien),
        "signed": signed,
        "held": entretien.status == EntretienStatus.HELD,
        "remote": entretien.modality != Modality.IN_PERSON,
        "start": start,
        "end": end,
        "ended_at": ended_at(entretien),
        "regularisation_hours": regularisation_hours(entretien),
        "late": is_regularisation(entretien, timezone.now()),
    }


@staff_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Both signature states; the consultant's pad, and the beneficiary's on this device."""
    entretien = entretien_for(request.user, pk)
    bilan = entretien.bilan
    is_consultant = request.user.pk == bilan.consultant_id
    errors: dict[str, list[str]] = {}
    posted: dict[str, dict] = {}
    if request.method == "POST":
        role = request.POST.get("signer", "")
        if role not in SignerRole.values:
            role = SignerRole.CONSULTANT
        signer = bilan.beneficiary if role == SignerRole.BENEFICIARY else request.user
        fields = signing_fields(request)
        try:
            sign_attendance(
                entretien=entretien,
                signer=signer,
                acting_user=request.user,
                role=role,
                **fields,
            )
        except ValidationError as e:
            if getattr(e, "code", "") == "forbidden":
                raise PermissionDenied(" ".join(e.messages)) from e
            if getattr(e, "code", "") == "invalid":
                errors[role] = e.messages  # shown in that pad, with what was typed
            else:
                errors["page"] = e.messages
                for message in e.messages:
                    messages.error(request, message)
            posted[role] = fields
        else:
            if role == SignerRole.BENEFICIARY:
                messages.success(request, _t("Signature du ou de la bénéficiaire enregistrée."))
            else:
                messages.success(request, _t("Votre signature est enregistrée."))
            return redirect("entretiens:attendance", pk=entretien.pk)
    context = attendance_context(entretien)
    context.update(is_consultant=is_consultant, errors=errors, posted=posted)
    return TemplateResponse(
        request, "entretiens/attendance_sign.html", context, status=422 if errors else 200
    )


@staff_required
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The bilan's attendance sheet PDF: administrative, no content (REQ-21)."""
    bilan = get_bilan_for_user(request.user, pk)
    return pdf_response(attendance_sheet_pdf(bilan), sheet_filename(bilan))


@staff_required
def proof_bundle_zip(request: HttpRequest, pk: int) -> HttpResponse:
    """The « dossier de preuve »: administrative pieces only (no content), for a control."""
    bilan = get_bilan_for_user(request.user, pk)
    return zip_response(proof_bundle(bilan), bundle_filename(bilan))


def period(params: object) -> tuple[dt.date | None, dt.date | None]:
    """?du=AAAA-MM-JJ&au=AAAA-MM-JJ; a bad date is ignored."""

    def day(key: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(params.get(key, ""))  # type: ignore[attr-defined]
        except ValueError:
            return None

    return day("du"), day("au")


@role_required(Role.ADMIN)
def anomalies(request: HttpRequest) -> HttpResponse:
    """The admin's attendance anomaly report (administrative, no content)."""
    start, end = period(request.GET)
    rows = attendance_anomalies(request.user.membership.organisation_id, start=start, end=end)
    return TemplateResponse(
        request, "entretiens/anomalies.html", {"rows": rows, "start": start, "end": end}
    )


def zip_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("<int:pk>/emargement/", attendance, name="attendance"),
    path(
        "bilan/<int:pk>/feuille-emargement.pdf",
        attendance_sheet,
        name="attendance_sheet",
    ),
    path("bilan/<int:pk>/dossier-preuve.zip", proof_bundle_zip, name="proof_bundle"),
    path("anomalies-emargement/", anomalies, name="attendance_anomalies"),
]
