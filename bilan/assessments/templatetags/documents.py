from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(name="css_string")
def css_string(value: object) -> SafeString:
    """Text for a CSS `content: "…"` string (page footers): every character that is not a
    letter, digit or space as a CSS escape, so no quote or markup can end the string."""
    out = [c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in str(value)]
    return mark_safe("".join(out))  # noqa: S308 - only alphanumerics and CSS escapes remain
