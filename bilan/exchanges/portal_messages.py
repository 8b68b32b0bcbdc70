"""The beneficiary's space: the messages with their consultant, attachments, and comments on
an assigned exercise question by question (see urlpatterns at the bottom)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET

from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan
from bilan.entretiens.assignments import get_assignment_for_user, read_assignment
from bilan.entretiens.models import Assignment
from bilan.exchanges.forms import CommentForm, MessageForm, post_from_form
from bilan.exchanges.messaging import (
    post_message,
    read_thread,
)
from bilan.exchanges.views import download
from bilan.organisations.access import beneficiary_required


@beneficiary_required
def messages_home(request: HttpRequest) -> HttpResponse:
    """The thread of the bilan in progress (the others are linked from it)."""
    bilan = Bilan.objects.current_for(request.user)
    if bilan is None:
        return TemplateResponse(request, "portal/messages.html", {"bilan": None})
    return thread(request, bilan)


@beneficiary_required
def messages_bilan(request: HttpRequest, pk: int) -> HttpResponse:
    return thread(request, get_bilan_for_user(request.user, pk))


def thread(request: HttpRequest, bilan: Bilan) -> HttpResponse:
    about = None
    if request.GET.get("travail"):
        about = get_assignment_for_user(request.user, request.GET["travail"])
        if about.bilan_id != bilan.pk:
            about = None
    if request.method != "POST":
        initial = {"assignment": about.pk if about else None}
        return render_thread(request, bilan, MessageForm(initial=initial), about)
    form = MessageForm(request.POST, request.FILES)
    if not post_from_form(form, bilan=bilan, by=request.user):
        return render_thread(request, bilan, form, about, status=422)
    messages.success(request, _t("Message envoyé."))
    url = reverse("portal:messages_bilan", args=[bilan.pk])
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
    others = [b for b in Bilan.objects.for_user(request.user).order_by("-opened_on") if b != bilan]
    return TemplateResponse(
        request,
        "portal/messages.html",
        {
            "bilan": bilan,
            "thread": read_thread(reader=request.user, bilan=bilan, assignment=about),
            "about": about,
            "form": form,
            "other_bilans": others,
            "assignments": list(bilan.assignments.order_by("due_on", "id")),
            "refused_files": form.is_bound and bool(request.FILES),
            "action": reverse("portal:messages_bilan", args=[bilan.pk])
            + (f"?travail={about.pk}" if about else ""),
        },
        status=status,
    )


@beneficiary_required
@require_GET
def message_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    return download(request, pk)


@beneficiary_required
def assignment_comments(request: HttpRequest, pk: int) -> HttpResponse:
    """Comments on an assigned exercise, question by question, and the consultant's answers."""
    assignment = read_assignment(
        reader=request.user, assignment=get_assignment_for_user(request.user, pk)
    )
    if request.method != "POST":
        return render_comments(request, assignment, CommentForm())
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            post_message(
                bilan=assignment.bilan,
                by=request.user,
                text=form.cleaned_data["text"],
                assignment=assignment,
                question=form.cleaned_data["question"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _t("Commentaire envoyé à votre consultant·e."))
            return redirect("portal:assignment_comments", pk=assignment.pk)
    return render_comments(request, assignment, form, status=422)


def render_comments(
    request: HttpRequest, assignment: Assignment, form: CommentForm, status: int = 200
) -> TemplateResponse:
    comments = read_thread(reader=request.user, bilan=assignment.bilan, assignment=assignment)
    return TemplateResponse(
        request,
        "portal/assignment_comments.html",
        {"assignment": assignment, "bilan": assignment.bilan, "comments": comments, "form": form},
        status=status,
    )


urlpatterns = [
    path("messages/", messages_home, name="messages"),
    path("messages/bilan/<int:pk>/", messages_bilan, name="messages_bilan"),
    path("messages/piece-jointe/<int:pk>/", message_attachment, name="message_attachment"),
    path("travail/<int:pk>/commentaires/", assignment_comments, name="assignment_comments"),
]
