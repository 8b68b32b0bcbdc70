"""The organisation's access journal: who read or exported which content (administration only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from bilan.accounts.http import AuthenticatedRequest
from bilan.compliance.journal import AuditFilterForm, bilan_references, write_csv
from bilan.compliance.models import AuditEvent
from bilan.organisations.access import require_membership
from bilan.organisations.models import Role

AUDIT_PAGE_SIZE = 50


@login_required
def audit_journal(request: AuthenticatedRequest) -> HttpResponse:
    """Who read or exported which content of the organisation's bilans (REQ-54), newest first.

    Types and ids only, never the content. Exporting it needs no audit row: it is
    administrative data, not bilan content.
    """
    membership = require_membership(request.user, Role.ADMIN)
    filters = AuditFilterForm(request.GET)
    filters.is_valid()  # an invalid filter is shown with its error and left out
    events = filters.filter(AuditEvent.objects.for_organisation(membership.organisation_id))
    if request.GET.get("format") == "csv":
        references = bilan_references(request.user, events.order_by().values("bilan_id"))
        filename = f"journal-acces-{timezone.localdate():%Y-%m-%d}.csv"
        response = HttpResponse(
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
        response.write("\ufeff")  # the byte order mark makes spreadsheets read UTF-8
        write_csv(response, events, references)
        return response
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    references = bilan_references(request.user, {e.bilan_id for e in page if e.bilan_id})
    for event in page:
        event.bilan_reference = references.get(event.bilan_id) if event.bilan_id else None
    return TemplateResponse(request, "compliance/audit.html", {"filters": filters, "page": page})
