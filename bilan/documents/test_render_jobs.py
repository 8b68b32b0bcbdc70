"""Render jobs and the worker: a render holds no write transaction while WeasyPrint works; a
job abandoned by a dead worker is failed in French and can be run again."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_q.conf import Conf

from bilan.documents import synthese as service
from bilan.documents.models import RenderJob, RenderStatus
from bilan.documents.renderers import pdf


@pytest.fixture
def prefilled(cast, recorded):  # noqa: ANN001, ANN201
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

    def render(self, document):  # noqa: ANN001, ANN202
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
