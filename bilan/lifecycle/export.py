"""« Toutes mes données » (REQ-11 f, REQ-53 access and portability): the export offered before
any destruction, completed. One zip for all her bilans (in the organisation she works in),
one folder per bilan:

- `bilan.json`: what `documents.export.bilan_data` gives (tests, exercises, journal, messages,
  careers, synthèse, plan d'action);
- `dossier.json`: consents (method, time, notice version, proof), attendance (each held
  entretien's date and duration, each signature's signer and time), the entretien summaries
  shared with her, written agreements, data requests and their answers, the destruction
  certificate;
- `journal.html`, `messages.html`: a readable version of her journal and of the thread;
- `pieces-jointes/`: the files of the thread; `consentement/`: the scanned paper form;
- `tests/`, `synthese/`: the results PDFs and the rendered synthèse (documents.export);
- `certificat-de-realisation.pdf` once the bilan is closed.

Only the beneficiary exports (anyone else: PermissionDenied); each export is audited.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from bilan.accounts.models import User
from bilan.bilans.models import Bilan
from bilan.compliance.models import AuditEvent
from bilan.documents import export as documents_export
from bilan.entretiens.models import Attendance, EntretienStatus
from bilan.entretiens.notes import held_summaries
from bilan.exchanges.models import MessageAttachment
from bilan.followup import certificate
from bilan.lifecycle.models import (
    ConservationAgreement,
    DataRequest,
    DestructionCertificate,
)

FORMAT_VERSION = 1


def _consents(bilan: Bilan) -> list[dict[str, Any]]:
    return [
        {
            "given_at": c.given_at,
            "method": c.method,
            "notice_version": c.notice_version,
            "withdrawn_at": c.withdrawn_at,
            "proof": (
                {"scan": f"consentement/{c.scan_name}"}
                if c.scan
                else {"session": bool(c.session_hash)}
            ),
        }
        for c in bilan.consents.order_by("given_at", "id")
    ]


def _attendance(bilan: Bilan) -> list[dict[str, Any]]:
    signatures: dict[int, list[dict[str, Any]]] = {}
    for a in Attendance.objects.filter(entretien__bilan=bilan).order_by("signed_at", "id"):
        signatures.setdefault(a.entretien_id, []).append(
            {
                "signer_role": a.signer_role,
                "method": a.method,
                "signed_at": a.signed_at,
                "regularisation": a.regularisation,
            }
        )
    return [
        {
            "date": e.starts_at,
            "phase": e.phase,
            "modality": e.modality,
            "minutes": e.held_minutes,
            "signatures": signatures.get(e.pk, []),
        }
        for e in bilan.entretiens.filter(status=EntretienStatus.HELD).order_by("starts_at")
    ]


def _summaries(bilan: Bilan) -> list[dict[str, Any]]:
    return [
        {"entretien_date": n.entretien.starts_at, "summary": n.text, "updated_at": n.updated_at}
        for n in held_summaries(bilan)
    ]


def _certificate(bilan: Bilan) -> dict[str, Any] | None:
    found = DestructionCertificate.objects.filter(bilan_id=bilan.pk).first()
    if found is None:
        return None
    return {
        "created_at": found.created_at,
        "lines": [
            {
                "class": line.destroyed_class,
                "data": line.model_label,
                "count": line.count,
                "files": line.files,
                "destroyed_at": line.destroyed_at,
                "reason": line.reason,
            }
            for line in found.lines.order_by("destroyed_at", "id")
        ],
    }


def dossier(bilan: Bilan) -> dict[str, Any]:
    """What the REQ-7 export lacked: consents, attendance, shared summaries, the lifecycle."""
    return {
        "format": FORMAT_VERSION,
        "bilan": {
            "reference": bilan.reference,
            "organisation": bilan.organisation.name,
            "status": bilan.status,
            "opened_on": bilan.opened_on,
            "closed_on": bilan.closed_on,
        },
        "consentements": _consents(bilan),
        "emargement": _attendance(bilan),
        "syntheses_entretiens": _summaries(bilan),
        "accords_conservation": [
            {
                "scope": a.scope,
                "reason": a.reason,
                "signed_at": a.signed_at,
                "withdrawn_at": a.withdrawn_at,
            }
            for a in ConservationAgreement.objects.filter(bilan=bilan).order_by("signed_at")
        ],
        "demandes": [
            {
                "kind": r.kind,
                "details": r.details,
                "created_at": r.created_at,
                "status": r.status,
                "answers": [{"at": x.at, "text": x.text} for x in r.answers.all()],
            }
            for r in DataRequest.objects.filter(bilan=bilan).prefetch_related("answers")
        ],
        "certificat_destruction": _certificate(bilan),
    }


def _files(bilan: Bilan) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for attachment in MessageAttachment.objects.filter(message__bilan=bilan).order_by("id"):
        try:
            with attachment.file.open("rb") as f:
                files.append(
                    (f"pieces-jointes/{attachment.pk}-{attachment.original_name}", f.read())
                )
        except OSError:
            continue  # a file already destroyed: the certificate says so
    for consent in bilan.consents.exclude(scan=""):
        try:
            with consent.scan.open("rb") as f:
                files.append((f"consentement/{consent.scan_name}", f.read()))
        except OSError:
            continue
    # The documents app's own parts (results PDFs, the rendered synthèse), as REQ-7 made them.
    files += documents_export._result_pdfs(bilan)
    synthese_file = documents_export._synthese_file(bilan)
    if synthese_file:
        files.append(synthese_file)
    try:
        certificate.require_certifiable(bilan)
    except ValidationError:
        pass
    else:
        files.append(("certificat-de-realisation.pdf", certificate.certificate_pdf(bilan)))
    return files


def _readable(bilan: Bilan) -> list[tuple[str, str]]:
    journal = bilan.journal_entries.order_by("entry_date", "id")
    messages = (
        bilan.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    context = {"bilan": bilan, "exported_at": timezone.now()}
    return [
        (
            "journal.html",
            render_to_string("lifecycle/export_journal.html", {**context, "entries": journal}),
        ),
        (
            "messages.html",
            render_to_string("lifecycle/export_messages.html", {**context, "messages": messages}),
        ),
    ]


def export_all(*, user: User, channel: str = "web") -> bytes:
    """The zip of all `user`'s bilans (the organisation she works in), for her only."""
    membership = getattr(user, "membership", None)
    if membership is None or membership.role != "beneficiary":
        raise PermissionDenied
    bilans = list(Bilan.objects.for_user(user).with_people().order_by("opened_on", "id"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for bilan in bilans:
            folder = f"{bilan.reference}/"

            def dump(data: dict[str, Any]) -> str:
                return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)

            archive.writestr(folder + "bilan.json", dump(documents_export.bilan_data(bilan)))
            archive.writestr(folder + "dossier.json", dump(dossier(bilan)))
            for name, text in _readable(bilan):
                archive.writestr(folder + name, text)
            for name, content in _files(bilan):
                archive.writestr(folder + name, content)
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


def filename(user: User) -> str:
    return f"mes-donnees-{timezone.localdate():%Y-%m-%d}.zip"
