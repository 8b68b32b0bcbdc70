from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from bilan.lib import emails
from bilan.organisations.models import Role


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

    def save(self, request=None, **kwargs) -> None:  # noqa: ANN001, ANN003 - Django's signature
        from django.conf import settings

        for user in self.get_users(self.cleaned_data["email"]):
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            link = settings.SITE_URL + reverse("accounts:reset_confirm", args=[uid, token])
            emails.password_reset(user=user, link=link)

    def get_users(self, email: str):  # noqa: ANN201
        """Active users with that address, including invited ones who never set a password."""
        from bilan.accounts.models import User

        return User.objects.filter(email__iexact=email, is_active=True)


class InviteForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=[(Role.CONSULTANT, Role.CONSULTANT.label), (Role.ADMIN, Role.ADMIN.label)],
    )


class LoginLinkForm(forms.Form):
    """« Recevoir un lien de connexion par e-mail » — beneficiaries only, never staff."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)

    def save(self) -> None:
        """Send a link if the address is an active beneficiary's; say nothing either way."""
        from django.conf import settings

        from bilan.accounts.models import LOGIN_LINK_LIFETIME, LoginLink

        user = link_recipient(self.cleaned_data["email"])
        if user is None:
            return
        raw = LoginLink.issue(user)
        link = settings.SITE_URL + reverse("accounts:login_link", args=[raw])
        minutes = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)
        emails.send("login_link", user.email, {"user": user, "link": link, "minutes": minutes})


def link_recipient(email: str):  # noqa: ANN201
    """The active beneficiary with that address, or None: staff keep their password."""
    from bilan.accounts.models import User
    from bilan.organisations.models import Membership

    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or user.is_staff or user.is_superuser:
        return None
    roles = set(Membership.objects.active().filter(user=user).values_list("role", flat=True))
    return user if roles == {Role.BENEFICIARY} else None
