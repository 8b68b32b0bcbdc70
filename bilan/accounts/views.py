from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _t

from bilan.accounts.forms import InviteForm, LoginForm, LoginLinkForm, ResetForm
from bilan.bilans.actions import invite_member
from bilan.organisations.access import require_membership
from bilan.organisations.models import Membership, Role

login = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
)
logout = auth_views.LogoutView.as_view()
reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/reset.html",
    form_class=ResetForm,
    success_url=reverse_lazy("accounts:reset_sent"),
)
reset_sent = auth_views.PasswordResetDoneView.as_view(template_name="accounts/reset_sent.html")
reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/set_password.html",
    success_url=reverse_lazy("accounts:reset_done"),
    extra_context={"invitation": False},
)
# An invitation is a first password choice: same token mechanism, then straight in.
invitation = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/set_password.html",
    success_url=reverse_lazy("home"),
    post_reset_login=True,
    extra_context={"invitation": True},
)
reset_done = auth_views.PasswordResetCompleteView.as_view(template_name="accounts/reset_done.html")
# Django's view keeps the session valid after the change (update_session_auth_hash).
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)


@login_required
def team(request: HttpRequest) -> HttpResponse:
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
            return redirect("accounts:team")
    members = (
        Membership.objects.filter(organisation=membership.organisation)
        .exclude(role=Role.BENEFICIARY)
        .select_related("user")
        .order_by("role", "user__last_name")
    )
    return TemplateResponse(request, "accounts/team.html", {"form": form, "members": members})


def login_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time login link; the same neutral answer whether the address exists."""
    form = LoginLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("accounts:login_link_sent")
    status = 422 if request.method == "POST" else 200
    return TemplateResponse(request, "accounts/login_link.html", {"form": form}, status=status)


def login_link_sent(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "accounts/login_link_sent.html")


def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: a button to confirm (mail scanners only GET), then logged in."""
    from bilan.accounts.models import LoginLink

    if request.method == "POST":
        user = LoginLink.consume(token)
        if user is not None:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    elif LoginLink.find(token) is not None:
        return TemplateResponse(request, "accounts/login_link_confirm.html")
    return TemplateResponse(request, "accounts/login_link_invalid.html", status=410)
