"""The general billing rule, dated and « à vérifier »: organisations may add their own rows
(a longer withdrawal period, say) to override it."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

RULE = dict(
    valid_from=dt.date(2019, 1, 1),
    # L6353-5: 10 days in Centre-Inffo-type readings, 14 under the consumer code for distance
    # or off-premises contracts: 14 is safe for both (regulation.md REQ-17, open point 4).
    withdrawal_days=14,
    first_instalment_max_percent=Decimal("30.00"),
    recovery_indemnity=Decimal("40.00"),
    source=(
        "Rétractation : L6353-5 C. trav. (10 jours) et L221-18 C. consom. (14 jours) ; "
        "30 % au plus à l'issue du délai : L6353-6 C. trav. ; indemnité de recouvrement "
        "40 € : L441-10 et D441-5 C. com. — à vérifier"
    ),
    to_verify=True,
)


def forwards(apps, schema_editor):
    BillingRule = apps.get_model("billing", "BillingRule")
    BillingRule.objects.get_or_create(
        organisation=None, valid_from=RULE["valid_from"], defaults=RULE
    )


def backwards(apps, schema_editor):
    apps.get_model("billing", "BillingRule").objects.filter(
        organisation=None, valid_from=RULE["valid_from"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
