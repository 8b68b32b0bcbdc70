"""Journal de bord and messages between the beneficiary and their consultant.

Both are bilan content (`Content`): only the beneficiary and the consultant assigned now read
them, and every read by the consultant is audited (see journal.py and messaging.py, where all
state changes and reads live). The journal is private by default: an entry reaches the
consultant only once the beneficiary shares it, and leaves again when they unshare it.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilan.bilans.content import Content
from bilan.bilans.fields import EncryptedCharField, EncryptedFileField, EncryptedTextField
from bilan.bilans.models import Bilan
from bilan.lib.dates import in_db_date_window


class JournalEntryQuerySet(models.QuerySet["JournalEntry"]):
    def shared(self) -> JournalEntryQuerySet:
        return self.filter(shared_at__isnull=False)


class JournalEntry(Content):
    """A dated entry of the beneficiary's journal de bord, private until they share it."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="journal_entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    entry_date = models.DateField(_("date"), default=timezone.localdate)
    title = EncryptedCharField(_("titre"), max_length=200, blank=True)
    text = EncryptedTextField(_("texte"))
    shared_at = models.DateTimeField(_("partagée avec le ou la consultant·e le"), null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-entry_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("entry_date"), name="journalentry_entry_date_in_window"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.entry_date:%d/%m/%Y}"

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None


class MessageQuerySet(models.QuerySet["Message"]):
    def unread_by(self, user) -> MessageQuerySet:
        """Messages someone else wrote that `user` has not opened yet."""
        return self.exclude(author_id=user.pk).exclude(
            models.Exists(MessageRead.objects.filter(message=models.OuterRef("pk"), reader=user))
        )


class Message(Content):
    """One message of the bilan's thread; it may comment a question of an assignment."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_written"
    )
    text = EncryptedTextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    assignment = models.ForeignKey(
        "entretiens.Assignment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    question = models.CharField(_("question concernée"), max_length=200, blank=True)
    # The client's Idempotency-Key (API header, hidden field of the page form): a retry with
    # the same key gets this message back instead of posting it twice (messaging.py). NULL
    # without a key: the unique constraint below ignores NULLs, as "" would not be.
    idempotency_key = models.CharField(  # noqa: DJ001
        max_length=200, null=True, blank=True, editable=False
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"], name="message_author_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bilan_id}:{self.pk} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: MessageAttachment, filename: str) -> str:
    """A random name under messages/, keeping only the (checked) extension."""
    return f"messages/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class MessageAttachment(Content):
    """A file joined to a message; never served from MEDIA, only through the download view."""

    bilan_path = "message__bilan"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = EncryptedFileField(upload_to=attachment_path, max_length=200)
    original_name = EncryptedCharField(_("nom du fichier"), max_length=255)
    size = models.PositiveIntegerField(_("taille (octets)"))
    content_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class MessageRead(models.Model):
    """That `reader` has opened `message` (the read state per person; no content)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reader"], name="one_read_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.reader_id} read {self.message_id}"


class DigestLog(models.Model):
    """When the last message digest e-mail went to a person: at most one a day (no content)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_digest"
    )
    sent_at = models.DateTimeField()
    unread_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id} {self.sent_at:%Y-%m-%d %H:%M}"
