"""Staff views of exchanges (see urlpatterns at the bottom): the thread of a bilan and the
journal entries its beneficiary shared.

Both are content: for the consultant assigned now (every read audited); the administration
sees the bilan but gets 403 here; a colleague or another organisation gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET

from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan
from bilan.entretiens.assignments import read_assignment
from bilan.entretiens.models import Assignment
from bilan.exchanges.forms import MessageForm, post_from_form
from bilan.exchanges.journal import read_entries
from bilan.exchanges.messaging import (
    get_assignment_of,
    get_attachment_for_user,
    open_attachment,
    read_thread,
    require_thread_access,
)
from bilan.lib.uploads import protect_upload
from bilan.organisations.access import staff_required


@staff_required
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    require_thread_access(request.user, bilan)
    about = None
    travail = request.GET.get("travail") or request.POST.get("assignment")
    if travail:
        try:
            about = read_assignment(
                reader=request.user, assignment=get_assignment_of(bilan, travail)
            )
        except ValidationError:
            about = None
    if request.method != "POST":
        initial = {
            "assignment": about.pk if about else None,
            "question": request.GET.get("question", ""),
        }
        return render_thread(request, bilan, MessageForm(initial=initial), about)
    form = MessageForm(request.POST, request.FILES)
    if not post_from_form(form, bilan=bilan, by=request.user):
        return render_thread(request, bilan, form, about, status=422)
    messages.success(request, _t("Message envoyé."))
    url = reverse("exchanges:thread", args=[bilan.pk])
    if about is not None:
        url += f"?travail={about.pk}"
    return redirect(url + "#dernier")


def render_thread(
    request: HttpRequest,
    bilan: Bilan,
    form: MessageForm,
    about: Assignment | None,
    status: int = 200,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "exchanges/thread.html",
        {
            "bilan": bilan,
            "thread": read_thread(reader=request.user, bilan=bilan, assignment=about),
            "about": about,
            "form": form,
            "refused_files": form.is_bound and bool(request.FILES),
            "action": reverse("exchanges:thread", args=[bilan.pk])
            + (f"?travail={about.pk}" if about else ""),
        },
        status=status,
    )


@staff_required
@require_GET
def journal(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    return TemplateResponse(
        request,
        "exchanges/journal.html",
        {"bilan": bilan, "entries": read_entries(reader=request.user, bilan=bilan)},
    )


def download(request: HttpRequest, pk: int) -> FileResponse:
    """The attachment as a download, for the beneficiary or the assigned consultant."""
    attachment = get_attachment_for_user(request.user, pk)
    response = FileResponse(
        open_attachment(reader=request.user, attachment=attachment),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    return protect_upload(response, filename=attachment.original_name)


@staff_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    return download(request, pk)


urlpatterns = [
    path("bilan/<int:pk>/messages/", thread, name="thread"),
    path("bilan/<int:pk>/journal/", journal, name="journal"),
    path("piece-jointe/<int:pk>/", attachment, name="attachment"),
]
