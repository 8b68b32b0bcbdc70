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
