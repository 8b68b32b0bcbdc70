"""Logging adjustments of the project (installed by bilan.bilans.apps)."""

from __future__ import annotations

import logging


class ConflictsAsInfo(logging.Filter):
    """django.request logs every 4xx as a WARNING; a 409 is an expected conflict (a stale note
    version, a bilan out of the phase), not a fault: it is lowered to INFO, and printed only
    when LOG_LEVEL (the root level) lets INFO through. Other statuses are left alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 409 and record.levelno == logging.WARNING:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            return logging.getLogger().isEnabledFor(logging.INFO)
        return True


def install() -> None:
    logger = logging.getLogger("django.request")
    if not any(isinstance(f, ConflictsAsInfo) for f in logger.filters):
        logger.addFilter(ConflictsAsInfo())
