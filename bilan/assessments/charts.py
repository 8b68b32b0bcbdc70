"""Server-side SVG charts of results (pure functions: scores in, markup out).

Every label is escaped; the charts carry a <title> and a <desc> for screen readers, and the
same figures are always given in a table beside them.
"""

from __future__ import annotations

import math
from html import escape

RIASEC = "RIASEC"


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" class="chart">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


def riasec_hexagon(
    raw: dict[str, int], names: dict[str, str], *, low: int = 8, high: int = 40
) -> str:
    """The six types on Holland's hexagon (R I A S E C clockwise), the profile as a polygon."""
    size, cx, cy, radius = 320, 160, 160, 110
    angle = {t: -math.pi / 2 + i * math.pi / 3 for i, t in enumerate(RIASEC)}

    def point(t: str, fraction: float) -> tuple[float, float]:
        return cx + radius * fraction * math.cos(angle[t]), cy + radius * fraction * math.sin(
            angle[t]
        )

    body = []
    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(t, ring) for t in RIASEC))
        body.append(f'<polygon points="{pts}" fill="none" stroke="#c9ced6" stroke-width="1"/>')
    for t in RIASEC:
        x, y = point(t, 1.0)
        body.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#c9ced6"/>')
        lx, ly = point(t, 1.22)
        body.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" dominant-baseline="middle" '
            f'font-size="13" font-family="DejaVu Sans, sans-serif">'
            f'<tspan font-weight="bold">{escape(t)}</tspan> {raw.get(t, 0)}</text>'
        )
    span = max(high - low, 1)
    profile = " ".join(
        f"{x:.1f},{y:.1f}"
        for x, y in (point(t, max(0.0, (raw.get(t, low) - low) / span)) for t in RIASEC)
    )
    body.append(
        f'<polygon points="{profile}" fill="#2b6cb0" fill-opacity="0.35" stroke="#2b6cb0" '
        'stroke-width="2" class="profile"/>'
    )
    desc = ", ".join(f"{names.get(t, t)} {raw.get(t, 0)}" for t in RIASEC)
    return _svg(size, size, "Profil d'intérêts RIASEC", desc, body)


def bars(
    rows: list[tuple[str, float, float, float]],
    *,
    title: str,
    marker: float | None = None,
) -> str:
    """Horizontal bars: (label, value, minimum, maximum) per row; an optional reference line
    (e.g. the norm mean, T = 50) on a shared scale."""
    width, label_w, bar_w, row_h = 560, 230, 280, 26
    height = row_h * len(rows) + 10
    body = []
    for i, (label, value, low, high) in enumerate(rows):
        y = 5 + i * row_h
        fraction = 0.0 if high <= low else min(max((value - low) / (high - low), 0.0), 1.0)
        body.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="12" '
            f'font-family="DejaVu Sans, sans-serif">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="16" fill="#edf0f4"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w * fraction:.1f}" height="16" fill="#2b6cb0" class="bar"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 16}" font-size="12" '
            f'font-family="DejaVu Sans, sans-serif">{value:g}</text>'
        )
    if marker is not None and rows:
        low, high = rows[0][2], rows[0][3]
        x = label_w + bar_w * (marker - low) / (high - low)
        body.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#744210" stroke-dasharray="4 3"/>'
        )
    desc = ", ".join(f"{label} {value:g}" for label, value, _low, _high in rows)
    return _svg(width, height, title, desc, body)
