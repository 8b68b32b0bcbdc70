"""The watch log page: the staff read it, the admin records entries. Rules in watch.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_http_methods

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.models import RuleViolation
from bilan.organisations.access import require_membership, staff_required
from bilan.quality import watch
from bilan.quality.models import WatchKind

FIELDS = ("kind", "source", "summary", "noted_on", "hours_rule", "configuration_change")


@staff_required
@require_http_methods(["GET", "POST"])
def watch_log(request: AuthenticatedRequest) -> HttpResponse:
    organisation = require_membership(request.user).organisation
    typed: dict[str, str] = {}
    error, status = "", 200
    if request.method == "POST":
        typed = {k: request.POST.get(k, "") for k in FIELDS}
        try:
            try:
                noted_on = dt.date.fromisoformat(typed["noted_on"]) if typed["noted_on"] else None
            except ValueError:
                raise RuleViolation(_t("Date invalide (jj/mm/aaaa)."), code="invalid") from None
            rule = (
                watch.rules_for(organisation).filter(pk=int(typed["hours_rule"])).first()
                if typed["hours_rule"].isdigit()
                else None
            )
            watch.record_watch_entry(
                organisation=organisation,
                by=request.user,
                kind=typed["kind"],
                source=typed["source"],
                summary=typed["summary"],
                noted_on=noted_on,
                hours_rule=rule,
                configuration_change=typed["configuration_change"],
            )
        except RuleViolation as exc:
            error = " ".join(exc.messages)
            status = 403 if exc.code == "forbidden" else 422
        else:
            messages.success(request, _t("Entrée ajoutée au journal de veille."))
            return redirect("quality:watch")
    return TemplateResponse(
        request,
        "quality/watch.html",
        {
            "entries": watch.entries_for(request.user),
            "kinds": WatchKind.choices,
            "rules": watch.rules_for(organisation),
            "typed": typed,
            "error": error,
        },
        status=status,
    )


urlpatterns: list[Any] = [path("veille/", watch_log, name="watch")]
