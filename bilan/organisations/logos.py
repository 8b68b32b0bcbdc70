"""The organisation's logo: the one upload shown to people outside the organisation.

It is a raster image only (PNG, JPEG or WebP), at most LOGO_MAX_BYTES, decoded and re-encoded
by Pillow as a PNG of at most LOGO_MAX_PIXELS on each side: nothing of the uploaded bytes
(script in an SVG, a polyglot, metadata) survives. Each new logo gets a new random name and the
old file is deleted, so a replaced logo is no longer reachable.
"""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _t
from PIL import Image, UnidentifiedImageError

from bilan.organisations.models import Organisation

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 1000
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}
# A decompression bomb (a tiny file that decodes to gigapixels) is refused before decoding.
DECODE_MAX_PIXELS = 40_000_000


def normalise_logo(upload: UploadedFile) -> ContentFile[bytes]:
    """The upload re-encoded as a clean PNG, or a ValidationError in French."""
    if upload.size is not None and upload.size > LOGO_MAX_BYTES:
        raise ValidationError(_t("Le logo dépasse 2 Mo : choisissez une image plus légère."))
    data = upload.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(_t("Le logo dépasse 2 Mo : choisissez une image plus légère."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in LOGO_FORMATS:
            raise ValidationError(_t("Le logo doit être une image PNG, JPEG ou WebP."))
        if width * height > DECODE_MAX_PIXELS:
            raise ValidationError(_t("Cette image est trop grande pour un logo."))
        with Image.open(io.BytesIO(data)) as decoded:
            decoded.load()
            image = decoded.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _t("Ce fichier n'est pas une image lisible : le logo doit être un PNG, JPEG ou WebP.")
        ) from None
    image.thumbnail((LOGO_MAX_PIXELS, LOGO_MAX_PIXELS))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name=f"{secrets.token_urlsafe(16)}.png")


def replace_logo(organisation: Organisation, logo: ContentFile[bytes] | None) -> None:
    """Store `logo` (already normalised) as the organisation's, deleting the previous file;
    None removes the logo."""
    previous = organisation.logo.name if organisation.logo else ""
    if logo is None:
        organisation.logo = ""
    else:
        organisation.logo.save(logo.name, logo, save=False)
    organisation.save(update_fields=["logo"])
    if previous and previous != organisation.logo.name:
        organisation.logo.storage.delete(previous)
