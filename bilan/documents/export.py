"""« Télécharger tout mon bilan » (REQ-7): the beneficiary's own content as one zip —
`bilan.json` (machine-readable) plus the results PDF of every submitted test and the latest
rendered synthèse file, if any.

Only the beneficiary exports (anyone else: PermissionDenied); the export is audited. Never in
it: the consultant's private entretien notes, debrief notes, match runs and reviews.

Which content goes where is decided for every model of bilan.bilans.content's registry
(the single list of content models): EXPORTED names the place of each in bilan.json,
NOT_EXPORTED the reason of each left out. `bilan_data` walks the registry and refuses to
export while a content model is in neither (a new model must be decided, never forgotten).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from bilan.assessments.models import Administration
from bilan.assessments.reports import result_pdf
from bilan.bilans.content import content_models
from bilan.bilans.models import BilanFraming
from bilan.careers.models import CareerOption, EnqueteMetier, InterestSort
from bilan.compliance.models import AuditEvent
from bilan.documents.models import RenderJob, Synthese
from bilan.entretiens.models import Assignment
from bilan.entretiens.notes import held_summaries
from bilan.exercises.models import MotivationsExercise
from bilan.followup.models import ActionPlan, SelfDiagnosis, SuiviReport

if TYPE_CHECKING:
    from bilan.bilans.models import Bilan

FORMAT_VERSION = 2  # 2: cadrage, entretiens, travaux, suivi, synthèse shares, action history

# Every content model (bilan.bilans.content), by label: where it is in bilan.json…
EXPORTED: dict[str, str] = {
    "bilans.BilanFraming": "cadrage",
    "entretiens.EntretienNote": "entretiens (the shared summaries of held entretiens only)",
    "entretiens.Assignment": "travaux",
    "assessments.Administration": "tests",
    "assessments.Result": "tests[].result (without the debrief note)",
    "exercises.Experience": "exercices.parcours",
    "exercises.Achievement": "exercices.parcours[].achievements",
    "exercises.ExperienceCompetence": "exercices.parcours[].competences",
    "exercises.MotivationsExercise": "exercices.motivations",
    "exchanges.JournalEntry": "journal",
    "exchanges.Message": "messages",
    "exchanges.MessageAttachment": "messages[].attachments",
    "documents.Synthese": "synthese",
    "documents.SyntheseVersion": "synthese.version (the one submitted to the beneficiary)",
    "documents.SyntheseObservation": "synthese.observations",
    "documents.SyntheseShare": "synthese.partages",
    "documents.RenderJob": "synthese/<file> in the zip (the latest rendered file)",
    "careers.SavedFiche": "fiches",
    "careers.InterestSort": "centres_interet",
    "careers.CareerOption": "pistes",
    "careers.CareerOptionStatusChange": "pistes[].status_changes",
    "careers.ProjectValidation": "validations_projet",
    "careers.EnqueteMetier": "enquetes",
    "followup.ActionPlan": "plan_action",
    "followup.Action": "plan_action.actions",
    "followup.ActionStatusChange": "plan_action.actions[].status_changes",
    "followup.SelfDiagnosis": "suivi.auto_diagnostic",
    "followup.SuiviReport": "suivi.compte_rendu (once finalised)",
}
# … or why it is left out.
NOT_EXPORTED: dict[str, str] = {
    "entretiens.EntretienChecklist": "The consultant's tick list while conducting an entretien.",
    "careers.MatchRun": "The consultant's working rankings; the pistes retained are exported.",
    "careers.MatchDecision": "The consultant's pins and exclusions in the matching.",
}


def unclassified() -> list[str]:
    """Content models (the registry's) that the export has not decided on."""
    decided = EXPORTED.keys() | NOT_EXPORTED.keys()
    return sorted(m._meta.label for m in content_models() if m._meta.label not in decided)


# Never exported, whatever the model: the consultant's own working notes.
PRIVATE_FIELDS = {"debrief_note", "debriefed_by", "debriefed_at", "debrief_entretien"}


def as_dict(obj: models.Model, *, exclude: set[str] = frozenset()) -> dict[str, Any]:
    """The concrete fields of `obj`, JSON-ready (foreign keys as ids, files as names)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name in PRIVATE_FIELDS:
            continue
        if isinstance(field, models.ForeignKey):
            data[field.name] = getattr(obj, field.attname)
        elif isinstance(field, models.FileField):
            value = getattr(obj, field.name)
            data[field.name] = value.name if value else ""
        else:
            data[field.name] = getattr(obj, field.name)
    return data


def _tests(bilan: Bilan) -> list[dict]:
    out = []
    for administration in Administration.objects.filter(bilan=bilan).order_by("started_at", "id"):
        item = as_dict(administration, exclude={"bilan"})
        result = getattr(administration, "result", None) if administration.submitted_at else None
        item["result"] = as_dict(result, exclude={"administration"}) if result else None
        out.append(item)
    return out


def _exercises(bilan: Bilan) -> dict:
    experiences = []
    for experience in bilan.experiences.all().order_by("id"):
        item = as_dict(experience, exclude={"bilan"})
        item["achievements"] = [
            as_dict(a, exclude={"experience"}) for a in experience.achievements.all()
        ]
        item["competences"] = [
            as_dict(c, exclude={"experience"}) for c in experience.competences.all()
        ]
        experiences.append(item)
    motivations = MotivationsExercise.objects.filter(bilan=bilan).first()
    return {
        "parcours": experiences,  # together they form the portefeuille de compétences
        "motivations": as_dict(motivations, exclude={"bilan"}) if motivations else None,
    }


def _careers(bilan: Bilan) -> dict:
    interests = InterestSort.objects.filter(bilan=bilan).first()
    pistes = []
    for option in CareerOption.objects.filter(bilan=bilan).order_by("id"):
        item = as_dict(option, exclude={"bilan"})
        item["status_changes"] = [
            as_dict(c, exclude={"career_option"})
            for c in option.status_changes.all().order_by("id")
        ]
        pistes.append(item)
    return {
        "centres_interet": as_dict(interests, exclude={"bilan"}) if interests else None,
        "fiches": [as_dict(f, exclude={"bilan"}) for f in bilan.saved_fiches.all().order_by("id")],
        "pistes": pistes,
        "enquetes": [
            as_dict(e)
            for e in EnqueteMetier.objects.filter(career_option__bilan=bilan).order_by("id")
        ],
        "validations_projet": [
            as_dict(v, exclude={"bilan"}) for v in bilan.project_validations.all().order_by("id")
        ],
    }


def _synthese(bilan: Bilan) -> dict | None:
    synthese = Synthese.objects.filter(bilan=bilan).first()
    if synthese is None:
        return None
    version = (
        synthese.versions.filter(number=synthese.submitted_number).first()
        if synthese.submitted_number
        else None
    )
    return {
        "status": synthese.status,
        "version": as_dict(version, exclude={"synthese", "sources"}) if version else None,
        "observations": [
            as_dict(o, exclude={"synthese"}) for o in synthese.observations.all().order_by("id")
        ],
        "partages": [
            as_dict(share, exclude={"synthese", "token_digest", "created_by"})
            for share in synthese.shares.all().order_by("id")
        ],
    }


def _plan(bilan: Bilan) -> dict | None:
    plan = ActionPlan.objects.filter(bilan=bilan).first()
    if plan is None:
        return None
    data = as_dict(plan, exclude={"bilan"})
    data["actions"] = [
        {
            **as_dict(a, exclude={"plan"}),
            "status_changes": [
                as_dict(c, exclude={"action", "by"}) for c in a.status_changes.all().order_by("id")
            ],
        }
        for a in plan.actions.all().order_by("id")
    ]
    return data


def _framing(bilan: Bilan) -> dict | None:
    framing = BilanFraming.objects.filter(bilan=bilan).first()
    return as_dict(framing, exclude={"bilan"}) if framing else None


def _entretiens(bilan: Bilan) -> list[dict]:
    """The summaries shared with the beneficiary, of held entretiens (never a private note)."""
    return [
        {
            "entretien": note.entretien.title,
            "date": note.entretien.starts_at,
            "text": note.text,
        }
        for note in held_summaries(bilan)
    ]


def _suivi(bilan: Bilan) -> dict:
    diagnosis = SelfDiagnosis.objects.filter(bilan=bilan).first()
    report = SuiviReport.objects.filter(bilan=bilan, finalised_at__isnull=False).first()
    return {
        "auto_diagnostic": as_dict(diagnosis, exclude={"bilan"}) if diagnosis else None,
        "compte_rendu": as_dict(report, exclude={"bilan", "updated_by"}) if report else None,
    }


def bilan_data(bilan: Bilan) -> dict:
    """The machine-readable part: what the beneficiary wrote or received, nothing private."""
    missing = unclassified()
    if missing:  # decided in EXPORTED or NOT_EXPORTED first: never exported by default
        raise ImproperlyConfigured(
            f"Content models the export has not decided on: {', '.join(missing)}"
        )
    return {
        "format": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "bilan": {
            "reference": bilan.reference,
            "status": bilan.status,
            "opened_on": bilan.opened_on,
        },
        "cadrage": _framing(bilan),
        "entretiens": _entretiens(bilan),
        "travaux": [
            as_dict(a, exclude={"bilan", "created_by"})
            for a in Assignment.objects.filter(bilan=bilan).order_by("id")
        ],
        "tests": _tests(bilan),
        "exercices": _exercises(bilan),
        "journal": [
            as_dict(e, exclude={"bilan"}) for e in bilan.journal_entries.all().order_by("id")
        ],
        "messages": [
            {
                **as_dict(m, exclude={"bilan"}),
                "attachments": [as_dict(a, exclude={"message"}) for a in m.attachments.all()],
            }
            for m in bilan.messages.all().order_by("id")
        ],
        **_careers(bilan),
        "synthese": _synthese(bilan),
        "plan_action": _plan(bilan),
        "suivi": _suivi(bilan),
    }


def _result_pdfs(bilan: Bilan) -> list[tuple[str, bytes]]:
    files = []
    for administration in Administration.objects.filter(
        bilan=bilan, submitted_at__isnull=False
    ).order_by("id"):
        result = getattr(administration, "result", None)
        if result is None:
            continue
        name = f"tests/resultats-{administration.instrument_code}-{administration.pk}.pdf"
        files.append((name, result_pdf(result)))
    return files


def _synthese_file(bilan: Bilan) -> tuple[str, bytes] | None:
    """The latest rendered file of the version submitted to the beneficiary, if any."""

    synthese = getattr(bilan, "synthese", None)
    if synthese is None or not synthese.submitted_number:
        return None
    job = (
        RenderJob.objects.filter(synthese=synthese, version_number__lte=synthese.submitted_number)
        .exclude(file="")
        .order_by("-finished_at", "-id")
        .first()
    )
    if job is None:
        return None
    try:
        with job.file.open("rb") as f:
            content = f.read()
    except OSError:
        return None
    return (f"synthese/{job.file.name.rsplit('/', 1)[-1]}", content)


def export_zip(*, user, bilan: Bilan, channel: str = "web") -> bytes:
    """The zip of `bilan` for its beneficiary; anyone else is refused (and the refusal logged)."""
    if user.pk != bilan.beneficiary_id:
        raise PermissionDenied
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "bilan.json",
            json.dumps(bilan_data(bilan), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for name, content in _result_pdfs(bilan):
            archive.writestr(name, content)
        synthese_file = _synthese_file(bilan)
        if synthese_file:
            archive.writestr(*synthese_file)
    # record_content_access skips the beneficiary's own accesses; an export is still traced.
    AuditEvent.objects.create(
        actor_id=user.pk,
        actor_email=user.email,
        actor_role="beneficiary",
        organisation_id=bilan.organisation_id,
        bilan_id=bilan.pk,
        action=AuditEvent.Action.EXPORT,
        object_type=bilan._meta.label,
        object_id=str(bilan.pk),
        channel=channel,
    )
    return buffer.getvalue()


def filename(bilan: Bilan) -> str:
    return f"mon-bilan-{bilan.reference}.zip"
