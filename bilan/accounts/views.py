from __future__ import annotations

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.accounts import mfa
from bilan.accounts.forms import CodeForm, LoginForm, LoginLinkForm, ResetForm
from bilan.accounts.http import AuthenticatedRequest
from bilan.accounts.models import ApiToken, LoginLink, User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def start_login(request: HttpRequest, user: User, backend: str, next_url: str = "") -> HttpResponse:
    """The first factor passed: log in, or ask the code first when the person enrolled."""
    if not mfa.has_mfa(user):
        auth_login(request, user, backend=backend)
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    request.session.cycle_key()
    request.session[mfa.PENDING_KEY] = user.pk
    request.session[mfa.PENDING_BACKEND_KEY] = backend
    request.session["mfa_next"] = next_url
    request.session["mfa_failures"] = 0
    return redirect("accounts:mfa_verify")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        return start_login(self.request, user, user.backend, self.get_redirect_url())


login = LoginView.as_view()


def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login: a TOTP code, or a recovery code (spent)."""
    user_id = request.session.get(mfa.PENDING_KEY)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = mfa.verify(user, form.cleaned_data["code"])
        if device is not None:
            backend = request.session.pop(mfa.PENDING_BACKEND_KEY, MODEL_BACKEND)
            next_url = request.session.pop("mfa_next", "")
            auth_login(request, user, backend=backend)  # a new session: the pending keys go
            django_otp.login(request, device)
            if device.persistent_id.startswith("otp_static"):
                messages.warning(
                    request,
                    _t("Code de secours utilisé : il ne servira plus. Il vous en reste %(n)d.")
                    % {"n": device.token_set.count()},
                )
            safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
            return redirect(next_url if next_url and safe else settings.LOGIN_REDIRECT_URL)
        failures = request.session.get("mfa_failures", 0) + 1
        request.session["mfa_failures"] = failures
        if failures >= mfa.MAX_CODE_FAILURES:
            request.session.flush()
            messages.error(
                request, _t("Trop de codes erronés : reconnectez-vous avec votre mot de passe.")
            )
            return redirect("accounts:login")
        form.add_error("code", _t("Code incorrect ou expiré. Vérifiez l'heure de votre téléphone."))
        status = 422
    elif request.method == "POST":
        status = 422
    return TemplateResponse(request, "accounts/mfa_verify.html", {"form": form}, status=status)


@login_required
def mfa_enrol(request: AuthenticatedRequest) -> HttpResponse:
    """Enrol a TOTP app: QR code and secret, confirm with a code, then the recovery codes once."""
    if mfa.has_mfa(request.user):
        return TemplateResponse(request, "accounts/mfa_status.html", {"enabled": True})
    device = mfa.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.confirm(device, form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, device)
            return TemplateResponse(request, "accounts/mfa_codes.html", {"codes": codes})
        form.add_error("code", _t("Code incorrect ou expiré. Vérifiez l'heure de votre téléphone."))
    context = {
        "form": form,
        "qr": mfa.qr_svg(device),
        "secret": mfa.secret_of(device),
        "required": mfa.must_enrol(
            request.user, getattr(request.user, "memberships_available", [])
        ),
    }
    status = 422 if request.method == "POST" else 200
    return TemplateResponse(request, "accounts/mfa_enrol.html", context, status=status)


@login_required
@require_POST
def mfa_disable(request: AuthenticatedRequest) -> HttpResponse:
    """Beneficiaries who opted in may turn MFA off; staff may not."""
    memberships = getattr(request.user, "memberships_available", [])
    if mfa.mfa_deadline(request.user, memberships) is not None:
        messages.error(request, _t("La double authentification est obligatoire pour l'équipe."))
    else:
        mfa.remove(request.user)
        messages.success(request, _t("Double authentification désactivée."))
    return redirect("accounts:mfa_enrol")


@login_required
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    """One's API tokens: prefix, creation, last use, expiry; create one, revoke one."""
    created = None
    if request.method == "POST":
        raw, token = ApiToken.issue_token(request.user)
        created = {"raw": raw, "token": token}
    rows = ApiToken.objects.filter(user=request.user)
    return TemplateResponse(request, "accounts/tokens.html", {"tokens": rows, "created": created})


@login_required
@require_POST
def token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _t("Jeton %(prefix)s… révoqué.") % {"prefix": token.prefix})
    return redirect("accounts:tokens")


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
    post_reset_login_backend="django.contrib.auth.backends.ModelBackend",
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
    if request.method == "POST":
        user = LoginLink.consume(token)
        if user is not None:
            return start_login(request, user, MODEL_BACKEND)
    elif LoginLink.find(token) is not None:
        return TemplateResponse(request, "accounts/login_link_confirm.html")
    return TemplateResponse(request, "accounts/login_link_invalid.html", status=410)
