"""API v1: entretiens endpoints, mounted on the main api (see bilan/api/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["entretiens"])
