"""The retention matrix of issue 16 / REQ-52, dated and sourced, « à vérifier au JO » until an
admin confirms each line (the lifecycle's rules page). Organisations may add their own rows."""

import datetime as dt

from django.db import migrations

FROM = dt.date(2019, 1, 1)
R6313_7 = (
    "R6313-7 C. trav. (destruction dès le terme de l'action ; exceptions : accord écrit pour "
    "le suivi, synthèse transmise au CEP) ; décret 2023-1350 du 28 déc. 2023 (exceptions "
    "portées à 3 ans)"
)

RULES = [
    # TRAVAIL_BILAN and the provider's SYNTHESE: destroyed at the end of the action, unless the
    # beneficiary's written agreement for follow-up: then at most 3 years.
    dict(data_class="travail_bilan", duration_months=0, start_event="end_of_action",
         agreement_max_months=36, source=R6313_7),
    dict(data_class="synthese", duration_months=0, start_event="end_of_action",
         agreement_max_months=36, source=R6313_7 + " ; l'exemplaire du ou de la bénéficiaire est le sien"),
    dict(data_class="admin_contrat", duration_months=60, start_event="end_of_action",
         source="Prescription civile de droit commun, art. 2224 C. civ. (5 ans) ; au moins "
         "aussi longtemps que les preuves"),
    dict(data_class="preuve_realisation", duration_months=36, start_event="end_of_action",
         source="Période de contrôle des actions de formation (L6362-5 s. C. trav.) : 3 ans au moins"),
    dict(data_class="preuve_realisation", variant="opco", duration_months=72,
         start_event="end_of_action", source="Demande de l'OPCO (jusqu'à 6 ans), ex. OCAPIAT"),
    dict(data_class="preuve_realisation", variant="cofinanced", duration_months=120,
         start_event="end_of_action",
         source="Action cofinancée (FSE…) : 10 ans selon le financeur"),
    dict(data_class="facturation", duration_months=120, start_event="invoice_date",
         source="Art. L123-22 C. com. (10 ans)"),
    dict(data_class="qualite_anonymise", duration_months=36, start_event="recorded_at",
         outcome="pseudonymise",
         source="Réponses aux enquêtes pseudonymisées à la collecte ; agrégats conservés le "
         "cycle Qualiopi (3 ans) ; registre des réclamations 3 ans après clôture"),
    dict(data_class="journaux_securite", duration_months=12, start_event="recorded_at",
         source="CNIL, délibération 2021-122 (journalisation : 6 mois à 1 an)"),
    dict(data_class="referentiel", duration_months=0, start_event="none", outcome="keep",
         source="Données non personnelles (référentiel ROME, règles, organisme)"),
    dict(data_class="technique", duration_months=0, start_event="none", outcome="keep",
         source="Données techniques : sessions et jetons expirent d'eux-mêmes ; tâches de fond"),
]


def forwards(apps, schema_editor):
    RetentionRule = apps.get_model("lifecycle", "RetentionRule")
    for rule in RULES:
        fields = {"variant": "", "outcome": "destroy", "agreement_max_months": None, **rule}
        RetentionRule.objects.get_or_create(
            organisation=None,
            data_class=fields["data_class"],
            variant=fields["variant"],
            valid_from=FROM,
            defaults={**fields, "to_verify": True},
        )


def backwards(apps, schema_editor):
    apps.get_model("lifecycle", "RetentionRule").objects.filter(
        organisation=None, valid_from=FROM
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
