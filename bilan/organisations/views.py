"""The organisation's profile, its dated hour rules and its team (administration only); the access
journal is compliance's page (bilan/compliance/views.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST
from django.views.static import serve

from bilan.accounts.http import AuthenticatedRequest
from bilan.lib.uploads import protect_upload
from bilan.organisations.access import require_membership
from bilan.organisations.forms import HoursRuleForm, InviteForm, OrganisationForm
from bilan.organisations.invitations import (
    InvitationRefused,
    accept,
    decline,
    invite_member,
    pending_for,
)
from bilan.organisations.middleware import SESSION_KEY
from bilan.organisations.models import HoursRule, Membership, Organisation, Role


@login_required
def settings_page(request: AuthenticatedRequest) -> HttpResponse:
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
            except ValidationError as e:
                rule_form.add_error(None, e)
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


def logo(request: HttpRequest, path: str) -> HttpResponseBase:
    """An organisation's current logo (a PNG re-encoded by organisations.logos), served so
    that no browser can run it: a download as far as navigation goes (an <img> still shows
    it), no sniffing, and a sandbox CSP. A replaced logo's name answers 404."""
    if not Organisation.objects.filter(logo=path).exists():
        raise Http404(path)
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    return protect_upload(response, filename="logo.png", content_type="image/png")


@login_required
def invitations(request: AuthenticatedRequest) -> HttpResponse:
    """The invitations addressed to the logged-in person, to accept or decline."""
    return TemplateResponse(
        request,
        "organisations/invitations.html",
        {"invitations": pending_for(request.user)},
    )


@login_required
@require_POST
def answer_invitation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        if request.POST.get("answer") == "accept":
            membership = accept(request.user, pk)
            request.session[SESSION_KEY] = membership.organisation_id
            messages.success(
                request,
                _t(
                    "Vous avez rejoint %(organisation)s : vous travaillez maintenant dans son espace."
                )
                % {"organisation": membership.organisation.name},
            )
            return redirect("home")
        decline(request.user, pk)
        messages.success(request, _t("Invitation refusée : rien n'a été partagé."))
    except InvitationRefused as e:
        messages.error(request, str(e))
    return redirect("organisations:invitations")


@login_required
def choose_organisation(request: AuthenticatedRequest) -> HttpResponse:
    """A person in several organisations picks the one she works in; she sees nothing of one
    through another."""
    memberships = getattr(request.user, "memberships_available", [])
    if request.method == "POST":
        wanted = request.POST.get("organisation", "")
        chosen = next((m for m in memberships if str(m.organisation_id) == wanted), None)
        if chosen is None:
            messages.error(request, _t("Choisissez un des organismes de la liste."))
        else:
            request.session[SESSION_KEY] = chosen.organisation_id
            return redirect("home")
    return TemplateResponse(
        request,
        "organisations/choose.html",
        {"memberships": memberships, "invitations": pending_for(request.user)},
    )


@login_required
def team(request: AuthenticatedRequest) -> HttpResponse:
    """The organisation's staff, and invitations of new consultants or admins (admin only)."""
    membership = require_membership(request.user, Role.ADMIN)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invite_member(
                acting_user=request.user,
                organisation=membership.organisation,
                **form.cleaned_data,
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _t("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("organisations:team")
    members = (
        Membership.objects.filter(organisation=membership.organisation)
        .exclude(role=Role.BENEFICIARY)
        .select_related("user")
        .order_by("role", "user__last_name")
    )
    return TemplateResponse(request, "organisations/team.html", {"form": form, "members": members})
