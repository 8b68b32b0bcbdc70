"""Django's makemessages, also extracting `_t(...)`: code imports `gettext as _t` where
`_` is taken by `gettext_lazy`."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_t"]
