from typing import Any

from django.apps import AppConfig
from django.core import checks


def master_keys_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A BILAN_MASTER_KEYS that cannot open the data keys in use stops every manage.py command
    (runserver, migrate, qcluster…) with the reason (issue 16)."""
    from bilan.bilans.encryption import master_key_errors  # why: apps load before models

    return [
        checks.Error(
            problem,
            hint="Put back the master key that wraps these keys (BILAN_MASTER_KEYS, after the "
            "current one) and run `manage.py rotate_master_key`.",
            id="bilans.E001",
        )
        for problem in master_key_errors()
    ]


class BilansConfig(AppConfig):
    name = "bilan.bilans"
    label = "bilans"

    def ready(self) -> None:
        # why: an AppConfig imports its app's modules only once the registry is ready.
        from bilan.lib import logs
        from bilan.lib.text import install_storable_text_checks

        # A refused act on an existing bilan is a 409 (an expected conflict): logged at INFO.
        logs.install()
        # NUL and lone surrogates refused in every form text field and on every save.
        install_storable_text_checks()
        checks.register(master_keys_check, checks.Tags.security)
