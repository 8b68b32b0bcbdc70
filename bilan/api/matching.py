"""API v1 (to be written)."""

from ninja import Router

router = Router(tags=["matching"])
