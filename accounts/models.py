from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.revocation import revoke_all
from accounts.roles import STAFF_ROLES, Role, sync_role
from core.search import trigram_index


def canonical(value: str) -> str:
    """The one form in which usernames and emails are compared: NFKC, case folded, NFKC again.

    Validation, login and the database's unique constraints all use it (stored in
    ``username_canonical``/``email_canonical``), so ``ſam``, ``SAM`` and fullwidth ``ｓａｍ`` are one
    name everywhere. PostgreSQL's ``lower()``/``upper()`` disagree on such letters (``upper('ſ')`` is
    ``S``, ``lower('ſ')`` stays ``ſ``), which is why the form is computed here and not in SQL.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


class UsernameValidator(UnicodeUsernameValidator):
    """Letters, digits and ``. + - _``; never ``@`` (in any spelling): a username is not an email
    address, so nobody can name themselves after another account's email."""

    regex = r"^[\w.+-]+\Z"
    message = _("Enter a valid username: letters, numbers and . + - _ only (not an email address).")

    def __call__(self, value: Any) -> None:
        super().__call__(value)
        if "@" in canonical(str(value)):
            raise ValidationError(self.message, code=self.code, params={"value": value})


class Language(models.TextChoices):
    """The languages the office writes in (``settings.LANGUAGES``), each named in itself."""

    ES = "es", "Español"
    EN = "en", "English"


def office_language() -> str:
    """The office's language (``LANGUAGE_CODE``): a new account's until its owner picks another."""
    return str(settings.LANGUAGE_CODE)


class UserManager(DjangoUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, username: str, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email is required.")
        user = self.model(username=username, email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        # Every way of creating a user (API, createsuperuser, fixtures) ends with the same role sync.
        sync_role(user=user, created=True)
        return user

    def create_user(self, username: str, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.CITIZEN)
        return self._create_user(username, email or "", password, **extra)

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra["role"] = Role.ADMIN
        return self._create_user(username, email or "", password, **extra)

    def active(self) -> models.QuerySet[User]:
        return self.filter(deleted_at__isnull=True)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. ``is_staff``/``is_superuser`` are derived from ``role`` on every save."""

    email = models.EmailField(_("email"), max_length=254)
    username = models.CharField(_("username"), max_length=150, unique=True, validators=[UsernameValidator()])
    # canonical(username) / canonical(email): what uniqueness and login compare (written by save()).
    username_canonical = models.TextField(editable=False)
    email_canonical = models.TextField(editable=False)
    full_name = models.CharField(_("full name"), max_length=200, blank=True, default="")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CITIZEN)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # The language of the emails the user receives (the API's problem texts follow each request's
    # Accept-Language instead).
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=office_language)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["-date_joined", "-id"]
        constraints = [
            # Two spellings of one name (case, width, ligatures, long s...) must not both exist.
            models.UniqueConstraint(fields=["email_canonical"], name="accounts_user_email_canonical_unique"),
            models.UniqueConstraint(fields=["username_canonical"], name="accounts_user_username_canonical_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="accounts_user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=[lang.value for lang in Language]), name="accounts_user_language_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["role", "is_active"], name="accounts_user_role_active"),
            models.Index(fields=["-date_joined", "-id"], name="accounts_user_joined"),
            # ``search`` (API and admin), see core.search.
            trigram_index("email", "accounts_user_email_trgm"),
            trigram_index("username", "accounts_user_username_trgm"),
            trigram_index("full_name", "accounts_user_full_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def created_at(self):
        return self.date_joined

    def sync_role_flags(self) -> None:
        self.is_staff = self.role in STAFF_ROLES
        self.is_superuser = self.role == Role.ADMIN

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() leaves the new raw password here until the save (a hash upgrade at login
        # does not): a changed password ends every session, whichever path changed it.
        password_changed = getattr(self, "_password", None) is not None and not self._state.adding
        self.sync_role_flags()
        self.username_canonical = canonical(self.username or "")
        self.email_canonical = canonical(self.email or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            derived = {"role": ("is_staff", "is_superuser"), "username": ("username_canonical",)}
            derived["email"] = ("email_canonical",)
            kwargs["update_fields"] = {*update_fields, *(d for f in update_fields for d in derived.get(f, ()))}
        super().save(*args, **kwargs)
        if password_changed:
            revoke_all(user=self)


class LoginFailure(models.Model):
    """One failed login, kept for the throttle window.

    Stored in the database (not process memory) so the limit holds across every server process.
    ``account_key`` is ``user:<id>`` for a known account, ``name:<identifier>`` otherwise.
    """

    account_key = models.CharField(max_length=255)
    address = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["account_key", "created_at"], name="accounts_loginfail_account"),
            models.Index(fields=["address", "created_at"], name="accounts_loginfail_address"),
            models.Index(fields=["created_at"], name="accounts_loginfail_created"),
        ]

    def __str__(self) -> str:
        return f"{self.account_key} from {self.address} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class RefreshTokenFamily(models.Model):
    """The login a refresh token descends from: every token rotated from one login shares ``family``,
    so replaying one that was already rotated revokes them all (OAuth 2.0 Security BCP, RFC 9700)."""

    token = models.OneToOneField(
        OutstandingToken, on_delete=models.CASCADE, primary_key=True, related_name="family_link"
    )
    family = models.UUIDField(db_index=True)

    def __str__(self) -> str:
        return f"{self.family}: {self.token_id}"
