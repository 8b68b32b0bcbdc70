"""The beneficiary's space: their bilan, their next entretien, what they have to do.

Beneficiary-facing views only; no models of their own.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.bilans import notice
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan, ConsentMethod, Status, current_of
from bilan.entretiens.assignments import open_assignments
from bilan.entretiens.models import Entretien
from bilan.organisations.access import beneficiary_required


def todo_for(bilan: Bilan) -> list[dict]:
    """What the beneficiary has to do now (later issues add their assignments)."""
    items = []
    if bilan.status in (Status.ENQUIRY, Status.PRELIMINARY) and bilan.active_consent() is None:
        items.append(
            {
                "label": _t("Lire la notice d'information et donner mon consentement"),
                "action": "consent",
            }
        )
    framing = bilan.framing_or_empty()
    if (
        bilan.status == Status.PRELIMINARY
        and framing.agreed_arrangements.strip()
        and not framing.arrangements_beneficiary_validated_at
    ):
        items.append({"label": _t("Valider les modalités de mon bilan"), "action": "arrangements"})
    items += [
        {"label": a.title, "action": "assignment", "assignment": a} for a in open_assignments(bilan)
    ]
    return items


def current_or_next(bilan: Bilan) -> Entretien | None:
    """The entretien under way (so a video link can still be opened) or the next one."""
    now = timezone.now()
    recent = Entretien.objects.filter(
        bilan=bilan, status="planned", starts_at__gte=now - dt.timedelta(hours=24)
    ).order_by("starts_at", "id")
    return next((e for e in recent if e.ends_at > now), None)


@beneficiary_required
def home(request: HttpRequest) -> HttpResponse:
    bilans = list(Bilan.objects.for_user(request.user).with_people().order_by("-opened_on", "-id"))
    current = current_of(bilans)
    context: dict = {"bilans": bilans, "bilan": current}
    if current is not None:
        context.update(
            budget=current.budget(),
            next_entretien=current_or_next(current),
            todo=todo_for(current),
            framing=current.framing_or_empty(),
            consent=current.active_consent(),
            notice_version=notice.current_version(),
        )
    return TemplateResponse(request, "portal/home.html", context)


@beneficiary_required
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the information notice, then consent (L6313-4)."""
    bilan = get_bilan_for_user(request.user, pk)
    if request.method == "POST":
        if request.POST.get("accept") != "yes":
            messages.error(request, _t("Cochez la case pour donner votre consentement."))
        else:
            try:
                bilan.record_consent(
                    by=request.user,
                    method=ConsentMethod.ONLINE,
                    # The version this server showed (noted in the session at GET), never
                    # the form's: a forged or stale page is refused by the owner.
                    shown_version=request.session.get(notice.SHOWN, ""),
                    session_key=request.session.session_key or "",
                )
            except ValidationError as e:
                for m in e.messages:
                    messages.error(request, m)
            else:
                messages.success(request, _t("Merci, votre consentement est enregistré."))
                return redirect("portal:home")
    shown = notice.current_version()
    request.session[notice.SHOWN] = shown
    return TemplateResponse(
        request,
        "portal/consent.html",
        {"bilan": bilan, "notice_version": shown, "consent": bilan.active_consent()},
    )


@beneficiary_required
@require_POST
def validate_arrangements(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    try:
        bilan.validate_arrangements(by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(request, _t("Vous avez validé les modalités de votre bilan."))
    return redirect("portal:home")


@beneficiary_required
@require_POST
def withdraw_consent(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    try:
        bilan.withdraw_consent(by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(request, _t("Votre consentement est retiré ; le bilan est interrompu."))
    return redirect("portal:home")
