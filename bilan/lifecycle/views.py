"""Staff pages of the data lifecycle: the retention rules table (the administration confirms
each rule « à vérifier au JO »), a bilan's schedule with its legal hold and proofs' retention,
and the destruction certificates. Rules live in retention.py and destruction.py."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.access import get_bilan_for_user
from bilan.lib.render import render_pdf
from bilan.lifecycle import destruction, registers, requests, retention
from bilan.lifecycle.models import DestructionCertificate, HoldKind, LegalHold, Variant
from bilan.organisations.access import require_membership, role_required, staff_required
from bilan.organisations.models import Role

admin_required = role_required(Role.ADMIN)


@admin_required
def rules(request: AuthenticatedRequest) -> HttpResponse:
    organisation = require_membership(request.user, Role.ADMIN).organisation
    return TemplateResponse(
        request,
        "lifecycle/rules.html",
        {"rules": retention.rules_in_force(organisation), "organisation": organisation},
    )


@admin_required
@require_POST
def confirm_rule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rule = retention.visible_rule(request.user, pk)
    try:
        retention.confirm_rule(rule=rule, by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(request, _t("Règle confirmée pour votre organisme."))
    return redirect("lifecycle:rules")


@staff_required
def bilan_lifecycle(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A bilan's retention schedule, its legal hold and its destruction certificate, for the
    staff who see it (administrative data: no content); the acts are the administration's."""
    bilan = get_bilan_for_user(request.user, pk, write=True)
    certificate = DestructionCertificate.objects.filter(bilan_id=bilan.pk).first()
    return TemplateResponse(
        request,
        "lifecycle/bilan.html",
        {
            "bilan": bilan,
            "schedule": retention.schedule(bilan),
            "state": retention.lifecycle_of(bilan),
            "hold": destruction.active_hold(bilan),
            "holds": LegalHold.objects.filter(bilan=bilan),
            "hold_kinds": HoldKind.choices,
            "variants": Variant.choices,
            "certificate": certificate,
            "lines": destruction.certificate_lines(certificate) if certificate else [],
            "is_admin": request.user.membership is not None
            and request.user.membership.role == Role.ADMIN,
        },
    )


def _refusals(request: AuthenticatedRequest, error: ValidationError) -> None:
    for m in error.messages:
        messages.error(request, m)


@admin_required
@require_POST
def place_hold(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    try:
        destruction.place_hold(
            bilan=bilan,
            by=request.user,
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as e:
        _refusals(request, e)
    else:
        messages.success(request, _t("Les destructions de ce bilan sont suspendues."))
    return redirect("lifecycle:bilan", pk=bilan.pk)


@admin_required
@require_POST
def lift_hold(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    try:
        destruction.lift_hold(bilan=bilan, by=request.user)
    except ValidationError as e:
        _refusals(request, e)
    else:
        messages.success(request, _t("Suspension levée."))
    return redirect("lifecycle:bilan", pk=bilan.pk)


@admin_required
@require_POST
def proof_variant(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    try:
        retention.set_proof_variant(
            bilan=bilan, by=request.user, variant=request.POST.get("variant", "")
        )
    except ValidationError as e:
        _refusals(request, e)
    else:
        messages.success(request, _t("Conservation des preuves enregistrée."))
    return redirect("lifecycle:bilan", pk=bilan.pk)


@admin_required
def certificates(request: AuthenticatedRequest) -> HttpResponse:
    organisation = require_membership(request.user, Role.ADMIN).organisation
    return TemplateResponse(
        request,
        "lifecycle/certificates.html",
        {"certificates": DestructionCertificate.objects.filter(organisation=organisation)},
    )


@admin_required
def certificate(request: AuthenticatedRequest, bilan_id: int) -> HttpResponse:
    found = destruction.certificate_for(request.user, bilan_id)
    return TemplateResponse(
        request,
        "lifecycle/certificate.html",
        {"certificate": found, "lines": destruction.certificate_lines(found)},
    )


@admin_required
def data_requests(request: AuthenticatedRequest) -> HttpResponse:
    """The organisation's data-subject requests, the open ones first, with their deadline."""
    found = sorted(
        requests.requests_for(request.user), key=lambda r: (r.status != "open", r.due_on)
    )
    return TemplateResponse(
        request,
        "lifecycle/requests.html",
        {"requests": found, "today": timezone.localdate()},
    )


@admin_required
def data_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return TemplateResponse(
        request,
        "lifecycle/request.html",
        {"r": requests.get_request(request.user, pk), "today": timezone.localdate()},
    )


@admin_required
@require_POST
def answer_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = requests.get_request(request.user, pk)
    try:
        requests.answer_request(
            request=found,
            by=request.user,
            text=request.POST.get("text", ""),
            refused=request.POST.get("refused") == "1",
        )
    except ValidationError as e:
        _refusals(request, e)
    else:
        messages.success(request, _t("Réponse enregistrée."))
    return redirect("lifecycle:request", pk=found.pk)


@admin_required
@require_POST
def extend_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = requests.get_request(request.user, pk)
    try:
        requests.extend_request(
            request=found, by=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as e:
        _refusals(request, e)
    else:
        messages.success(request, _t("Délai prolongé de deux mois."))
    return redirect("lifecycle:request", pk=found.pk)


# ---- registers (REQ-48, 49, 51, 54) ----------------------------------------------------------


@admin_required
def article30(request: AuthenticatedRequest) -> HttpResponse:
    organisation = registers.require_admin(request.user)
    return TemplateResponse(request, "lifecycle/article30.html", registers.article30(organisation))


@admin_required
def article30_pdf(request: AuthenticatedRequest) -> HttpResponse:
    organisation = registers.require_admin(request.user)
    content = render_pdf(
        "lifecycle/article30_pdf.html",
        registers.article30(organisation),
        title=_t("Registre des activités de traitement"),
        author=organisation.name,
        footer=organisation.name,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="registre-article-30.pdf"'
    return response


@admin_required
def dpia(request: AuthenticatedRequest) -> HttpResponse:
    organisation = registers.require_admin(request.user)
    return TemplateResponse(request, "lifecycle/dpia.html", registers.dpia(organisation))


@admin_required
def dpia_pdf(request: AuthenticatedRequest) -> HttpResponse:
    organisation = registers.require_admin(request.user)
    content = render_pdf(
        "lifecycle/dpia_pdf.html",
        registers.dpia(organisation),
        title=_t("Analyse d'impact (AIPD) — modèle prérempli"),
        author=organisation.name,
        footer=organisation.name,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="aipd-modele.pdf"'
    return response


@admin_required
def breaches(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            registers.record_breach(
                by=request.user,
                detected_at=_detected_at(request.POST.get("detected_at", "")),
                description=request.POST.get("description", ""),
                data_categories=request.POST.get("data_categories", ""),
                people_count=int(request.POST.get("people_count") or 0),
                measures=request.POST.get("measures", ""),
            )
        except (ValidationError, ValueError) as e:
            messages.error(
                request, " ".join(getattr(e, "messages", [_t("Date ou nombre invalide.")]))
            )
        else:
            messages.success(request, _t("Violation enregistrée : notifiez la CNIL sous 72 h."))
        return redirect("lifecycle:breaches")
    now = timezone.now()
    rows = [(b, registers.hours_left(b, now)) for b in registers.breaches_for(request.user)]
    return TemplateResponse(request, "lifecycle/breaches.html", {"rows": rows})


def _detected_at(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@admin_required
@require_POST
def breach_notified(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    breach = registers.get_breach(request.user, pk)
    try:
        registers.mark_notified(
            breach=breach, by=request.user, reason_not_notified=request.POST.get("reason", "")
        )
    except ValidationError as e:
        _refusals(request, e)
    return redirect("lifecycle:breaches")
