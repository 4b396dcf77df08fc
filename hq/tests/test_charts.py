"""The SVG chart is a pure function: bars proportional to their values, labels escaped, an empty chart says so."""

from __future__ import annotations

import re

from hq.charts import VALUE_WIDTH, WIDTH, Series, bar_chart_svg


def widths(svg: str) -> list[int]:
    return [int(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="(\d+)" height="\d+" fill', svg)]


def test_bars_are_proportional_and_the_largest_fills_the_span():
    svg = bar_chart_svg(title="t", labels=["الف", "ب"], series=[Series("n", [10, 5])])
    assert widths(svg) == [WIDTH - VALUE_WIDTH, (WIDTH - VALUE_WIDTH) // 2]
    assert "۱۰" in svg and "۵" in svg


def test_labels_are_escaped_and_a_legend_appears_for_two_series():
    svg = bar_chart_svg(title="<x>", labels=["<script>"], series=[Series("یک", [1]), Series("دو", [2])])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "یک" in svg and "دو" in svg


def test_an_empty_chart_says_there_is_nothing():
    assert "داده‌ای برای این بازه نیست" in bar_chart_svg(title="t", labels=[], series=[Series("n", [])])
