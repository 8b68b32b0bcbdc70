"""The Référentiel national qualité as dated data (REQ-34): versions, criteria, indicators.

Seeded from data/referential.json by a data migration; an audit or a report asks
`version_in_force(day)`. A version marked « à vérifier » applies from its date but says so
until an admin confirms its text (`confirm_version`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import RuleViolation
from bilan.organisations.models import Role
from bilan.quality.models import Criterion, Indicator, QuestionSet, ReferentialVersion

DATA_FILE = Path(__file__).parent / "data" / "referential.json"


def load_data() -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = json.loads(DATA_FILE.read_text(encoding="utf-8"))["versions"]
    return versions


def seed(
    version_model: Any = ReferentialVersion,
    criterion_model: Any = Criterion,
    indicator_model: Any = Indicator,
) -> None:
    """Create the versions of the data file that do not exist yet (a confirmed one is kept)."""
    for data in load_data():
        version, created = version_model.objects.get_or_create(
            code=data["code"],
            defaults={
                "label": data["label"],
                "valid_from": dt.date.fromisoformat(data["valid_from"]),
                "source": data["source"],
                "to_verify": data["to_verify"],
            },
        )
        if not created:
            continue
        criteria = {
            c["number"]: criterion_model.objects.create(
                version=version, number=c["number"], title=c["title"]
            )
            for c in data["criteria"]
        }
        for i in data["indicators"]:
            indicator_model.objects.create(
                version=version,
                criterion=criteria[i["criterion"]],
                number=i["number"],
                title=i["title"],
                applies_to_bilan=i["applies_to_bilan"],
                bilan_note=i["bilan_note"],
                evidence=i["evidence"],
                sources=i["sources"],
            )


QUESTIONS_FILE = Path(__file__).parent / "data" / "questions.json"


def seed_questions(question_set_model: Any = None) -> None:
    """The general survey questions of the data file, version 1 of each kind, if missing."""
    model = question_set_model or QuestionSet
    questions = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    for kind, items in questions.items():
        model.objects.get_or_create(
            organisation=None, kind=kind, version=1, defaults={"questions": items}
        )


def version_in_force(day: dt.date) -> ReferentialVersion:
    """The newest version in force on `day`."""
    version = ReferentialVersion.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if version is None:
        raise RuleViolation(
            _t("Aucune version du référentiel qualité n'est en vigueur au %(day)s.")
            % {"day": day.strftime("%d/%m/%Y")},
            code="invalid",
        )
    return version


def applicable_indicators(version: ReferentialVersion) -> list[Indicator]:
    """The indicators a « bilan de compétences » provider is audited on."""
    return list(version.indicators.filter(applies_to_bilan=True).select_related("criterion"))


def confirm_version(*, version: ReferentialVersion, by: User) -> ReferentialVersion:
    """An admin confirms the text of a version « à vérifier » (checked against the JO)."""
    membership = getattr(by, "membership", None)
    if membership is None or membership.role != Role.ADMIN:
        raise RuleViolation(
            _t("Seul·e un·e administrateur·rice confirme une version du référentiel."),
            code="forbidden",
        )
    with transaction.atomic():
        locked = ReferentialVersion.objects.select_for_update().get(pk=version.pk)
        if not locked.to_verify:
            raise RuleViolation(_t("Cette version du référentiel est déjà confirmée."))
        locked.to_verify = False
        locked.confirmed_at = timezone.now()
        locked.confirmed_by = by
        locked.save(update_fields=["to_verify", "confirmed_at", "confirmed_by"])
    return locked
