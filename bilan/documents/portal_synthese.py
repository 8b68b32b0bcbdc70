"""The beneficiary's space: their document de synthèse (see urlpatterns at the bottom). They
read the version submitted to them, write observations, validate it or refuse it with their
observations, download it, and share it with named recipients (REQ-8, REQ-10, REQ-62).

Also the recipient's one-time link (no login): the shared version as a PDF, once, within
SHARE_DAYS days. Rules live in bilan/documents/synthese.py.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.bilans.models import Bilan
from bilan.documents import synthese as service
from bilan.documents.models import SECTIONS, RenderFormat, SyntheseShare, SyntheseStatus
from bilan.documents.renderers import build_document, renderer_for
from bilan.documents.sanitize import sanitize
from bilan.documents.views import download, job_response
from bilan.organisations.access import beneficiary_required


def _current(request: HttpRequest) -> tuple[Bilan | None, service.Reading | None]:
    bilan = Bilan.objects.with_people().current_for(request.user)
    if bilan is None:
        return None, None
    return bilan, service.read_synthese(reader=request.user, bilan=bilan)


def _page(
    request: HttpRequest,
    bilan: Bilan | None,
    reading: service.Reading | None,
    *,
    typed: dict | None = None,
    status: int = 200,
) -> TemplateResponse:
    synthese = reading.synthese if reading else None
    context = {
        "bilan": bilan,
        "synthese": synthese,
        "version": reading.version if reading else None,
        "observations": reading.observations if reading else [],
        "typed": typed or {},
        "formats": RenderFormat.choices,
        "may_observe": bool(synthese and synthese.status == SyntheseStatus.SUBMITTED),
        "may_share": bool(synthese and synthese.is_decided),
        "shares": list(synthese.shares.all()) if synthese else [],
        "jobs": service.recent_jobs(synthese, limit=3, requested_by=request.user)
        if synthese
        else [],
        "share_days": service.SHARE_DAYS,
    }
    if reading and reading.version:
        context["sections"] = [
            {"key": k, "title": t, "html": sanitize(reading.version.section(k))}
            for k, t in SECTIONS.items()
        ]
    return TemplateResponse(request, "portal/synthese.html", context, status=status)


@beneficiary_required
def synthese(request: HttpRequest) -> HttpResponse:
    bilan, reading = _current(request)
    return _page(request, bilan, reading)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _require(reading: service.Reading | None) -> service.Reading:
    if reading is None or reading.synthese is None or reading.version is None:
        raise ValidationError(_t("Votre document de synthèse ne vous a pas encore été soumis."))
    return reading


@beneficiary_required
@require_POST
def observations(request: HttpRequest) -> HttpResponse:
    bilan, reading = _current(request)
    text = request.POST.get("text", "")
    try:
        service.submit_observations(synthese=_require(reading).synthese, by=request.user, text=text)
    except ValidationError as e:  # what was typed is shown again
        _refused(request, e)
        return _page(request, bilan, reading, typed={"text": text}, status=422)
    messages.success(
        request, _t("Vos observations sont enregistrées ; votre consultant·e les lira.")
    )
    return redirect("portal:synthese")


@beneficiary_required
@require_POST
def decision(request: HttpRequest) -> HttpResponse:
    bilan, reading = _current(request)
    refuse = request.POST.get("decision") == "refuse"
    text = request.POST.get("observations", "")
    try:
        service.validate_synthese(
            synthese=_require(reading).synthese,
            by=request.user,
            confirm=request.POST.get("confirm") == "1",
            refuse=refuse,
            observations=text,
        )
    except ValidationError as e:
        _refused(request, e)
        return _page(request, bilan, reading, typed={"refusal": text}, status=422)
    messages.success(
        request,
        _t("Votre refus et vos observations sont enregistrés.")
        if refuse
        else _t("Vous avez validé votre document de synthèse."),
    )
    return redirect("portal:synthese")


@beneficiary_required
@require_POST
def render(request: HttpRequest) -> HttpResponse:
    bilan, reading = _current(request)
    try:
        job = service.request_render(
            synthese=_require(reading).synthese,
            by=request.user,
            fmt=request.POST.get("format", ""),
        )
    except ValidationError as e:
        _refused(request, e)
        return redirect("portal:synthese")
    if request.htmx:
        return job_response(request, job, staff=False)
    return redirect("portal:synthese")


@beneficiary_required
def job_status(request: HttpRequest, job_pk: int) -> HttpResponse:
    return job_response(request, service.get_job_for_user(request.user, job_pk), staff=False)


@beneficiary_required
def job_download(request: HttpRequest, job_pk: int) -> HttpResponse:
    return download(request, service.get_job_for_user(request.user, job_pk))


@beneficiary_required
@require_POST
def share(request: HttpRequest) -> HttpResponse:
    bilan, reading = _current(request)
    typed = {
        "recipient_name": request.POST.get("recipient_name", ""),
        "recipient_email": request.POST.get("recipient_email", ""),
    }
    try:
        made, _token = service.share_synthese(
            synthese=_require(reading).synthese,
            by=request.user,
            agree=request.POST.get("agree") == "1",
            **typed,
        )
    except ValidationError as e:
        _refused(request, e)
        return _page(request, bilan, reading, typed=typed, status=422)
    messages.success(
        request,
        _t("Un lien de téléchargement à usage unique a été envoyé à %(who)s.")
        % {"who": made.recipient_name},
    )
    return redirect("portal:synthese")


@beneficiary_required
@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    found = service.share_of(by=request.user, pk=pk)
    service.revoke_share(share=found, by=request.user)
    messages.success(request, _t("Le partage est retiré : le lien ne fonctionne plus."))
    return redirect("portal:synthese")


def shared(request: HttpRequest, token: str) -> HttpResponse:
    """The recipient's one-time download (no account): the shared version as a PDF."""

    found = service.claim_share(token)
    if found is None:
        return TemplateResponse(request, "portal/synthese_shared_gone.html", status=410)
    try:
        data = renderer_for("pdf").render(build_document(found.synthese, found.version_number))
    except Exception:
        logging.getLogger(__name__).exception("shared synthèse %s failed to render", found.pk)
        SyntheseShare.objects.filter(pk=found.pk).update(used_at=None)
        return TemplateResponse(
            request, "portal/synthese_shared_gone.html", {"retry": True}, status=503
        )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="synthese-v{found.version_number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list = [
    path("synthese/", synthese, name="synthese"),
    path("synthese/observations/", observations, name="synthese_observations"),
    path("synthese/decision/", decision, name="synthese_decision"),
    path("synthese/generer/", render, name="synthese_render"),
    path("synthese/fichiers/<int:job_pk>/", job_status, name="synthese_job"),
    path("synthese/fichiers/<int:job_pk>/telecharger/", job_download, name="synthese_download"),
    path("synthese/partager/", share, name="synthese_share"),
    path("synthese/partages/<int:pk>/retirer/", share_revoke, name="synthese_share_revoke"),
    path("synthese/partage/<str:token>/", shared, name="synthese_shared"),
]
