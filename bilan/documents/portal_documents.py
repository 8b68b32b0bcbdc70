"""The beneficiary's space: « Mes documents » — one list of every document they own for their
current bilan, each linking to the view that already serves it — and « Télécharger tout mon
bilan », the REQ-7 export (see urlpatterns at the bottom)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t

from bilan.assessments.instruments import UnknownInstrument, get_instrument
from bilan.assessments.models import Administration
from bilan.bilans.models import Bilan
from bilan.documents import export
from bilan.documents.models import RenderJob, RenderStatus
from bilan.entretiens.models import Entretien
from bilan.followup import certificate
from bilan.followup.models import ActionPlan, SuiviReport
from bilan.organisations.access import beneficiary_required


def _instrument_name(code: str) -> str:
    try:
        return str(get_instrument(code).name)
    except (UnknownInstrument, AttributeError):
        return code


def documents_of(bilan: Bilan) -> list[dict]:
    """The documents of `bilan` its beneficiary may open, as {label, url, kind}."""
    docs: list[dict] = []
    for administration in Administration.objects.filter(
        bilan=bilan, submitted_at__isnull=False, result__isnull=False
    ).order_by("submitted_at", "id"):
        docs.append(
            {
                "label": _t("Résultats : %(test)s")
                % {"test": _instrument_name(administration.instrument_code)},
                "url": reverse("portal:test_result_pdf", args=[administration.pk]),
                "kind": "PDF",
                "date": administration.submitted_at,
            }
        )
    synthese = getattr(bilan, "synthese", None)
    if synthese is not None:
        visible = {synthese.submitted_number, synthese.decided_number} - {None}
        for job in RenderJob.objects.filter(
            synthese=synthese, status=RenderStatus.DONE, version_number__in=visible
        ).exclude(file=""):
            docs.append(
                {
                    "label": _t("Document de synthèse (version %(n)s)") % {"n": job.version_number},
                    "url": reverse("portal:synthese_download", args=[job.pk]),
                    "kind": job.get_format_display(),
                    "date": job.finished_at,
                }
            )
    if Entretien.objects.filter(bilan=bilan).exists():
        docs.append(
            {
                "label": _t("Feuille d'émargement"),
                "url": reverse("portal:attendance_sheet", args=[bilan.pk]),
                "kind": "PDF",
                "date": None,
            }
        )
    upcoming = Entretien.objects.filter(bilan=bilan).upcoming().first()
    if upcoming is not None:
        docs.append(
            {
                "label": _t("Mon prochain entretien (agenda)"),
                "url": reverse("portal:entretien_invitation", args=[upcoming.pk]),
                "kind": "ICS",
                "date": None,
            }
        )
    if ActionPlan.objects.filter(bilan=bilan).exists():
        docs.append(
            {
                "label": _t("Mon plan d'action"),
                "url": reverse("portal:plan"),
                "kind": _t("page"),
                "date": None,
            }
        )
    try:
        certificate.require_certifiable(bilan)
    except ValidationError:
        pass
    else:
        docs.append(
            {
                "label": _t("Certificat de réalisation"),
                "url": reverse("portal:certificate"),
                "kind": "PDF",
                "date": bilan.closed_on,
            }
        )
    report = SuiviReport.objects.filter(bilan=bilan, finalised_at__isnull=False).first()
    if report is not None:
        docs.append(
            {
                "label": _t("Compte-rendu de l'entretien de suivi"),
                "url": reverse("portal:suivi_report_pdf"),
                "kind": "PDF",
                "date": report.finalised_at,
            }
        )
    return docs


@beneficiary_required
def documents(request: HttpRequest) -> HttpResponse:
    bilan = Bilan.objects.with_people().current_for(request.user)
    context = {"bilan": bilan, "documents": documents_of(bilan) if bilan else []}
    return TemplateResponse(request, "portal/documents.html", context)


@beneficiary_required
def export_all(request: HttpRequest) -> HttpResponse:
    """The whole bilan as one zip; only the beneficiary's current bilan, never another's."""
    bilan = Bilan.objects.with_people().current_for(request.user)
    if bilan is None:
        return TemplateResponse(
            request, "portal/parcours_no_bilan.html", {"page_title": _t("Mes documents")}
        )
    content = export.export_zip(user=request.user, bilan=bilan)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(bilan)}"'
    return response


urlpatterns = [
    path("documents/", documents, name="documents"),
    path("documents/tout-mon-bilan.zip", export_all, name="export"),
]
