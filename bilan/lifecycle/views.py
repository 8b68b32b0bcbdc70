"""Staff pages of the data lifecycle: the retention rules table (the administration confirms
each rule « à vérifier au JO »). Rules live in retention.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.lifecycle import retention
from bilan.organisations.access import require_membership, role_required
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
