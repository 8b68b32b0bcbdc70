from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    """`Assignment` is the glossary's word for travail inter-session: the consultant history
    takes the name ConsultantAssignment."""

    dependencies = [
        ("bilans", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RenameModel("Assignment", "ConsultantAssignment")]
