from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from bilan.accounts.models import LOGIN_LINK_LIFETIME, LoginLink, User
from bilan.accounts.throttle import mail_allowed
from bilan.lib import emails

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bilan.accounts.models import User


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Adresse e-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
    }


class ResetForm(PasswordResetForm):
    """Password reset through the e-mail catalogue."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)

    def save(self, *args: Any, **kwargs: Any) -> None:  # Django's PasswordResetView passes options
        """Known or not, the address costs the same work: one lookup, a token, a rendering."""

        email = self.cleaned_data["email"]
        user = self.get_users(email).first()
        allowed = mail_allowed("reset", email)
        target = user or User(pk=0, email=email, password="!", last_login=None)
        uid = urlsafe_base64_encode(force_bytes(target.pk))
        token = default_token_generator.make_token(target)
        link = settings.SITE_URL + reverse("accounts:reset_confirm", args=[uid, token])
        if user is not None and allowed:
            emails.password_reset(user=user, link=link)
        else:
            render_decoy("password_reset", {"user": target, "link": link})

    def get_users(self, email: str) -> QuerySet[User]:
        """Active users with that address, including invited ones who never set a password."""

        return User.objects.filter(email__iexact=email, is_active=True)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code à 6 chiffres ou code de secours"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class LoginLinkForm(forms.Form):
    """« Recevoir un lien de connexion par e-mail » — beneficiaries only, never staff."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)

    def save(self) -> None:
        """Send a link if the address is an active beneficiary's; say nothing either way, and
        do the same work either way (the same queries, the same rendering)."""

        email = self.cleaned_data["email"]
        user = link_recipient(email)
        allowed = mail_allowed("login_link", email)
        raw = LoginLink.issue(user if user is not None and allowed else None)
        link = settings.SITE_URL + reverse("accounts:login_link", args=[raw])
        minutes = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)
        if user is not None and allowed:
            emails.send("login_link", user.email, {"user": user, "link": link, "minutes": minutes})
        else:
            decoy = User(email=email, first_name="", last_name="")
            render_decoy("login_link", {"user": decoy, "link": link, "minutes": minutes})


def render_decoy(name: str, context: dict[str, Any]) -> None:
    """Render e-mail `name` as emails.send would, and drop it: an unknown or over-limit
    address costs the same time as a known one."""
    ctx = {"site_url": settings.SITE_URL, **context}
    with translation.override("fr"):
        for suffix in ("_subject.txt", ".txt", ".html"):
            render_to_string(f"emails/{name}{suffix}", ctx)


# Who may sign in by link is a rule of roles, and roles are organisations' (a layer above
# accounts): organisations registers it when ready (OrganisationsConfig.ready).
_link_recipient: Callable[[str], User | None] | None = None


def register_link_recipient(rule: Callable[[str], User | None]) -> None:
    global _link_recipient
    _link_recipient = rule


def link_recipient(email: str) -> User | None:
    """The account a login link for `email` may go to, or None (organisations' rule)."""
    if _link_recipient is None:
        raise ImproperlyConfigured(
            "No login-link rule registered: bilan.organisations must be in INSTALLED_APPS."
        )
    return _link_recipient(email)
