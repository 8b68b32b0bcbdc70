"""The search index and the matching snapshot are built before a web worker's first request."""

from __future__ import annotations

import pytest
from django.apps import apps

from bilan.careers import profile, search
from bilan.careers.models import RomeVersion
from bilan.lib import gunicorn_conf


def test_the_worker_hook_builds_the_index_and_the_snapshot(rome: RomeVersion) -> None:
    search.forget_index()
    profile._CACHE.clear()
    gunicorn_conf.post_worker_init(object())
    assert search._cached is not None and search._cached[1].entries  # the index is built
    assert (rome.pk, rome.imported_at) in profile._CACHE  # the snapshot too
    built = search._cached[1]
    assert search.current_index() is built  # the first request reuses it


def test_a_failing_warm_up_does_not_stop_the_worker(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("no database")

    monkeypatch.setattr(apps.get_app_config("careers"), "warm", broken)
    gunicorn_conf.post_worker_init(object())  # no exception
    assert "warm-up of careers failed" in caplog.text
