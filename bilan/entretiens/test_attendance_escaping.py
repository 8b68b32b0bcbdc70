"""The attendance sheet's page footer is a CSS string: names with an apostrophe print as typed."""

import io

from pypdf import PdfReader

from bilan.entretiens.attendance import attendance_sheet_pdf


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_footer_prints_apostrophes_not_javascript_escapes(cast):
    cast.org.name = "L'Atelier d'Orientation"
    cast.org.save()
    cast.beneficiary.first_name, cast.beneficiary.last_name = "Léa", "O'Neil"
    cast.beneficiary.save()
    cast.bilan.refresh_from_db()
    text = pdf_text(attendance_sheet_pdf(cast.bilan))
    assert "u0027" not in text and "\\" not in text
    footer = "L'Atelier d'Orientation — Feuille d’émargement — Léa O'Neil"
    assert footer in text.replace("\u2019", "’")
