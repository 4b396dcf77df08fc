"""QR codes drawn as inline SVG, so pages and PDFs carry them without fetching anything."""

from __future__ import annotations

import segno


def qr_svg(data: str, *, scale: int = 4) -> str:
    return segno.make(data, error="m").svg_inline(scale=scale, dark="#000", light="#fff")
