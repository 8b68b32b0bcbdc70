"""gunicorn settings for bin/run (bilan.lib.supervise): `--config python:bilan.lib.gunicorn_conf`."""

from __future__ import annotations

import signal

from bilan.lib.supervise import die_with_parent

loglevel = "warning"
# A TERM lets a worker finish its request; past this, the master kills it (bin/run's stop
# deadline is longer, so a stop stays graceful).
graceful_timeout = 5


def post_fork(_server: object, _worker: object) -> None:
    """A worker dies with its master: after a kill -9 of the master, no orphan keeps serving
    (and holding the port) until its own parent check notices."""
    die_with_parent(signal.SIGKILL)


def post_worker_init(_worker: object) -> None:
    """Each app that has expensive per-process state (the métier search index, the matching
    snapshot) builds it here, before the worker accepts a request: its AppConfig's `warm()`.
    Found through the app registry, so this module imports no app. A failure is logged, not
    fatal: the state is then built on first use as before."""
    import logging

    from django.apps import apps

    for config in apps.get_app_configs():
        warm = getattr(config, "warm", None)
        if callable(warm):
            try:
                warm()
            except Exception:
                logging.getLogger("bilan").exception("warm-up of %s failed", config.label)
