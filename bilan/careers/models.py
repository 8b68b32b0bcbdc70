"""Métiers: the ROME 4.0 referential (France Travail open data) and what a bilan does with it.

Two families live here:
- the **referential**, shared by every organisation, written only by `import_rome`
  (bilan/careers/importer.py): natural primary keys are ROME's own codes, so a re-import of the
  same version changes nothing and links survive a new version where the codes survive;
- **bilan content** built on it: fiches saved to the beneficiary's research, the card sort of
  centres d'intérêt, computed matches and the consultant's review of them, pistes
  professionnelles and enquêtes métier. Content keeps the ROME code, label and version it was
  made with (codes can change meaning between versions), so it stays readable after a new import.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.bilans.content import Content
from bilan.bilans.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from bilan.bilans.models import Bilan
from bilan.lib.dates import in_db_date_window

RIASEC_CHOICES = [(letter, letter) for letter in "RIASEC"]
TEXT_MAX = 5000


# --- The referential --------------------------------------------------------------------


class RomeVersion(models.Model):
    """One import of the referential; the latest successful one is current."""

    number = models.CharField(_("version"), max_length=20)  # "60"
    title = models.CharField(_("intitulé"), max_length=200, blank=True)
    published_on = models.DateField(_("date de publication"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500)
    counts = models.JSONField(default=dict)  # {"metiers": 1584, "appellations": 13120, …}
    changes = models.JSONField(default=dict)  # {"metiers": {"created": 0, "updated": 0, …}}
    imported_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="careers_one_current_rome_version",
            )
        ]

    def __str__(self) -> str:
        return f"ROME 4.0 version {self.number}"


class GrandDomaine(models.Model):
    code = models.CharField(primary_key=True, max_length=1)  # "A"
    label = models.CharField(max_length=300)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label


class DomaineProfessionnel(models.Model):
    code = models.CharField(primary_key=True, max_length=3)  # "A11"
    grand_domaine = models.ForeignKey(
        GrandDomaine, on_delete=models.CASCADE, related_name="domaines"
    )
    label = models.CharField(max_length=300)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label


class Metier(models.Model):
    """A fiche métier (`unix_referentiel_code_rome`, texts from `unix_texte`)."""

    code_rome = models.CharField(primary_key=True, max_length=5)  # "A1101"
    code_ogr = models.PositiveIntegerField(unique=True)
    code_fiche = models.CharField(max_length=20, blank=True)
    label = models.CharField(_("intitulé"), max_length=300)
    domaine = models.ForeignKey(
        DomaineProfessionnel, on_delete=models.PROTECT, related_name="metiers"
    )
    riasec_major = models.CharField(max_length=1, choices=RIASEC_CHOICES)
    riasec_minor = models.CharField(max_length=1, choices=RIASEC_CHOICES, blank=True)
    definition = models.TextField(blank=True)  # sentences in order, one per line
    access = models.TextField(blank=True)  # « accès à l'emploi », one sentence per line
    transition_eco = models.CharField(max_length=200, blank=True)
    transition_num = models.BooleanField(default=False)
    transition_demo = models.BooleanField(default=False)
    regulated = models.BooleanField(default=False)  # emploi réglementé
    cadre = models.BooleanField(default=False)
    code_rome_parent = models.CharField(max_length=5, blank=True)

    class Meta:
        ordering = ["code_rome"]

    def __str__(self) -> str:
        return f"{self.code_rome} {self.label}"

    @property
    def riasec(self) -> str:
        return self.riasec_major + self.riasec_minor


class Appellation(models.Model):
    code_ogr = models.PositiveIntegerField(primary_key=True)
    metier = models.ForeignKey(Metier, on_delete=models.CASCADE, related_name="appellations")
    label = models.CharField(max_length=300)  # libellé long
    label_short = models.CharField(max_length=300, blank=True)
    principal = models.BooleanField(default=False)  # classification PRINCIPALE
    rarely_used = models.BooleanField(default=False)  # peu usité
    regulated = models.BooleanField(default=False)
    cadre = models.BooleanField(default=False)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class CompetenceCategory(models.TextChoices):
    SAVOIR_FAIRE = "savoir_faire", _("savoir-faire")
    SAVOIR_ETRE = "savoir_etre", _("savoir-être professionnel")


class Competence(models.Model):
    """A compétence or macro-compétence (`unix_referentiel_competence`)."""

    code_ogr = models.PositiveIntegerField(primary_key=True)
    label = models.CharField(max_length=500)
    definition = models.TextField(blank=True)
    macro = models.BooleanField(default=False)  # nature « Macro-compétence »
    parent = models.ForeignKey(  # the macro-compétence it belongs to
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    category = models.CharField(max_length=20, choices=CompetenceCategory.choices)
    subcategory = models.CharField(max_length=100, blank=True)  # Technique, Transverse…
    riasec_major = models.CharField(max_length=1, choices=RIASEC_CHOICES, blank=True)
    riasec_minor = models.CharField(max_length=1, choices=RIASEC_CHOICES, blank=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Savoir(models.Model):
    code_ogr = models.PositiveIntegerField(primary_key=True)
    label = models.CharField(max_length=500)
    category = models.CharField(max_length=200, blank=True)
    subcategory = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class ContexteTravail(models.Model):
    code_ogr = models.PositiveIntegerField(primary_key=True)
    label = models.CharField(max_length=300)
    type_code = models.CharField(max_length=10)
    type_label = models.CharField(max_length=200)  # « Horaires et durée du travail »…

    class Meta:
        ordering = ["type_code", "label"]

    def __str__(self) -> str:
        return self.label


class CentreInteret(models.Model):
    code = models.PositiveSmallIntegerField(primary_key=True)
    label = models.CharField(max_length=300)  # « J'ai envie de créer, construire, rénover »
    definition = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label


class SecteurActivite(models.Model):
    """A secteur d'activité, or a sous-secteur when `parent` is set."""

    code = models.CharField(primary_key=True, max_length=10)
    label = models.CharField(max_length=300)
    definition = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class CoreLevel(models.TextChoices):
    """`unix_coherence_item.coeur_metier`."""

    NONE = "", _("—")
    PRINCIPAL = "principale", _("cœur de métier")
    EMERGING = "emergente", _("émergente")


class MetierCompetence(models.Model):
    metier = models.ForeignKey(Metier, on_delete=models.CASCADE, related_name="competence_links")
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="+")
    core = models.CharField(max_length=12, choices=CoreLevel.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metier", "competence"], name="careers_metier_comp")
        ]

    def __str__(self) -> str:
        return f"{self.metier_id} {self.competence_id}"


class MetierSavoir(models.Model):
    metier = models.ForeignKey(Metier, on_delete=models.CASCADE, related_name="savoir_links")
    savoir = models.ForeignKey(Savoir, on_delete=models.CASCADE, related_name="+")
    core = models.CharField(max_length=12, choices=CoreLevel.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metier", "savoir"], name="careers_metier_savoir")
        ]

    def __str__(self) -> str:
        return f"{self.metier_id} {self.savoir_id}"


class MetierContexte(models.Model):
    metier = models.ForeignKey(Metier, on_delete=models.CASCADE, related_name="contexte_links")
    contexte = models.ForeignKey(ContexteTravail, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metier", "contexte"], name="careers_metier_ctx")
        ]

    def __str__(self) -> str:
        return f"{self.metier_id} {self.contexte_id}"


class MetierCentreInteret(models.Model):
    metier = models.ForeignKey(Metier, on_delete=models.CASCADE, related_name="centre_links")
    centre = models.ForeignKey(CentreInteret, on_delete=models.CASCADE, related_name="links")
    principal = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metier", "centre"], name="careers_metier_centre")
        ]

    def __str__(self) -> str:
        return f"{self.metier_id} {self.centre_id}"


class MetierSecteur(models.Model):
    metier = models.ForeignKey(Metier, on_delete=models.CASCADE, related_name="secteur_links")
    secteur = models.ForeignKey(SecteurActivite, on_delete=models.CASCADE, related_name="+")
    principal = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metier", "secteur"], name="careers_metier_secteur")
        ]

    def __str__(self) -> str:
        return f"{self.metier_id} {self.secteur_id}"


class Mobilite(models.Model):
    """A mobilité professionnelle from one fiche to another (`unix_rubrique_mobilite`)."""

    source = models.ForeignKey(Metier, on_delete=models.CASCADE, related_name="mobilites")
    target = models.ForeignKey(Metier, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target"], name="careers_mobilite_source_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


# --- Bilan content built on the referential -----------------------------------------------


class MetierSnapshot(models.Model):
    """The ROME facts a content row was made with: code, label and version."""

    metier = models.ForeignKey(
        Metier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code_rome = models.CharField(_("code ROME"), max_length=5, blank=True)
    metier_label = models.CharField(_("métier"), max_length=300, blank=True)
    rome_version = models.CharField(_("version du ROME"), max_length=20, blank=True)

    class Meta:
        abstract = True


class SavedFiche(Content, MetierSnapshot):
    """A fiche métier the beneficiary keeps in their documentary research, with their notes."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="saved_fiches")
    assignment = models.ForeignKey(  # the documentary-research task it answers, if any
        "entretiens.Assignment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="saved_fiches",
    )
    attracts = EncryptedTextField(_("ce qui m'attire"), blank=True)
    worries = EncryptedTextField(_("ce qui m'inquiète"), blank=True)
    questions = EncryptedTextField(_("questions à poser"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bilan", "code_rome"], name="careers_saved_fiche")
        ]

    def __str__(self) -> str:
        return self.metier_label


class InterestSort(Content):
    """The card sort of ROME's 30 centres d'intérêt (those chosen, then the top 5 ranked), and
    the contexts of work the beneficiary wants to avoid (their stated constraints)."""

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="interest_sort")
    chosen = EncryptedJSONField(default=list)  # centre codes, any order
    ranked = EncryptedJSONField(default=list)  # up to 5 centre codes, best first
    avoided_contexts = EncryptedJSONField(default=list)  # ContexteTravail codes
    rome_version = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Centres d'intérêt — {self.bilan_id}"


class MatchRun(Content):
    """One computation of the matching for a bilan: the profile used, the ranking with its
    reasons, the ROME version. Suggestions reach the beneficiary only once the consultant
    has reviewed a run (REQ-56, REQ-62)."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="match_runs")
    rome_version = models.CharField(max_length=20)
    profile = EncryptedJSONField(default=dict)  # the inputs, as used
    results = EncryptedJSONField(default=list)  # [{"code_rome", "label", "score", "reasons", …}]
    computed_at = models.DateTimeField(auto_now_add=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"Rapprochement {self.computed_at:%Y-%m-%d %H:%M}"


class MatchDecision(Content, MetierSnapshot):
    """The consultant pins or excludes a métier for the next rankings of this bilan."""

    class Decision(models.TextChoices):
        PIN = "pin", _("épinglé")
        EXCLUDE = "exclude", _("écarté")

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="match_decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = EncryptedCharField(_("raison"), max_length=500, blank=True)
    decided_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bilan", "code_rome"], name="careers_match_decision")
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.code_rome}"


class CareerOptionKind(models.TextChoices):
    ROME = "rome", _("métier du ROME")
    FREE = "free", _("métier hors ROME")
    BUSINESS = "business", _("création ou reprise d'activité")
    TRAINING = "training", _("parcours de formation")


class CareerOptionStatus(models.TextChoices):
    TO_EXPLORE = "to_explore", _("à explorer")
    EXPLORING = "exploring", _("en cours d'exploration")
    RETAINED = "retained", _("retenue")
    DISCARDED = "discarded", _("écartée")
    ALTERNATIVE = "alternative", _("alternative")


class CareerOptionOrigin(models.TextChoices):
    FICHE = "fiche", _("depuis une fiche métier")
    MATCH = "match", _("depuis le rapprochement")
    FREE = "free", _("saisie libre")


class CareerOption(Content, MetierSnapshot):
    """A piste professionnelle of the bilan."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="career_options")
    kind = models.CharField(_("type"), max_length=20, choices=CareerOptionKind.choices)
    origin = models.CharField(max_length=10, choices=CareerOptionOrigin.choices)
    title = EncryptedCharField(_("intitulé"), max_length=300)
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=CareerOptionStatus.choices,
        default=CareerOptionStatus.TO_EXPLORE,
    )
    attraction = EncryptedTextField(_("ce qui attire"), blank=True)
    fit_competences = EncryptedTextField(_("adéquation avec les compétences"), blank=True)
    fit_interests = EncryptedTextField(_("adéquation avec les intérêts"), blank=True)
    fit_values = EncryptedTextField(_("adéquation avec les valeurs"), blank=True)
    fit_constraints = EncryptedTextField(_("adéquation avec les contraintes"), blank=True)
    advantages = EncryptedTextField(_("avantages"), blank=True)
    drawbacks = EncryptedTextField(_("inconvénients"), blank=True)
    training_needed = EncryptedTextField(_("formation nécessaire"), blank=True)
    duration = EncryptedCharField(_("durée"), max_length=200, blank=True)
    cost = EncryptedCharField(_("coût"), max_length=200, blank=True)
    funding = EncryptedTextField(_("financement"), blank=True)
    market_notes = EncryptedTextField(_("marché du travail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class CareerOptionStatusChange(Content):
    """Each change of a piste's status, with its reason (the history is never rewritten)."""

    bilan_path = "career_option__bilan"

    career_option = models.ForeignKey(
        CareerOption, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=CareerOptionStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CareerOptionStatus.choices)
    reason = EncryptedTextField(_("raison"))
    enquete = models.ForeignKey(  # when an enquête's conclusion prompted the change
        "EnqueteMetier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "id"]


class ProjectValidation(Content):
    """The beneficiary's explicit, dated validation of the projet principal and its
    alternatives (seed 004, entretien de validation du projet professionnel). A later
    validation supersedes an earlier one; none is ever edited."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="project_validations")
    principal = models.ForeignKey(CareerOption, on_delete=models.PROTECT, related_name="+")
    alternatives = models.ManyToManyField(CareerOption, blank=True, related_name="+")
    statement = EncryptedTextField(_("en mes mots"), blank=True)
    validated_at = models.DateTimeField(auto_now_add=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-validated_at", "-id"]


class EnqueteStatus(models.TextChoices):
    PLANNED = "planned", _("prévue")
    HELD = "held", _("réalisée")
    CANCELLED = "cancelled", _("annulée")


class EnqueteConclusion(models.TextChoices):
    NONE = "", _("pas encore de conclusion")
    CONFIRMS = "confirms", _("conforte la piste")
    NUANCES = "nuances", _("nuance la piste")
    CONTRADICTS = "contradicts", _("remet en cause la piste")


class EnqueteFormat(models.TextChoices):
    IN_PERSON = "in_person", _("rencontre sur place")
    VIDEO = "video", _("visio")
    PHONE = "phone", _("téléphone")
    WRITTEN = "written", _("échange écrit")


class EnqueteMetier(Content):
    """An enquête métier with a professional, for a piste: plan, grid, meeting, findings."""

    bilan_path = "career_option__bilan"

    career_option = models.ForeignKey(
        CareerOption, on_delete=models.CASCADE, related_name="enquetes"
    )
    # The professional: a name, or an anonymous description.
    contact_name = EncryptedCharField(_("nom (ou description anonyme)"), max_length=200)
    contact_role = EncryptedCharField(_("fonction"), max_length=200, blank=True)
    contact_organisation = EncryptedCharField(_("structure"), max_length=200, blank=True)
    found_through = EncryptedCharField(_("comment je l'ai trouvé·e"), max_length=300, blank=True)
    contact_channel = EncryptedCharField(_("moyen de contact"), max_length=200, blank=True)
    questions = EncryptedJSONField(default=list)  # the question grid, editable
    status = models.CharField(max_length=20, choices=EnqueteStatus.choices, default="planned")
    planned_on = models.DateField(_("prévue le"), null=True, blank=True)
    held_on = models.DateField(_("réalisée le"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=20, choices=EnqueteFormat.choices, blank=True)
    duration_minutes = models.PositiveIntegerField(_("durée (minutes)"), null=True, blank=True)
    answers = EncryptedJSONField(default=dict, blank=True)  # {question index: answer}
    findings = EncryptedTextField(_("ce que j'ai appris"), blank=True)
    confirmed = EncryptedTextField(_("représentations confirmées"), blank=True)
    contradicted = EncryptedTextField(_("représentations contredites"), blank=True)
    conclusion = models.CharField(
        _("conclusion"), max_length=20, choices=EnqueteConclusion.choices, blank=True
    )
    debrief_entretien = models.ForeignKey(  # the entretien where it was debriefed
        "entretiens.Entretien",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enquetes_debriefed",
    )
    debrief_note = EncryptedTextField(_("débriefing"), blank=True)
    assignment = models.ForeignKey(
        "entretiens.Assignment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enquetes",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["planned_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("planned_on"), name="enquete_planned_on_in_window"
            ),
            models.CheckConstraint(
                condition=in_db_date_window("held_on"), name="enquete_held_on_in_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_name} — {self.career_option}"
