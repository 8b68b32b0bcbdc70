"""Staff pages of the document de synthèse (see urlpatterns at the bottom): the assigned
consultant starts, prefills, edits, submits and renders it, and logs the remise.

Colleagues and other organisations get a 404 (get_bilan_for_user); the administration a 403
(content, REQ-8, REQ-54), audited; the beneficiary uses their own space (bilan/portal).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan
from bilan.compliance.audit import record_content_access
from bilan.documents import synthese as service
from bilan.documents.models import SECTIONS, HandoverChannel, RenderFormat
from bilan.documents.renderers import renderer_for
from bilan.documents.sanitize import sanitize
from bilan.organisations.access import staff_required


def local_url(url: str) -> str:
    """A source link only if it points inside the platform (never javascript: or elsewhere)."""
    return url if url.startswith("/") and not url.startswith("//") else ""


def _reading(request: HttpRequest, pk: int) -> tuple[Bilan, service.Reading]:
    bilan = get_bilan_for_user(request.user, pk)
    return bilan, service.read_synthese(reader=request.user, bilan=bilan)


def _page(
    request: HttpRequest,
    bilan: Bilan,
    reading: service.Reading,
    *,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> TemplateResponse:
    synthese, version = reading.synthese, reading.version
    shown = None
    if synthese is not None and request.GET.get("version", "").isdecimal():
        shown = synthese.version(int(request.GET["version"][:9]))
        record_content_access(actor=request.user, bilan=bilan, objects=[shown])
    current = shown or version
    sections = []
    for key, title in SECTIONS.items():
        text = (typed or {}).get(key, current.section(key) if current else "")
        sections.append(
            {
                "key": key,
                "title": title,
                "text": text,
                "preview": sanitize(text),  # typed text after a refusal is not sanitised yet
                "sources": [
                    {**s, "source_url": local_url(s.get("source_url", ""))}
                    for s in (current.sources.get(key, []) if current else [])
                ],
                "prompt": service.PROMPTS[key],
            }
        )
    return TemplateResponse(
        request,
        "synthese/edit.html",
        {
            "bilan": bilan,
            "synthese": synthese,
            "version": current,
            "latest": version,
            "read_only": shown is not None and version and shown.number != version.number,
            "sections": sections,
            "observations": reading.observations,
            "versions": list(synthese.versions.select_related("saved_by").order_by("-number"))
            if synthese
            else [],
            "jobs": service.recent_jobs(synthese, limit=5) if synthese else [],
            "handovers": list(synthese.handovers.all()) if synthese else [],
            "channels": HandoverChannel.choices,
            "formats": RenderFormat.choices,
            "may_write": bilan.consultant_id == request.user.pk,
            "closing": service.closing_status(bilan),
            "today": timezone.localdate(),
        },
        status=status,
    )


@staff_required
def synthese_page(request: HttpRequest, pk: int) -> HttpResponse:
    bilan, reading = _reading(request, pk)
    return _page(request, bilan, reading)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _back(bilan: Bilan) -> HttpResponse:
    return redirect("documents:synthese", bilan.pk)


@staff_required
@require_POST
def synthese_start(request: HttpRequest, pk: int) -> HttpResponse:
    bilan, _reading_ = _reading(request, pk)
    try:
        service.start_synthese(
            bilan=bilan, by=request.user, prefilled=request.POST.get("prefill", "1") == "1"
        )
        messages.success(request, _t("Le document de synthèse est commencé."))
    except ValidationError as e:
        _refused(request, e)
    return _back(bilan)


@staff_required
@require_POST
def synthese_save(request: HttpRequest, pk: int) -> HttpResponse:
    bilan, reading = _reading(request, pk)
    typed = {
        key: request.POST[f"section-{key}"] for key in SECTIONS if f"section-{key}" in request.POST
    }
    base = request.POST.get("base_number", "")
    if reading.synthese is None:
        messages.error(request, _t("Commencez d'abord le document de synthèse."))
        return _back(bilan)
    try:
        before = reading.version.number
        version = service.save_synthese(
            synthese=reading.synthese,
            by=request.user,
            sections=typed,
            base_number=int(base) if base.isdecimal() else None,
        )
    except ValidationError as e:  # the typed text is shown again, nothing lost
        _refused(request, e)
        return _page(request, bilan, reading, typed=typed, status=422)
    if version.number == before:
        messages.info(request, _t("Aucune modification : pas de nouvelle version."))
    else:
        messages.success(request, _t("Version %(n)s enregistrée.") % {"n": version.number})
    return _back(bilan)


@staff_required
@require_POST
def synthese_prefill(request: HttpRequest, pk: int) -> HttpResponse:
    bilan, reading = _reading(request, pk)
    key = request.POST.get("key", "")
    try:
        if reading.synthese is None:
            service.start_synthese(bilan=bilan, by=request.user, prefilled=True)
        else:
            version = service.prefill_again(
                synthese=reading.synthese, by=request.user, keys=[key] if key else None
            )
            messages.success(
                request,
                _t("Préremplissage enregistré (version %(n)s).") % {"n": version.number},
            )
    except ValidationError as e:
        _refused(request, e)
    return _back(bilan)


@staff_required
@require_POST
def synthese_submit(request: HttpRequest, pk: int) -> HttpResponse:
    bilan, reading = _reading(request, pk)
    try:
        if reading.synthese is None:
            raise ValidationError(_t("Commencez d'abord le document de synthèse."))
        service.submit_for_observations(synthese=reading.synthese, by=request.user)
        messages.success(
            request, _t("La synthèse est soumise au ou à la bénéficiaire pour observations.")
        )
    except ValidationError as e:
        _refused(request, e)
    return _back(bilan)


@staff_required
@require_POST
def synthese_handover(request: HttpRequest, pk: int) -> HttpResponse:
    bilan, reading = _reading(request, pk)
    try:
        if reading.synthese is None:
            raise ValidationError(_t("Commencez d'abord le document de synthèse."))
        try:
            handed_on = dt.date.fromisoformat(request.POST.get("handed_on", ""))
        except ValueError:
            raise ValidationError(_t("Indiquez la date de la remise (jj/mm/aaaa).")) from None
        service.record_handover(
            synthese=reading.synthese,
            by=request.user,
            handed_on=handed_on,
            channel=request.POST.get("channel", ""),
            acknowledged=request.POST.get("acknowledged") == "1",
        )
        messages.success(request, _t("La remise est enregistrée."))
    except ValidationError as e:
        _refused(request, e)
    return _back(bilan)


@staff_required
@require_POST
def synthese_render(request: HttpRequest, pk: int) -> HttpResponse:
    bilan, reading = _reading(request, pk)
    try:
        if reading.synthese is None:
            raise ValidationError(_t("Commencez d'abord le document de synthèse."))
        number = request.POST.get("version", "")
        job = service.request_render(
            synthese=reading.synthese,
            by=request.user,
            fmt=request.POST.get("format", ""),
            number=int(number) if number.isdecimal() else None,
        )
    except ValidationError as e:
        _refused(request, e)
        return _back(bilan)
    if request.htmx:
        return job_response(request, job, staff=True)
    return _back(bilan)


def job_response(request: HttpRequest, job, *, staff: bool) -> TemplateResponse:
    ns = "documents" if staff else "portal"
    return TemplateResponse(
        request,
        "documents/_synthese_job.html",
        {
            "job": job,
            "poll_url": reverse(f"{ns}:synthese_job", args=[job.pk]),
            "download_url": reverse(f"{ns}:synthese_download", args=[job.pk]),
            # « Relancer » on a failed job: a new job, through request_render like the API's.
            "render_url": reverse(
                f"{ns}:synthese_render", args=[job.synthese.bilan_id] if staff else []
            ),
        },
    )


@staff_required
def synthese_job(request: HttpRequest, job_pk: int) -> HttpResponse:
    job = service.get_job_for_user(request.user, job_pk)
    return job_response(request, job, staff=True)


def download(request: HttpRequest, job) -> HttpResponse:
    try:
        handle = service.open_job_file(reader=request.user, job=job)
    except ValidationError as e:
        return TemplateResponse(
            request, "synthese/not_ready.html", {"message": " ".join(e.messages)}, status=409
        )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename,
        content_type=renderer_for(job.format).content_type,
    )


@staff_required
def synthese_download(request: HttpRequest, job_pk: int) -> HttpResponse:
    return download(request, service.get_job_for_user(request.user, job_pk))


urlpatterns: list = [
    path("bilan/<int:pk>/synthese/", synthese_page, name="synthese"),
    path("bilan/<int:pk>/synthese/commencer/", synthese_start, name="synthese_start"),
    path("bilan/<int:pk>/synthese/enregistrer/", synthese_save, name="synthese_save"),
    path("bilan/<int:pk>/synthese/preremplir/", synthese_prefill, name="synthese_prefill"),
    path("bilan/<int:pk>/synthese/soumettre/", synthese_submit, name="synthese_submit"),
    path("bilan/<int:pk>/synthese/remise/", synthese_handover, name="synthese_handover"),
    path("bilan/<int:pk>/synthese/generer/", synthese_render, name="synthese_render"),
    path("synthese/fichiers/<int:job_pk>/", synthese_job, name="synthese_job"),
    path(
        "synthese/fichiers/<int:job_pk>/telecharger/", synthese_download, name="synthese_download"
    ),
]
