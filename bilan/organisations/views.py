"""The organisation's profile and its dated hour rules (administration only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.static import serve

from bilan.organisations.access import require_membership
from bilan.organisations.forms import HoursRuleForm, OrganisationForm
from bilan.organisations.models import HoursRule, Role


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request.user, Role.ADMIN)
    organisation = membership.organisation
    form = OrganisationForm(instance=organisation)
    rule_form = HoursRuleForm(prefix="rule")
    if request.method == "POST" and "save_organisation" in request.POST:
        form = OrganisationForm(request.POST, request.FILES, instance=organisation)
        if form.is_valid():
            form.save()
            messages.success(request, _t("Profil de l'organisme enregistré."))
            return redirect("organisations:settings")
    elif request.method == "POST" and "add_rule" in request.POST:
        rule_form = HoursRuleForm(
            request.POST, prefix="rule", instance=HoursRule(organisation=organisation)
        )
        if rule_form.is_valid():
            try:
                rule_form.save()
            except IntegrityError:
                rule_form.add_error("effective_from", _t("Une règle existe déjà à cette date."))
            else:
                messages.success(request, _t("Règle d'heures enregistrée."))
                return redirect("organisations:settings")
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "organisations/settings.html",
        {
            "form": form,
            "rule_form": rule_form,
            "rules": HoursRule.objects.filter(
                Q(organisation=organisation) | Q(organisation__isnull=True)
            ),
            "rule_today": HoursRule.in_force(organisation, today),
            "qualiopi_valid": organisation.qualiopi_valid_on(today),
        },
    )


def logo(request: HttpRequest, path: str) -> HttpResponse:
    """Organisation logos appear on public pages and documents."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
