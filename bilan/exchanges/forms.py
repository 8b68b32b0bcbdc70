"""Forms of the journal and the messages, for the beneficiary's space and the staff pages.

They only collect input: the rules (lengths, dates, file types and sizes) live in journal.py
and messaging.py, so the pages and the API refuse the same things with the same words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilan.exchanges.messaging import (
    ALLOWED_LABEL,
    IDEMPOTENCY_KEY_MAX,
    MAX_FILES,
    MAX_SIZE,
    get_assignment_of,
    post_message,
)


def new_key() -> str:
    return str(uuid.uuid4())


class JournalEntryForm(forms.Form):
    entry_date = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    title = forms.CharField(label=_("Titre (facultatif)"), required=False)
    text = forms.CharField(
        label=_("Ce que je note aujourd'hui"),
        required=False,  # the rule says so in its own words (journal.write_entry)
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class NewJournalEntryForm(JournalEntryForm):
    shared = forms.BooleanField(
        label=_("Partager cette entrée avec mon ou ma consultant·e"),
        required=False,
        help_text=_("Sinon elle reste privée : vous seul·e la lisez. Vous pourrez changer d'avis."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Votre message"),
        required=False,  # the rule says so in its own words (messaging.post_message)
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(
        label=_("Pièces jointes (facultatif)"),
        required=False,
        help_text=_("%(n)s fichiers au plus, %(size)s Mo chacun : %(types)s.")
        % {"n": MAX_FILES, "size": MAX_SIZE // (1024 * 1024), "types": ALLOWED_LABEL},
    )
    # An id: past a 64-bit integer it is no id (and no database column holds it).
    assignment = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    question = forms.CharField(required=False, widget=forms.HiddenInput)
    # A new key each time the form is rendered: a double submit posts the message once.
    idempotency_key = forms.CharField(
        required=False, max_length=IDEMPOTENCY_KEY_MAX, initial=new_key, widget=forms.HiddenInput
    )


class CommentForm(forms.Form):
    question = forms.CharField(
        label=_("Question ou passage concerné (facultatif)"),
        required=False,
        help_text=_("Par exemple « Question 3 » ou « Mes critères »."),
    )
    text = forms.CharField(
        label=_("Mon commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


def post_from_form(form: MessageForm, *, bilan, by: User) -> bool:
    """Post the message of a bound form, staff or portal alike; a refusal goes on the form
    (the typed text stays in it). True when the message was posted."""
    if not form.is_valid():
        return False
    try:
        post_message(
            bilan=bilan,
            by=by,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["attachments"],
            assignment=get_assignment_of(bilan, form.cleaned_data["assignment"]),
            question=form.cleaned_data["question"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        # Nothing was posted: the form shown again gets a new key, free for the next message.
        form.data = form.data.copy()
        form.data["idempotency_key"] = new_key()
        return False
    return True
