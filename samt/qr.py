"""QR codes drawn as inline SVG, so pages and PDFs carry them without fetching anything."""

from __future__ import annotations

import segno
from django.utils.functional import lazy


def qr_svg(data: str, *, scale: int = 4) -> str:
    return segno.make(data, error="m").svg_inline(scale=scale, dark="#000", light="#fff")


# A code drawn only when a page renders it. Choosing a code's mask pattern takes segno about 10 ms of CPU (it tries
# all eight), and a slip's context offers both of its codes while each page shows at most one: the slip page the
# verify code, the printed slip the pay code, the payment's result page neither.
qr_svg_when_shown = lazy(qr_svg, str)
