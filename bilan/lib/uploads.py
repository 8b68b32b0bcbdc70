"""How a file someone uploaded leaves the application: never as a page the browser runs."""

from __future__ import annotations

from typing import TypeVar

from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

Response = TypeVar("Response", bound=HttpResponseBase)


def protect_upload(
    response: Response, *, filename: str, content_type: str | None = None
) -> Response:
    """Mark `response` (carrying an uploaded file's bytes) as a download that is not sniffed
    and runs nothing if opened: Content-Disposition attachment, nosniff, a sandbox CSP."""
    if content_type:
        response["Content-Type"] = content_type
    disposition = content_disposition_header(True, filename)
    assert disposition is not None  # always a header for an attachment
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
