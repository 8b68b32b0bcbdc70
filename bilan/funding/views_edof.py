"""The staff page « À déclarer sur EDOF »: the declarations due (late ones first), a file's
status entered by hand, and the CSV export of the EDOF back office imported (funding.edof)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.access import get_bilan_for_user
from bilan.funding import edof
from bilan.funding.models import EdofStatus
from bilan.organisations.access import require_membership, staff_required
from bilan.organisations.models import Role


class StatusForm(forms.Form):
    bilan = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Statut EDOF"), choices=EdofStatus.choices)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Export CSV du back-office EDOF"))


MAX_CSV_BYTES = 2_000_000


@staff_required
def edof_page(request: AuthenticatedRequest) -> HttpResponse:
    membership = require_membership(request.user, Role.ADMIN, Role.CONSULTANT)
    if request.method == "POST":
        try:
            if "file" in request.FILES:
                upload = request.FILES.get("file")
                if not isinstance(upload, UploadedFile):
                    raise ValidationError(_t("Joignez l'export CSV d'EDOF."))
                if upload.size and upload.size > MAX_CSV_BYTES:
                    raise ValidationError(_t("Fichier trop volumineux."))
                report = edof.import_csv(
                    organisation=membership.organisation,
                    by=request.user,
                    text=upload.read().decode("utf-8-sig", errors="replace"),
                )
                messages.success(
                    request,
                    _t("Import EDOF : %(u)s dossier(s) mis à jour, %(n)s inchangé(s).")
                    % {"u": report.updated, "n": report.unchanged},
                )
            else:
                form = StatusForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_t("Choisissez un statut EDOF dans la liste."))
                bilan = get_bilan_for_user(request.user, form.cleaned_data["bilan"], write=True)
                edof.record_status(bilan=bilan, by=request.user, status=form.cleaned_data["status"])
                messages.success(request, _t("Statut EDOF enregistré."))
        except ValidationError as error:
            if getattr(error, "code", "") == "forbidden":
                raise PermissionDenied(" ".join(error.messages)) from error
            for message in error.messages:
                messages.error(request, message)
        return redirect("funding:edof")
    return TemplateResponse(
        request,
        "funding/edof.html",
        {
            "tasks": edof.edof_tasks(membership.organisation),
            "statuses": EdofStatus.choices,
            "import_form": ImportForm(),
        },
    )


urlpatterns = [path("edof/", edof_page, name="edof")]
