from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from bilan.worker.status import silent_since


def worker(request: HttpRequest) -> dict:
    """`worker_silent_since`: read (one query) only by the staff pages' banner (base.html)."""
    return {"worker_silent_since": SimpleLazyObject(silent_since)}
