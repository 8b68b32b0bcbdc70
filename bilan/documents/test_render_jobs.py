"""Render jobs and the worker: a render holds no write transaction while WeasyPrint works; a
job abandoned by a dead worker is failed in French and can be run again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_q.conf import Conf

from bilan.api.test_api import Api
from bilan.documents import synthese as service
from bilan.documents import tasks
from bilan.documents.models import RenderJob, RenderStatus
from bilan.documents.renderers import pdf
from bilan.documents.test_views import submitted

ABANDONED = "Le rendu a été interrompu (le travailleur s'est arrêté). Relancez-le."


@pytest.fixture
def prefilled(cast, recorded):
    return service.start_synthese(bilan=cast.bilan, by=cast.consultant)


def test_the_render_runs_outside_any_transaction_even_when_queued_from_one(
    cast, prefilled, monkeypatch, django_capture_on_commit_callbacks
):
    """SQLite has one writer: a write transaction held during a render (seconds) would make
    every other write wait. The job is handed over on commit, and renders in autocommit."""
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 runs the task in-process
    outer = len(connection.atomic_blocks)  # the test's own transaction
    depth_during_render = []
    real_render = pdf.PdfRenderer.render

    def render(self, document):
        depth_during_render.append(len(connection.atomic_blocks))
        return real_render(self, document)

    monkeypatch.setattr(pdf.PdfRenderer, "render", render)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():  # the request's write transaction
            job = service.request_render(synthese=prefilled, by=cast.consultant, fmt="pdf")
    assert depth_during_render == [outer]
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE
    assert RenderJob.objects.count() == 1


def running_job(synthese, *, started_minutes_ago: int, by, fmt: str = "pdf", number: int = 1):
    """A job a worker began `started_minutes_ago` and left at 40 % (it was killed, or not)."""
    started = timezone.now() - dt.timedelta(minutes=started_minutes_ago)
    return RenderJob.objects.create(
        synthese=synthese,
        version_number=number,
        format=fmt,
        requested_by=by,
        status=RenderStatus.RUNNING,
        progress=40,
        started_at=started,
        requested_at=started,
    )


def test_a_job_left_running_past_the_timeout_is_failed_in_french_when_polled(
    cast, prefilled, client
):
    lost = running_job(prefilled, started_minutes_ago=6, by=cast.consultant)
    alive = running_job(prefilled, started_minutes_ago=2, by=cast.consultant)
    client.force_login(cast.consultant)
    page = client.get(reverse("documents:synthese_job", args=[lost.pk])).content.decode()
    assert escape(ABANDONED) in page
    assert "Relancer" in page
    assert f'action="{reverse("documents:synthese_render", args=[cast.bilan.pk])}"' in page
    assert 'name="format" value="pdf"' in page and 'name="version" value="1"' in page
    lost.refresh_from_db()
    assert (lost.status, lost.error) == (RenderStatus.FAILED, ABANDONED)
    page = client.get(reverse("documents:synthese_job", args=[alive.pk])).content.decode()
    assert "40 %" in page and "Relancer" not in page
    alive.refresh_from_db()
    assert alive.status == RenderStatus.RUNNING


def test_the_synthese_page_shows_a_lost_job_failed_with_relancer(cast, prefilled, client):
    running_job(prefilled, started_minutes_ago=10, by=cast.consultant)
    client.force_login(cast.consultant)
    page = client.get(reverse("documents:synthese", args=[cast.bilan.pk])).content.decode()
    assert escape(ABANDONED) in page and "Relancer" in page


def test_relancer_queues_a_new_job_through_the_same_service_as_the_api(
    cast, prefilled, client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(Conf, "SYNC", True)
    lost = running_job(prefilled, started_minutes_ago=6, by=cast.consultant, fmt="docx")
    client.force_login(cast.consultant)
    client.get(reverse("documents:synthese_job", args=[lost.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("documents:synthese_render", args=[cast.bilan.pk]),
            {"format": "docx", "version": "1"},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    new = RenderJob.objects.exclude(pk=lost.pk).get()
    assert (new.format, new.version_number, new.status) == ("docx", 1, RenderStatus.DONE)


def test_the_api_reads_a_lost_job_as_failed_with_the_message(cast, prefilled):
    lost = running_job(prefilled, started_minutes_ago=6, by=cast.consultant)
    response = Api(cast).get(f"/bilans/{cast.bilan.pk}/synthese/renders/{lost.pk}", "consultant")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "failed"
    assert response.json()["error"] == ABANDONED


def test_the_beneficiary_sees_their_lost_job_failed_with_relancer(cast, conclusions, client):
    synthese = submitted(cast)
    lost = running_job(
        synthese, started_minutes_ago=6, by=cast.beneficiary, number=synthese.submitted_number
    )
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:synthese")).content.decode()
    assert escape(ABANDONED) in page and "Relancer" in page
    assert f'action="{reverse("portal:synthese_render")}"' in page
    polled = client.get(reverse("portal:synthese_job", args=[lost.pk])).content.decode()
    assert escape(ABANDONED) in polled


def test_a_worker_that_runs_the_lost_task_again_still_finishes_it(cast, prefilled):
    """django-q2 hands an unacknowledged task out again (Q_CLUSTER["retry"]): a job failed as
    abandoned is then rendered after all."""
    lost = running_job(prefilled, started_minutes_ago=6, by=cast.consultant, fmt="docx")
    assert tasks.fail_abandoned() == 1
    tasks.render_synthese(lost.pk)
    lost.refresh_from_db()
    assert (lost.status, lost.error) == (RenderStatus.DONE, "")
    assert lost.started_at > timezone.now() - dt.timedelta(minutes=1)


def test_polling_a_live_job_writes_nothing(cast, prefilled, client):
    """The page polls every second: checking for a lost job is a read (SQLite's write lock
    stays free)."""
    from django.test.utils import CaptureQueriesContext

    alive = running_job(prefilled, started_minutes_ago=1, by=cast.consultant)
    client.force_login(cast.consultant)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("documents:synthese_job", args=[alive.pk]))
    table = RenderJob._meta.db_table
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and table in q["sql"]]
