"""Users log in with their e-mail address; API tokens are stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # the per-request attributes below; no import at run time
    from bilan.organisations.models import Membership


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail addresses are stored lower-case; people type them in any case.
        return self.get(email__iexact=username)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # The day MFA was deployed, for accounts that existed then (set by migration 0003); the
    # staff grace period counts from the later of this and the staff membership's creation.
    mfa_grace_from = models.DateField(null=True, blank=True)

    objects = UserManager()

    # Attached per request by organisations.middleware (and by the API's token check): the
    # membership she acts through and all of her active ones. Not fields.
    membership: Membership | None
    memberships_available: list[Membership]
    backend: str  # set by django.contrib.auth.authenticate() on the user it returns

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("utilisateur")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    def set_password(self, raw_password: str | None) -> None:
        """Every path that sets a password (change, reset, invitation) ends the API tokens."""
        super().set_password(raw_password)
        # A hash upgraded at login (check_password's setter) is the same password.
        self._password_changed = not getattr(self, "_rehashing", False)

    def check_password(self, raw_password: str) -> bool:
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if getattr(self, "_password_changed", False) and self.pk:
            self._password_changed = False
            self.api_tokens.live().update(revoked_at=timezone.now())


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        """Neither revoked nor expired: the one rule the API and the token page use."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def authenticate(self, raw: str) -> ApiToken | None:
        token = (
            self.live()
            .filter(digest=digest_of(raw), user__is_active=True)
            .select_related("user")
            .first()
        )
        if token is not None:
            token.touch()
        return token


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# last_used_at is a "still in use?" hint for people reviewing tokens, not an access log (the
# audit trail is): writing it once a minute spares a write and a commit on every API call.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=token_expiry)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: User) -> str:
        """A new token's raw value (shown once); it expires after API_TOKEN_DAYS."""
        return cls.issue_token(user)[0]

    @classmethod
    def issue_token(cls, user: User) -> tuple[str, ApiToken]:
        raw = "bil_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, digest=digest_of(raw), prefix=raw[:8])
        return raw, token

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def revoke(self) -> None:
        ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


LOGIN_LINK_LIFETIME = timedelta(minutes=15)


class LoginLink(models.Model):
    """A one-time login link sent by e-mail to a beneficiary (no password needed).

    Only the SHA-256 digest of the token is stored; a link works once, for 15 minutes, and a
    new request invalidates the older ones.
    """

    # Empty for the decoy rows written for unknown addresses (issued already spent).
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="login_links", null=True, blank=True
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"login link {self.pk} ({self.user})"

    @classmethod
    def issue(cls, user: User | None) -> str:
        """A new link's raw token; the user's older unused links stop working.

        With no user (an unknown address), the same two statements run and the row is a
        decoy that never logs anyone in: the answer takes the same time for any address."""
        now = timezone.now()
        cls.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        cls.objects.filter(user=None, expires_at__lt=now).delete()  # old decoys, on both paths
        raw = secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            digest=digest_of(raw),
            created_at=now,
            expires_at=now + LOGIN_LINK_LIFETIME,
            used_at=None if user is not None else now,
        )
        return raw

    @classmethod
    def find(cls, raw: str) -> LoginLink | None:
        """The usable link of token `raw`, or None (unknown, used, expired, inactive user)."""
        return (
            cls.objects.filter(
                digest=digest_of(raw or ""),
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
                user__is_active=True,
            )
            .select_related("user")
            .first()
        )

    @classmethod
    def consume(cls, raw: str) -> User | None:
        """Spend the link once (atomically) and return its user, or None."""
        link = cls.find(raw)
        if link is None:
            return None
        spent = cls.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
        return link.user if spent else None
