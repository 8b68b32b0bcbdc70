"""The synthèse's background work: render a PDF or DOCX (django-q2), its progress on the
RenderJob row the page polls."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.documents.models import RenderJob, RenderStatus

log = logging.getLogger(__name__)


def enqueue_render(job_id: int) -> None:
    """Hand the job to the worker (run in-process when Q_CLUSTER says sync)."""
    from django_q.tasks import async_task

    async_task("bilan.documents.tasks.render_synthese", job_id, task_name=f"synthese-{job_id}")


def _progress(job_id: int, percent: int, status: str = RenderStatus.RUNNING) -> None:
    RenderJob.objects.filter(pk=job_id).update(status=status, progress=percent)


def render_synthese(job_id: int) -> str:
    """Render the job's version, store the file under its version number, mark it done.

    In autocommit, never inside a transaction: each progress step is its own short write, and
    no write lock is held while WeasyPrint renders (SQLite has a single writer)."""
    from bilan.documents.renderers import build_document, renderer_for

    job = RenderJob.objects.select_related(
        "synthese__bilan__beneficiary",
        "synthese__bilan__consultant",
        "synthese__bilan__organisation",
    ).get(pk=job_id)
    if job.status == RenderStatus.DONE:
        return job.file.name
    try:
        _progress(job_id, 10)
        document = build_document(job.synthese, job.version_number)
        _progress(job_id, 40)
        data = renderer_for(job.format).render(document)
        _progress(job_id, 90)
        job.file.save(
            f"{job.synthese.bilan_id}-v{job.version_number}.{job.format}",
            ContentFile(data),
            save=False,
        )
        job.status, job.progress, job.finished_at, job.error = (
            RenderStatus.DONE,
            100,
            timezone.now(),
            "",
        )
        job.save(update_fields=["file", "status", "progress", "finished_at", "error"])
    except Exception:  # the page shows a French message; the trace goes to the log
        log.exception("synthèse render job %s failed", job_id)
        RenderJob.objects.filter(pk=job_id).update(
            status=RenderStatus.FAILED,
            finished_at=timezone.now(),
            error=_t(
                "La génération du document a échoué. Réessayez ; si cela se reproduit, "
                "signalez-le à l'équipe technique."
            ),
        )
        return ""
    return job.file.name
