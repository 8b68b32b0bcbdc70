"""The synthèse's background work: render a PDF or DOCX (django-q2), its progress on the
RenderJob row the page polls."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.documents.models import RenderJob, RenderStatus
from bilan.documents.renderers import build_document, renderer_for

log = logging.getLogger(__name__)


def enqueue_render(job_id: int) -> None:
    """Hand the job to the worker (run in-process when Q_CLUSTER says sync)."""
    from django_q.tasks import async_task

    async_task("bilan.documents.tasks.render_synthese", job_id, task_name=f"synthese-{job_id}")


# A render is killed by django-q2 after Q_CLUSTER["timeout"] (120 s): a job still « en cours »
# this long after its worker began it was abandoned (the worker died).
ABANDONED_AFTER = dt.timedelta(minutes=5)


def abandoned_message() -> str:
    return _t("Le rendu a été interrompu (le travailleur s'est arrêté). Relancez-le.")


def _progress(job_id: int, percent: int, status: str = RenderStatus.RUNNING) -> None:
    RenderJob.objects.filter(pk=job_id).update(status=status, progress=percent)


def _start(job_id: int) -> None:
    RenderJob.objects.filter(pk=job_id).update(
        status=RenderStatus.RUNNING, progress=10, started_at=timezone.now(), error=""
    )


def fail_abandoned(jobs: QuerySet[RenderJob] | None = None, now: dt.datetime | None = None) -> int:
    """Mark failed, with a French message, the jobs of `jobs` (by default all) left « en cours »
    by a dead worker; the page then offers to run them again. Called when a job's status is
    read and by the worker's heartbeat every minute. Returns how many were failed."""
    now = now or timezone.now()
    jobs = RenderJob.objects.all() if jobs is None else jobs
    lost = jobs.filter(status=RenderStatus.RUNNING, started_at__lt=now - ABANDONED_AFTER)
    if not lost.exists():  # a read, not a write: pages poll this every second
        return 0
    failed = lost.update(status=RenderStatus.FAILED, finished_at=now, error=abandoned_message())
    if failed:
        log.error("%s synthèse render job(s) abandoned by a dead worker, marked failed", failed)
    return failed


def render_synthese(job_id: int) -> str:
    """Render the job's version, store the file under its version number, mark it done.

    In autocommit, never inside a transaction: each progress step is its own short write, and
    no write lock is held while WeasyPrint renders (SQLite has a single writer)."""

    job = RenderJob.objects.select_related(
        "synthese__bilan__beneficiary",
        "synthese__bilan__consultant",
        "synthese__bilan__organisation",
    ).get(pk=job_id)
    if job.status == RenderStatus.DONE:
        return job.file.name
    try:
        _start(job_id)
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
