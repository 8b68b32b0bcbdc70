"""`{% unread_messages %}`: how many messages the user has not read (one query), for the nav
and the bilan page. A count only, no content: nothing to audit."""

from __future__ import annotations

from django import template

from bilan.exchanges.messaging import human_size, unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context: template.Context, bilan=None) -> int:
    user = context.get("user")
    return unread_count(user, bilan) if user is not None else 0


@register.filter
def file_size(size: int) -> str:
    return human_size(size or 0)
