"""`python manage.py demo`: realistic French demo data, safe to run again.

Organisations are found by slug and people by e-mail; a demo bilan is created only if its
beneficiary has none yet. Bilans move through their lifecycle with the real model methods
(bilan.demo.scenario), so the demo never holds a state the rules would refuse.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from bilan.accounts.models import User
from bilan.bilans.actions import create_bilan
from bilan.bilans.models import (
    Bilan,
    ConsentMethod,
    Format,
    FundingRoute,
    Situation,
    Status,
    StopReason,
)
from bilan.billing import demo as billing_demo
from bilan.careers import enquetes, interests, matches, pistes, research
from bilan.careers.referential import import_for_demo
from bilan.demo.scenario import advance_to, book_free
from bilan.entretiens.models import Modality
from bilan.organisations.models import Membership, Organisation, Role

PASSWORD = "demo-bilan-2026"
# The « scanned » signed paper consent form of the demo (a minimal PDF).
DEMO_SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ORGANISATIONS = {
    "demo-cap-avenir": dict(
        name="Cap Avenir Conseil",
        siret="84321765400014",
        nda="84691789469",
        qualiopi_certificate="FR-QUALIOPI-BC-2024-06871",
        qualiopi_expires_on=dt.date(2027, 9, 30),
        address="27 rue de la République\n69002 Lyon",
    ),
    "demo-horizon": dict(
        name="Horizon Orientation",
        siret="51987432500011",
        nda="52440678944",
        qualiopi_certificate="FR-QUALIOPI-BC-2023-11402",
        qualiopi_expires_on=dt.date(2027, 3, 31),
        address="8 quai de la Fosse\n44000 Nantes",
    ),
}

# (organisation slug, e-mail, first name, last name, role)
STAFF = [
    ("demo-cap-avenir", "admin@demo.test", "Hélène", "Garnier", Role.ADMIN),
    ("demo-cap-avenir", "consultante@demo.test", "Claire", "Martin", Role.CONSULTANT),
    ("demo-cap-avenir", "consultant@demo.test", "Julien", "Bernard", Role.CONSULTANT),
    ("demo-horizon", "admin@horizon.demo.test", "Nathalie", "Roux", Role.ADMIN),
    ("demo-horizon", "consultant@horizon.demo.test", "Paul", "Lemaire", Role.CONSULTANT),
]


@dataclass(frozen=True)
class DemoBilan:
    org: str
    email: str
    first_name: str
    last_name: str
    consultant: str
    status: str
    situation: str
    situation_detail: str
    funding_route: str
    funding_reference: str
    format: str
    request_text: str
    stage_note: str = ""
    # Left in « demande » with a signed paper form recorded, for the consultant to start.
    paper_consent: bool = False
    # Entretiens still to come in the current phase: (days from today, minutes, title);
    # a negative day is an overdue one, never marked held.
    planned: tuple[tuple[int, int, str], ...] = ()
    # Documentary research, pistes and an enquête métier (investigation phase).
    careers: bool = False


BILANS = [
    DemoBilan(
        org="demo-cap-avenir",
        email="beneficiaire@demo.test",
        first_name="Sophie",
        last_name="Lefèvre",
        consultant="consultante@demo.test",
        status=Status.PRELIMINARY,
        situation=Situation.EMPLOYEE,
        situation_detail="Comptable dans une PME de transport",
        funding_route=FundingRoute.CPF,
        funding_reference="62140983552",
        format=Format.MIXED,
        request_text=(
            "Je suis comptable depuis douze ans et je ne me vois pas faire ça jusqu'à la "
            "retraite. J'aimerais comprendre ce qui me motive vraiment et savoir si une "
            "reconversion dans les ressources humaines est réaliste."
        ),
        stage_note="modalités à co-valider par la bénéficiaire",
        planned=((3, 120, "Tests d'intérêts professionnels"),),
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="beneficiaire.demande@demo.test",
        first_name="Marc",
        last_name="Dubois",
        consultant="consultante@demo.test",
        status=Status.ENQUIRY,
        situation=Situation.EMPLOYEE,
        situation_detail="Préparateur de commandes en entrepôt",
        funding_route=FundingRoute.EMPLOYER_PLAN,
        funding_reference="Convention CAP-2026-041",
        format=Format.IN_PERSON,
        request_text=(
            "Après vingt ans dans la logistique, mon dos ne suit plus. Mon employeur me propose "
            "ce bilan pour réfléchir à une évolution, peut-être vers le soin ou l'accompagnement "
            "des personnes."
        ),
        stage_note="consentement papier enregistré, phase préliminaire à commencer",
        paper_consent=True,
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="nadia.benali@demo.test",
        first_name="Nadia",
        last_name="Benali",
        consultant="consultant@demo.test",
        status=Status.ENQUIRY,
        situation=Situation.JOB_SEEKER,
        situation_detail="Ancienne assistante commerciale, licenciement économique",
        funding_route=FundingRoute.FRANCE_TRAVAIL,
        funding_reference="AIF 2026-69-08817",
        format=Format.REMOTE,
        request_text=(
            "J'ai été licenciée en septembre. Je voudrais profiter de cette période pour faire le"
            " point et ne pas repartir sur le même poste par défaut."
        ),
        stage_note="demande reçue, consentement à recueillir",
        planned=((2, 60, "Premier rendez-vous d'information"),),
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="camille.rousseau@demo.test",
        first_name="Camille",
        last_name="Rousseau",
        consultant="consultante@demo.test",
        status=Status.INVESTIGATION,
        situation=Situation.SELF_EMPLOYED,
        situation_detail="Graphiste indépendante depuis 2017",
        funding_route=FundingRoute.PERSONAL,
        funding_reference="Devis CAP-D-2026-027",
        format=Format.REMOTE,
        request_text=(
            "Mon activité de graphiste s'essouffle et je me sens isolée. Je me demande si je dois"
            " redevenir salariée ou me diversifier, par exemple vers la formation."
        ),
        stage_note="un entretien en retard à régulariser",
        planned=((-2, 120, "Enquête métier : formatrice"), (4, 120, "Retour sur les enquêtes")),
        careers=True,
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="karim.haddad@demo.test",
        first_name="Karim",
        last_name="Haddad",
        consultant="consultant@demo.test",
        status=Status.CONCLUSIONS,
        situation=Situation.EMPLOYEE,
        situation_detail="Technicien de maintenance industrielle",
        funding_route=FundingRoute.OPCO,
        funding_reference="OPCO 2i, prise en charge 26-114580",
        format=Format.IN_PERSON,
        request_text=(
            "On me propose de devenir chef d'équipe mais je ne suis pas sûr d'avoir envie de "
            "manager. Je veux vérifier que c'est le bon choix avant de dire oui."
        ),
        planned=((5, 60, "Remise du document de synthèse"),),
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="emilie.laurent@demo.test",
        first_name="Émilie",
        last_name="Laurent",
        consultant="consultante@demo.test",
        status=Status.CLOSED,
        situation=Situation.EMPLOYEE,
        situation_detail="Infirmière en service de nuit",
        funding_route=FundingRoute.CPF,
        funding_reference="51873046221",
        format=Format.MIXED,
        request_text=(
            "Le travail de nuit m'épuise. J'aimerais rester dans la santé mais avec d'autres "
            "horaires, peut-être en prévention ou en santé au travail."
        ),
        stage_note="entretien de suivi accepté",
        planned=((180, 60, "Entretien de suivi à 6 mois"),),
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="antoine.girard@demo.test",
        first_name="Antoine",
        last_name="Girard",
        consultant="consultant@demo.test",
        status=Status.FOLLOW_UP,
        situation=Situation.JOB_SEEKER,
        situation_detail="Ancien conducteur de travaux",
        funding_route=FundingRoute.FRANCE_TRAVAIL,
        funding_reference="AIF 2026-69-05521",
        format=Format.IN_PERSON,
        request_text=(
            "Après un accident de chantier je ne peux plus travailler sur le terrain. Je cherche "
            "un métier où mon expérience du BTP sera utile."
        ),
        planned=((6, 60, "Entretien de suivi"),),
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="isabelle.petit@demo.test",
        first_name="Isabelle",
        last_name="Petit",
        consultant="consultante@demo.test",
        status=Status.ARCHIVED,
        situation=Situation.EMPLOYEE,
        situation_detail="Assistante de direction",
        funding_route=FundingRoute.EMPLOYER_PLAN,
        funding_reference="Convention CAP-2025-112",
        format=Format.IN_PERSON,
        request_text=(
            "Je veux préparer la suite de ma carrière : évoluer vers un poste d'office manager ou"
            " reprendre une formation diplômante."
        ),
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="lucas.fontaine@demo.test",
        first_name="Lucas",
        last_name="Fontaine",
        consultant="consultant@demo.test",
        status=Status.INTERRUPTED,
        situation=Situation.EMPLOYEE,
        situation_detail="Commercial terrain dans l'agroalimentaire",
        funding_route=FundingRoute.CPF,
        funding_reference="73920518846",
        format=Format.MIXED,
        request_text=(
            "Je passe ma vie sur la route et je n'y trouve plus de sens. J'aimerais savoir vers "
            "quoi je pourrais aller avec mon expérience de la vente."
        ),
        stage_note="en phase d'investigation, motif : santé",
    ),
    DemoBilan(
        org="demo-cap-avenir",
        email="chloe.mercier@demo.test",
        first_name="Chloé",
        last_name="Mercier",
        consultant="consultante@demo.test",
        status=Status.ABANDONED,
        situation=Situation.SELF_EMPLOYED,
        situation_detail="Fleuriste à son compte",
        funding_route=FundingRoute.PERSONAL,
        funding_reference="Devis CAP-D-2026-033",
        format=Format.IN_PERSON,
        request_text=(
            "Ma boutique ne me permet plus d'en vivre. Je voudrais savoir quelles compétences je "
            "peux valoriser ailleurs."
        ),
        stage_note="en phase préliminaire, motif : reprise d'emploi",
    ),
    DemoBilan(
        org="demo-horizon",
        email="lea.fabre@horizon.demo.test",
        first_name="Léa",
        last_name="Fabre",
        consultant="consultant@horizon.demo.test",
        status=Status.INVESTIGATION,
        situation=Situation.EMPLOYEE,
        situation_detail="Professeure des écoles",
        funding_route=FundingRoute.CPF,
        funding_reference="60418827395",
        format=Format.REMOTE,
        request_text=(
            "Je suis professeure des écoles depuis dix ans et j'envisage de quitter l'Éducation "
            "nationale. J'aimerais savoir quels métiers pourraient me convenir."
        ),
        planned=((3, 120, "Pistes professionnelles"),),
    ),
]

# Interrupted and abandoned bilans stop at a step of the normal path, with a reason category.
STOPS: dict[str, tuple[Status, StopReason]] = {
    Status.INTERRUPTED: (Status.INVESTIGATION, StopReason.HEALTH),
    Status.ABANDONED: (Status.PRELIMINARY, StopReason.EMPLOYMENT),
}


ROLE_ORDER: list[str] = [Role.ADMIN, Role.CONSULTANT, Role.BENEFICIARY]


def feature_seeds() -> list[Callable[[Organisation], None]]:
    """The demo data of features that name it on their AppConfig (`demo_seed`, a dotted path):
    found at run time, so the demo imports none of them (no import cycle through it)."""
    seeds = []
    for config in apps.get_app_configs():
        dotted = getattr(config, "demo_seed", None)
        if dotted:
            seeds.append(import_string(dotted))
    return seeds


def as_member(user: User, org: Organisation) -> User:
    """`user` with the `membership` attribute the model methods read (as the middleware sets)."""
    user.membership = Membership.objects.select_related("organisation").get(
        user=user, organisation=org
    )
    return user


class Command(BaseCommand):
    help = "Load the demo organisations, people and bilans (idempotent) and print the logins."

    def handle(self, *args: object, **options: object) -> None:
        # The métiers referential first: the full ROME folder when present, else the fixture.
        import_for_demo(self.stdout if options["verbosity"] else io.StringIO())
        self.password = make_password(PASSWORD)  # hashed once: every demo account shares it
        with transaction.atomic():
            orgs = {
                slug: Organisation.objects.get_or_create(slug=slug, defaults=values)[0]
                for slug, values in ORGANISATIONS.items()
            }
            for slug, email, first, last, role in STAFF:
                self.member(orgs[slug], email, first, last, role)
            created = [spec for spec in BILANS if self.bilan(orgs[spec.org], spec)]
            billing_demo.seed(orgs, password=self.password)
            for org in orgs.values():
                for seed in feature_seeds():
                    seed(org)
        if options["verbosity"]:
            self.summary(orgs, created)

    def member(self, org: Organisation, email: str, first: str, last: str, role: str) -> User:
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={"first_name": first, "last_name": last, "password": self.password},
        )
        Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": role})
        return user

    def bilan(self, org: Organisation, spec: DemoBilan) -> bool:
        """Create and advance the demo bilan of `spec` unless its beneficiary already has one."""
        beneficiary = self.member(
            org, spec.email, spec.first_name, spec.last_name, Role.BENEFICIARY
        )
        if Bilan.objects.filter(beneficiary=beneficiary).exists():
            return False
        consultant = as_member(User.objects.get(email=spec.consultant), org)
        admin_membership = Membership.objects.filter(organisation=org, role=Role.ADMIN).first()
        if admin_membership is None:
            raise CommandError(f"The demo organisation {org.slug} has no admin.")
        admin = admin_membership.user
        bilan = create_bilan(
            acting_user=admin,
            organisation=org,
            email=spec.email,
            first_name=spec.first_name,
            last_name=spec.last_name,
            situation=spec.situation,
            situation_detail=spec.situation_detail,
            request_text=spec.request_text,
            funding_route=spec.funding_route,
            funding_reference=spec.funding_reference,
            format=spec.format,
            consultant=consultant,
        )
        # Opened before the first entretien the scenario holds (60 days ago), or lately.
        days_ago = 4 if spec.status == Status.ENQUIRY else 70
        opened = timezone.localdate() - dt.timedelta(days=days_ago)
        Bilan.objects.filter(pk=bilan.pk).update(opened_on=opened)
        bilan.refresh_from_db()

        if spec.paper_consent:
            bilan.record_consent(
                by=consultant,
                method=ConsentMethod.PAPER,
                scan=SimpleUploadedFile(
                    "consentement-signe.pdf", DEMO_SCAN, content_type="application/pdf"
                ),
            )
            bilan.plan_hours(by=consultant, accompaniment_minutes=18 * 60, personal_minutes=6 * 60)
        elif spec.status in STOPS:
            step, reason = STOPS[spec.status]
            advance_to(bilan, step)
            stop = bilan.interrupt if spec.status == Status.INTERRUPTED else bilan.abandon
            stop(by=consultant, reason=reason)
        elif spec.status != Status.ENQUIRY:
            # The preliminary demo waits for the beneficiary's half of the co-validation.
            advance_to(bilan, spec.status, beneficiary_validates=spec.status != Status.PRELIMINARY)

        for days, minutes, title in spec.planned:
            day = timezone.localdate() + dt.timedelta(days=days)
            book_free(
                bilan,
                day,
                by=consultant,
                phase=bilan.current_phase or "",
                planned_minutes=minutes,
                modality=Modality.VIDEO if spec.format == Format.REMOTE else Modality.IN_PERSON,
                title=title,
            )
        if spec.careers:
            self.careers(bilan, consultant)
        return True

    def careers(self, bilan: Bilan, consultant: User) -> None:
        """Camille's exploration: centres d'intérêt, two fiches kept, a piste from one of them
        with an enquête planned, and a reviewed matching the beneficiary can read. Codes that
        exist in the full ROME and in the test fixture, so the demo works with either."""

        beneficiary = bilan.beneficiary
        beneficiary.membership = beneficiary.memberships.get(organisation=bilan.organisation)
        interests.save_interest_sort(
            bilan=bilan, by=beneficiary, chosen=[4, 7, 24, 30], ranked=[24, 7, 30]
        )
        research.save_fiche(
            bilan=bilan,
            by=beneficiary,
            code_rome="E1205",
            attracts="Je connais le métier, j'aime la création visuelle.",
            worries="L'isolement du travail en indépendante.",
        )
        saved, _ = research.save_fiche(
            bilan=bilan,
            by=beneficiary,
            code_rome="K2111",
            attracts="Transmettre ce que je sais, travailler avec un groupe.",
            worries="Prendre la parole devant un groupe d'adultes.",
            questions="Faut-il un titre professionnel de formateur ?",
        )
        option = pistes.create_from_saved_fiche(bilan=bilan, by=consultant, saved_fiche_id=saved.pk)
        pistes.change_status(
            option=option,
            by=consultant,
            to_status="exploring",
            reason="Deux enquêtes métier à mener avant le prochain entretien.",
        )
        enquetes.plan_enquete(
            option=option,
            by=beneficiary,
            contact_name="Une formatrice PAO dans un organisme de formation",
            contact_role="Formatrice en arts graphiques",
            found_through="Ancienne cliente, par LinkedIn",
            contact_channel="Courriel",
            planned_on=timezone.localdate() + dt.timedelta(days=3),
        )
        run = matches.compute_run(bilan=bilan, by=consultant)
        matches.review_run(run=run, by=consultant)

    def summary(self, orgs: dict[str, Organisation], created: list[DemoBilan]) -> None:
        bilans = Bilan.objects.filter(organisation__in=orgs.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration prêtes / demo data ready: {len(orgs)} organismes, "
                f"{bilans.count()} bilans ({len(created)} créés / created now)."
            )
        )
        self.stdout.write(
            f"Mot de passe de tous les comptes / password for every account: {PASSWORD}"
        )
        self.stdout.write("")
        rows = [("E-mail", "Rôle / role", "Organisme", "Étape / stage")]
        memberships = sorted(
            Membership.objects.filter(organisation__in=orgs.values()).select_related(
                "user", "organisation"
            ),
            key=lambda m: (m.organisation.name, ROLE_ORDER.index(m.role), m.pk),
        )
        for m in memberships:
            rows.append((m.user.email, m.get_role_display(), m.organisation.name, self.stage(m)))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
            cells.append(row[3])
            self.stdout.write("  ".join(cells))

    def stage(self, membership: Membership) -> str:
        bilans = Bilan.objects.filter(organisation=membership.organisation)
        if membership.role == Role.ADMIN:
            return "tous les bilans de l'organisme"
        if membership.role == Role.CONSULTANT:
            n = bilans.filter(consultant=membership.user).count()
            return f"{n} bilan suivi" if n == 1 else f"{n} bilans suivis"
        bilan = bilans.filter(beneficiary=membership.user).first()
        if bilan is None:
            return "—"
        note = next((b.stage_note for b in BILANS if b.email == membership.user.email), "")
        return f"{bilan.get_status_display()} ({note})" if note else bilan.get_status_display()
