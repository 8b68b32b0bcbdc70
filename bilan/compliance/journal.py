"""The journal d'accès: the organisation's audit trail, filtered, for the quality manager.

It shows who read or exported which type of content, never the content itself.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import Bilan
from bilan.compliance.models import AuditEventQuerySet

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from bilan.accounts.models import User

# BC-2026-00012, bc-2026-12 or 12; at most 18 digits, so the id fits a BigIntegerField.
BILAN_REFERENCE = re.compile(r"^(?:BC-\d{4}-)?0*(\d{1,18})$", re.IGNORECASE)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    """The journal's filters, read from the query string (`?bilan=&acteur=&du=&au=`).

    An invalid filter is reported and left out; the others still apply.
    """

    bilan = forms.CharField(
        label=_("Bilan"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "BC-2026-00012"}),
    )
    acteur = forms.CharField(label=_("E-mail de l'acteur contient"), required=False, max_length=254)
    du = forms.DateField(
        label=_("Du"),
        required=False,
        widget=DateInput(),
        error_messages={
            "invalid": _("Date de début non reconnue (JJ/MM/AAAA) : ce filtre est ignoré.")
        },
    )
    au = forms.DateField(
        label=_("Au"),
        required=False,
        widget=DateInput(),
        error_messages={
            "invalid": _("Date de fin non reconnue (JJ/MM/AAAA) : ce filtre est ignoré.")
        },
    )

    def clean_bilan(self) -> int | None:
        value = self.cleaned_data["bilan"].strip()
        if not value:
            return None
        match = BILAN_REFERENCE.match(value)
        if match is None:
            raise forms.ValidationError(
                _t(
                    "Référence non reconnue (BC-AAAA-NNNNN ou numéro du bilan) : ce filtre est ignoré."
                )
            )
        return int(match.group(1))

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("du"), data.get("au")
        if start and end and start > end:
            self.add_error(
                "au", _t("La date de fin précède la date de début : ce filtre est ignoré.")
            )
        return data

    def filter(self, events: AuditEventQuerySet) -> AuditEventQuerySet:
        """`events` narrowed by the valid filters (call after `is_valid()`)."""
        data = self.cleaned_data
        if data.get("bilan") is not None:
            events = events.filter(bilan_id=data["bilan"])
        if data.get("acteur"):
            events = events.filter(actor_email__icontains=data["acteur"].strip())
        # In the local time zone: "du 3 mars" starts at midnight in Paris, not in UTC.
        if data.get("du"):
            events = events.filter(at__date__gte=data["du"])
        if data.get("au"):
            events = events.filter(at__date__lte=data["au"])
        return events


def bilan_references(user: User, bilan_ids: Iterable[int] | QuerySet) -> dict[int, str]:
    """BC-YYYY-NNNNN of the bilans `user` may see among `bilan_ids`, in one query.

    A bilan no longer there (or out of reach) has no entry: the journal shows its bare id.
    """
    bilans = Bilan.objects.for_user(user).filter(pk__in=bilan_ids).order_by()
    return {b.pk: b.reference for b in bilans.only("pk", "opened_on")}


CSV_HEADER = [
    _("Date et heure"),
    _("Acteur (e-mail)"),
    _("Rôle"),
    _("Action"),
    _("Type d'objet"),
    _("Objet n°"),
    _("Bilan"),
    _("Canal"),
]


def _cell(value: object) -> str:
    """A spreadsheet must not run a cell as a formula (an e-mail may start with + or -)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(events: AuditEventQuerySet, references: dict[int, str]) -> Iterator[list[str]]:
    yield [str(title) for title in CSV_HEADER]
    for event in events.iterator(chunk_size=2000):
        yield [
            _cell(value)
            for value in (
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_email,
                event.actor_role_label,
                event.get_action_display(),
                event.object_type_label,
                event.object_id,
                references.get(event.bilan_id, event.bilan_id or ""),
                event.channel_label,
            )
        ]


def write_csv(
    out: SupportsWrite[str], events: AuditEventQuerySet, references: dict[int, str]
) -> None:
    # Semicolons: a French spreadsheet splits columns on them, not on commas.
    writer = csv.writer(out, delimiter=";")
    writer.writerows(csv_rows(events, references))
