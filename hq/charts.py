"""Server-rendered SVG bar charts: no script, no library, readable right to left and on a phone.

A pure function of labels and numbers. Bars grow from the right edge (where Persian reading starts) toward the
left; in right-to-left text "start" is the right end, hence the anchors. Each row carries its label and its
value as text, so the chart says the same thing to a screen reader as the table under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from samt.persian import to_persian_digits

WIDTH = 400
LABEL_HEIGHT = 24
VALUE_WIDTH = 70
BAR_HEIGHT = 22
GAP = 10
COLOURS = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1")


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int]


def _fa_number(value: int) -> str:
    return to_persian_digits(f"{value:,}".replace(",", "\u066c"))


def bar_chart_svg(*, title: str, labels: list[str], series: list[Series]) -> str:
    """Grouped horizontal bars: one group per label (the label on its own line above its bars), one bar per
    series, so long branch names never collide with the bars on a phone."""
    peak = max((value for one in series for value in one.values), default=0) or 1
    group_height = LABEL_HEIGHT + len(series) * BAR_HEIGHT + GAP
    legend_height = 24 if len(series) > 1 else 0
    height = legend_height + max(len(labels), 1) * group_height + GAP
    span = WIDTH - VALUE_WIDTH
    # No style attribute (the Content-Security-Policy refuses inline styles): .report-chart in site.css keeps the
    # chart at most WIDTH pixels wide.
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'role="img" aria-label="{escape(title)}" class="report-chart" '
             'font-family="Vazirmatn, sans-serif" font-size="15">',
             f"<title>{escape(title)}</title>"]
    for index, one in enumerate(series if len(series) > 1 else []):
        x = WIDTH - index * 110
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<rect x="{x - 12}" y="6" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x - 16}" y="15" text-anchor="start" direction="rtl">{escape(one.name)}</text>')
    for row, label in enumerate(labels):
        top = legend_height + row * group_height
        parts.append(f'<text x="{WIDTH}" y="{top + LABEL_HEIGHT - 5}" text-anchor="start" direction="rtl" '
                     f'font-weight="bold">{escape(label)}</text>')
        for index, one in enumerate(series):
            value = one.values[row] if row < len(one.values) else 0
            length = round(span * value / peak)
            y = top + LABEL_HEIGHT + index * BAR_HEIGHT
            parts.append(f'<rect x="{WIDTH - length}" y="{y + 2}" width="{length}" height="{BAR_HEIGHT - 4}" '
                         f'fill="{COLOURS[index % len(COLOURS)]}"/>'
                         f'<text x="{WIDTH - length - 4}" y="{y + BAR_HEIGHT / 2 + 1}" text-anchor="end" '
                         f'dominant-baseline="middle">{_fa_number(value)}</text>')
    if not labels:
        parts.append(f'<text x="{WIDTH / 2}" y="{height / 2}" text-anchor="middle">داده‌ای برای این بازه نیست.</text>')
    parts.append("</svg>")
    return "".join(parts)
