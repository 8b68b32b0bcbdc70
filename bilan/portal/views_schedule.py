"""The beneficiary's space: schedule (see urlpatterns at the bottom)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
