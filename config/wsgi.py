import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A wrong master key refuses to start (issue 16): no worker serves pages it cannot decrypt.
from bilan.bilans.encryption import refuse_wrong_master_keys  # noqa: E402

refuse_wrong_master_keys()
