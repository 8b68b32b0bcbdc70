"""`{% load careers %}{% rome_attribution %}`: the citation of the ROME source and version
(« Source : France Travail, ROME 4.0 version 60 — Licence Ouverte »), required by the Licence
Ouverte wherever ROME content appears."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from bilan.careers.referential import attribution, current_version

register = template.Library()


@register.simple_tag(takes_context=True)
def rome_attribution(context: template.Context, version=None) -> str:
    """The citation in a `<p class="rome-attribution">`; `version` defaults to the current one
    (a RomeVersion, or a version number as stored on content)."""
    if version is None:
        version = current_version(context.get("request"))
    elif isinstance(version, str):
        version = RomeVersionNumber(version) if version else current_version()
    return format_html('<p class="rome-attribution">{}</p>', attribution(version))


class RomeVersionNumber:
    """A version number stored on content (e.g. MatchRun.rome_version), cited as is."""

    def __init__(self, number: str):
        self.number = number
