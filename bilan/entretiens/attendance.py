"""Attendance proof (émargement, REQ-21): who signs for a held entretien, how a signature is
checked and stored, and the per-bilan attendance sheet PDF a funder may receive.

An Attendance row holds a signature and its circumstances (time, hashed IP, user agent),
never any content of the bilan; the sheet shows dates, times, durations, phases and names.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import mimetypes
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.models import Bilan, Phase, RuleViolation
from bilan.entretiens.models import (
    Attendance,
    AttendancePolicy,
    Entretien,
    EntretienStatus,
    Modality,
    SignatureMethod,
    SignerRole,
    policy_for,
)
from bilan.lib.net import client_ip, client_ua, hash_ip  # noqa: F401 - re-exported for views
from bilan.lib.render import render_pdf

PNG_DATA_URL = "data:image/png;base64,"
MAX_SIGNATURE_BYTES = 200 * 1024
MAX_SIGNATURE_SIDE = 4000  # pixels; a pad is a few hundred wide, this refuses decompression bombs


def entretien_for(user, pk: int) -> Entretien:
    """The entretien `pk` if its bilan is visible to `user` (see Bilan.objects.for_user), else 404."""
    try:
        return (
            Entretien.objects.select_related(
                "bilan__beneficiary", "bilan__consultant", "bilan__organisation", "guide"
            )
            .filter(bilan__in=Bilan.objects.for_user(user))
            .get(pk=pk)
        )
    except (Entretien.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def role_of(entretien: Entretien, user) -> str | None:
    """The role in which `user` signs for `entretien`: beneficiary, assigned consultant, or None."""
    if user.pk == entretien.bilan.beneficiary_id:
        return SignerRole.BENEFICIARY
    if user.pk == entretien.bilan.consultant_id:
        return SignerRole.CONSULTANT
    return None


def regularisation_hours(entretien: Entretien) -> int:
    """The organisation's delay, in force on the entretien's day (AttendancePolicy)."""
    return policy_for(entretien).regularisation_hours


def ended_at(entretien: Entretien) -> dt.datetime:
    """The end the régularisation delay counts from: the real one, else the planned one."""
    return entretien.actual_end or entretien.ends_at


def times(entretien: Entretien) -> tuple[dt.datetime, dt.datetime]:
    """Start and end as delivered (real times, else the start plus the held duration)."""
    start = entretien.actual_start or entretien.starts_at
    if entretien.actual_end:
        return start, entretien.actual_end
    minutes = entretien.held_minutes or entretien.planned_minutes
    return start, start + dt.timedelta(minutes=minutes)


def is_regularisation(entretien: Entretien, signed_at: dt.datetime) -> bool:
    """A signature collected more than the organisation's N hours after the end (REQ-21)."""
    delay = dt.timedelta(hours=regularisation_hours(entretien))
    return signed_at > ended_at(entretien) + delay


def check_drawn(signature_image: str) -> None:
    """A PNG data URL, decodable, under the size cap, with at least one visible stroke."""
    if not signature_image:
        raise RuleViolation(
            _t("Signez dans le cadre avant de valider (la signature est vide)."), code="invalid"
        )
    if not signature_image.startswith(PNG_DATA_URL):
        raise RuleViolation(_t("La signature doit être une image PNG."), code="invalid")
    encoded = signature_image[len(PNG_DATA_URL) :]
    if len(encoded) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        raise RuleViolation(_t("L'image de la signature dépasse 200 Ko."), code="invalid")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise RuleViolation(
            _t("L'image de la signature est illisible (PNG base64 attendu)."), code="invalid"
        ) from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise RuleViolation(_t("L'image de la signature dépasse 200 Ko."), code="invalid")
    if is_blank_png(raw):
        raise RuleViolation(
            _t("Signez dans le cadre avant de valider (la signature est vide)."), code="invalid"
        )


def is_blank_png(raw: bytes) -> bool:
    """True for an empty canvas (transparent or plain white); unreadable images are refused."""
    from PIL import Image, UnidentifiedImageError  # Pillow comes with WeasyPrint

    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG":
                raise RuleViolation(_t("La signature doit être une image PNG."), code="invalid")
            if max(image.size) > MAX_SIGNATURE_SIDE:
                raise RuleViolation(_t("L'image de la signature est trop grande."), code="invalid")
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise RuleViolation(
            _t("L'image de la signature est illisible (PNG base64 attendu)."), code="invalid"
        ) from None
    # Flatten on white: a stroke is any pixel that is not (nearly) white once flattened.
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    darkest, _lightest = flat.convert("L").getextrema()
    return darkest >= 250


def sign_attendance(
    *,
    entretien: Entretien,
    signer,
    method: str,
    signature_image: str = "",
    typed_name: str = "",
    confirmed: bool = False,
    ip: str = "",
    user_agent: str = "",
    acting_user=None,
    role: str | None = None,
    at: dt.datetime | None = None,
    regularisation_reason: str = "",
    session: str = "",
) -> Attendance:
    """Record `signer`'s signature for a held entretien, once per role (REQ-21).

    Everyone signs for themself. The one exception is an in-person entretien, where the
    beneficiary may sign on the consultant's device: `acting_user` is then the consultant.
    `role`, when given, is the role the caller claims to sign as. `session` identifies the
    signer's session (the session key, or the API token): kept as a keyed hash, with the
    hashed address, the device and the time. More than N hours after the end (the
    organisation's AttendancePolicy, 24 h by default), the signature is a « régularisation »
    and needs `regularisation_reason`; several entretiens signed by one person within the
    policy's window are flagged as bulk signing. `at` is for the demo
    recording an entretien of the past as it happened: no page or API operation passes it,
    and it can be neither in the future nor before the entretien started.
    """
    acting_user = acting_user or signer
    bilan = entretien.bilan
    signer_role = role_of(entretien, signer)
    on_consultant_device = (
        acting_user.pk != signer.pk
        and acting_user.pk == bilan.consultant_id
        and signer_role == SignerRole.BENEFICIARY
        and entretien.modality == Modality.IN_PERSON
    )
    if (
        signer_role is None
        or (role and role != signer_role)
        or (acting_user.pk != signer.pk and not on_consultant_device)
    ):
        raise RuleViolation(_t("Vous ne pouvez signer que pour vous-même."), code="forbidden")

    if method == SignatureMethod.DRAWN:
        check_drawn(signature_image)
        typed_name = ""
    elif method == SignatureMethod.TYPED:
        typed_name = " ".join(typed_name.split())
        if not typed_name:
            raise RuleViolation(_t("Saisissez votre nom pour signer."), code="invalid")
        if len(typed_name) > Attendance._meta.get_field("typed_name").max_length:
            raise RuleViolation(_t("Ce nom est trop long."), code="invalid")
        if not confirmed:
            raise RuleViolation(
                _t("Cochez la case de confirmation pour signer avec votre nom."), code="invalid"
            )
        signature_image = ""
    else:
        raise RuleViolation(
            _t("Choisissez une manière de signer : tracée ou nom saisi."), code="invalid"
        )

    with transaction.atomic():
        locked = Entretien.objects.select_for_update().get(pk=entretien.pk)
        if locked.status != EntretienStatus.HELD:
            raise RuleViolation(
                _t("On ne signe l'émargement que d'un entretien tenu (celui-ci est « %(s)s »).")
                % {"s": locked.get_status_display()}
            )
        if locked.attendances.filter(signer_role=signer_role).exists():
            raise RuleViolation(already_signed(signer_role))
        locked.bilan = bilan
        signed_at = timezone.now()
        if at is not None:
            if at > signed_at or at < (locked.actual_start or locked.starts_at):
                raise RuleViolation(_t("Heure de signature impossible."), code="invalid")
            signed_at = at
        late = is_regularisation(locked, signed_at)
        reason = " ".join(regularisation_reason.split())[:300]
        if late and not reason:
            raise RuleViolation(
                _t(
                    "Cet entretien s'est terminé il y a plus de %(n)s heures : la signature est "
                    "une « régularisation », indiquez-en le motif."
                )
                % {"n": regularisation_hours(locked)},
                code="invalid",
            )
        window = dt.timedelta(seconds=policy_for(locked).bulk_window_seconds)
        nearby = Attendance.objects.filter(
            signer=signer,
            signed_at__gte=signed_at - window,
            signed_at__lte=signed_at + window,
        ).exclude(entretien=locked)
        bulk = nearby.exists()
        try:
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    entretien=locked,
                    signer=signer,
                    signer_role=signer_role,
                    method=method,
                    signature_image=signature_image,
                    typed_name=typed_name,
                    signed_at=signed_at,
                    ip_hash=hash_ip(ip),
                    user_agent=user_agent[: Attendance._meta.get_field("user_agent").max_length],
                    regularisation=late,
                    regularisation_reason=reason if late else "",
                    session_hash=hash_ip(session) if session else "",
                    submitted_by=acting_user if acting_user.pk != signer.pk else None,
                    bulk=bulk,
                )
                if bulk:  # the earlier ones of the burst are flagged too
                    nearby.update(bulk=True)
                return attendance
        except IntegrityError:  # a concurrent signature for the same role won the race
            raise RuleViolation(already_signed(signer_role)) from None


def already_signed(role: str) -> str:
    if role == SignerRole.BENEFICIARY:
        return _t("Le ou la bénéficiaire a déjà signé l'émargement de cet entretien.")
    return _t("Le ou la consultant·e a déjà signé l'émargement de cet entretien.")


def signatures(entretien: Entretien) -> dict[str, Attendance | None]:
    """{"beneficiary": Attendance | None, "consultant": …} from prefetched or fresh rows."""
    found = {a.signer_role: a for a in entretien.attendances.all()}
    return {role: found.get(role) for role in SignerRole.values}


# ---- the attendance sheet PDF ---------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    entretien: Entretien
    label: str  # the guide interview's generic title, or the phase: never the free title
    start: dt.datetime
    end: dt.datetime
    minutes: int
    beneficiary: Attendance | None
    consultant: Attendance | None


def generic_label(entretien: Entretien) -> str:
    """The guide interview's title (the same for every bilan), else the phase.

    The entretien's own free title may say something about the person, so it never appears."""
    interview = entretien.guide.interview(entretien.interview_key) if entretien.guide else None
    if interview and interview.get("title"):
        return interview["title"]
    return str(entretien.get_phase_display())


def sheet_rows(bilan: Bilan) -> list[SheetRow]:
    rows = []
    held = (
        bilan.entretiens.filter(status=EntretienStatus.HELD)
        .select_related("guide")
        .prefetch_related("attendances")
        .order_by("starts_at", "id")
    )
    for entretien in held:
        start, end = times(entretien)
        signed = signatures(entretien)
        rows.append(
            SheetRow(
                entretien=entretien,
                label=generic_label(entretien),
                start=start,
                end=end,
                minutes=entretien.held_minutes,
                beneficiary=signed[SignerRole.BENEFICIARY],
                consultant=signed[SignerRole.CONSULTANT],
            )
        )
    return rows


def logo_data_url(organisation) -> str:
    """The organisation's logo inlined, so rendering never fetches a URL."""
    if not organisation.logo:
        return ""
    mime = mimetypes.guess_type(organisation.logo.name)[0] or "image/png"
    try:
        with organisation.logo.open("rb") as f:
            data = f.read()
    except OSError:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def attendance_sheet_pdf(bilan: Bilan) -> bytes:
    """The bilan's attendance sheet (feuille d'émargement), through the one PDF renderer."""
    rows = sheet_rows(bilan)
    follow_up = sum(r.minutes for r in rows if r.entretien.phase == Phase.FOLLOW_UP)
    organisation, name = bilan.organisation, bilan.beneficiary.get_full_name()
    return render_pdf(
        "documents/attendance_sheet.html",
        {
            "bilan": bilan,
            "organisation": bilan.organisation,
            "logo": logo_data_url(bilan.organisation),
            "rows": rows,
            "total_minutes": sum(r.minutes for r in rows),
            "accompaniment_minutes": sum(r.minutes for r in rows) - follow_up,
            "follow_up_minutes": follow_up,
            "fully_signed": sum(1 for r in rows if r.beneficiary and r.consultant),
            "generated_at": timezone.now(),
            "regularisation_hours": AttendancePolicy.in_force(
                bilan.organisation_id, timezone.localdate()
            ).regularisation_hours,
            "bulk": sum(
                1 for r in rows for a in (r.beneficiary, r.consultant) if a is not None and a.bulk
            ),
        },
        title=_t("Feuille d'émargement") + f" — {name}",
        author=organisation.name,
        footer=f"{organisation.name} — {_t('Feuille d’émargement')} — {name}",
    )


def sheet_filename(bilan: Bilan) -> str:
    return f"emargement-{bilan.reference or bilan.pk}.pdf"
