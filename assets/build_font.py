"""Build the web font the pages load: Vazirmatn cut down to the characters samt shows, plus the fallback faces
whose metrics match it, so text does not jump when the font arrives.

    make assets            # or: .venv/bin/python assets/build_font.py

Reads assets/vazirmatn/Vazirmatn-Variable.woff2 (the full upstream font, not served) and writes
static/vendor/vazirmatn/Vazirmatn-subset.woff2 and the font block of static/samt/site.css. Needs fonttools
(requirements-dev.txt). The PDFs keep the full TTF files under static/vendor/vazirmatn/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assets" / "vazirmatn" / "Vazirmatn-Variable.woff2"
TARGET = ROOT / "static" / "vendor" / "vazirmatn" / "Vazirmatn-subset.woff2"
SITE_CSS = ROOT / "static" / "samt" / "site.css"
BEGIN, END = "/* fonts: built by assets/build_font.py */", "/* end of fonts */"

# Persian and Arabic letters, digits (Persian, Arabic-Indic, Latin), ASCII for identifiers and Latin names, the
# punctuation our texts use (« » × — … ، ؛ ؟), the zero-width non-joiner and the bidi controls. Symbols the font
# lacks (✓ → ─) come from the system's fonts either way.
UNICODES = (
    "U+0020-007E,U+00A0,U+00A7,U+00AB,U+00B7,U+00BB,U+00D7,U+00F7,"
    "U+060C,U+061B,U+061F,U+0621-063A,U+0640-0655,U+0660-066C,U+0670,U+067E,U+0686,U+0698,U+06A9,U+06AF,U+06C0,"
    "U+06CC,U+06F0-06F9,U+200C-200F,U+2010-2014,U+2018-201E,U+2026,U+2066-2069,U+2212"
)
# Pages use normal and bold (and Bootstrap's 500 for headings); the range between is all the font keeps.
WEIGHTS = (400, 700)


@dataclass(frozen=True)
class Metrics:
    family: str
    local_names: tuple[str, ...]
    units_per_em: int
    ascent: int
    descent: int  # negative, as fonts store it
    line_gap: int
    x_width_avg: int  # average advance of a Latin text sample, in font units


# Widths are compared on one basis, the average advance of a Latin text sample as @capsizecss/metrics 4.3.0 (MIT)
# gives it for every font; its figure for Vazirmatn is 919 units of 2048.
VAZIRMATN_WIDTH_AVG = 919
# System fonts a browser falls back to for Persian while Vazirmatn loads, by platform (Windows, macOS, Android and
# Linux), with their figures from the same source. Vazirmatn's line metrics are read from the font.
FALLBACKS = (
    Metrics("Tahoma", ("Tahoma",), 2048, 2049, -423, 0, 917),
    Metrics("Arial", ("Arial", "ArialMT"), 2048, 1854, -434, 67, 913),
    Metrics("Noto Sans Arabic", ("Noto Sans Arabic", "NotoSansArabic-Regular", "Noto Sans Arabic UI"),
            1000, 1374, -738, 0, 474),
)


def build_subset() -> Metrics:
    # The source's own timestamp, so that building twice gives the same bytes.
    font = TTFont(SOURCE, recalcTimestamp=False)
    options = subset.Options()
    options.hinting = False
    options.name_IDs = [1, 2, 3, 4, 5, 6]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
    subsetter.subset(font)
    # Narrowing the weight axis after the subset drops the variation data the other weights needed.
    instancer.instantiateVariableFont(font, {"wght": WEIGHTS}, inplace=True)
    font.flavor = "woff2"
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    hhea = font["hhea"]
    return Metrics("Vazirmatn", (), font["head"].unitsPerEm, hhea.ascent, hhea.descent, hhea.lineGap,
                   VAZIRMATN_WIDTH_AVG)


def _percent(value: float) -> str:
    return f"{value * 100:.2f}%"


def fallback_face(vazirmatn: Metrics, fallback: Metrics) -> str:
    """A face drawn from a local font, scaled to Vazirmatn's average width and given its line metrics."""
    size_adjust = (vazirmatn.x_width_avg / vazirmatn.units_per_em) / (fallback.x_width_avg / fallback.units_per_em)
    em = vazirmatn.units_per_em * size_adjust
    sources = ", ".join(f'local("{name}")' for name in fallback.local_names)
    return (
        "@font-face {\n"
        f'  font-family: "Vazirmatn {fallback.family}";\n'
        f"  src: {sources};\n"
        f"  size-adjust: {_percent(size_adjust)};\n"
        f"  ascent-override: {_percent(vazirmatn.ascent / em)};\n"
        f"  descent-override: {_percent(-vazirmatn.descent / em)};\n"
        f"  line-gap-override: {_percent(vazirmatn.line_gap / em)};\n"
        "}"
    )


def font_css(vazirmatn: Metrics) -> str:
    faces = [
        "@font-face {\n"
        '  font-family: "Vazirmatn";\n'
        f'  src: url("../vendor/vazirmatn/{TARGET.name}") format("woff2");\n'
        f"  font-weight: {WEIGHTS[0]} {WEIGHTS[1]};\n"
        "  font-style: normal;\n"
        "  font-display: swap;\n"
        "}",
        *(fallback_face(vazirmatn, fallback) for fallback in FALLBACKS),
    ]
    families = ", ".join(['"Vazirmatn"', *(f'"Vazirmatn {f.family}"' for f in FALLBACKS), "Tahoma", "sans-serif"])
    return "\n".join([BEGIN, *faces, f":root {{ --samt-font: {families}; }}", END])


def main() -> None:
    vazirmatn = build_subset()
    css = SITE_CSS.read_text()
    block = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not block.search(css):
        raise SystemExit(f"{SITE_CSS} has no {BEGIN} … {END} block to replace")
    SITE_CSS.write_text(block.sub(lambda _: font_css(vazirmatn), css, count=1))
    print(f"{TARGET.relative_to(ROOT)}: {TARGET.stat().st_size:,} bytes; font block of {SITE_CSS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
