"""Build the Bootstrap CSS the pages load: only the rules whose classes samt's templates and code use.

    make assets            # or: .venv/bin/python assets/build_css.py

Reads assets/bootstrap/bootstrap.rtl.min.css (the full upstream file, not served) and writes
static/vendor/bootstrap/bootstrap.rtl.css. A class counts as used when its name appears as a word in any
template (ours, crispy-bootstrap5's) or in the project's Python code; `alert-{{ tag }}` in a template (or a
Python string ending in `-`) keeps every class with that prefix. samt/tests/test_static_assets.py fails when a
template uses a Bootstrap class that the shipped file lacks, so a new template is one `make assets` away.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import tinycss2
from tinycss2.ast import AtRule, Comment, Node, QualifiedRule

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assets" / "bootstrap" / "bootstrap.rtl.min.css"
TARGET = ROOT / "static" / "vendor" / "bootstrap" / "bootstrap.rtl.css"
# Not part of the portal's code: the virtualenv, the collected and the vendored files, test output.
SKIP = {".venv", ".git", "assets", "static", "staticfiles", "var", "bench", "test-artifacts", "node_modules"}


def apps() -> Iterator[Path]:
    """Every package at the top of the repository (an app added tomorrow counts without a change here)."""
    for path in sorted(ROOT.iterdir()):
        if path.is_dir() and path.name not in SKIP and (path / "__init__.py").exists():
            yield path

WORD = re.compile(r"[A-Za-z][\w-]*")
TEMPLATE_PREFIX = re.compile(r"([A-Za-z][\w-]*-)\{[{%]")
CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
NOT = re.compile(r":not\([^)]*\)")
# Selectors for things samt never turns on: Bootstrap's dark colour mode.
NEVER = ("[data-bs-theme=dark]",)


def template_files() -> Iterator[Path]:
    import crispy_bootstrap5

    yield from (ROOT / "templates").rglob("*.html")
    for app in apps():
        yield from app.rglob("templates/**/*.html")
    yield from (Path(crispy_bootstrap5.__file__).parent / "templates").rglob("*.html")


def python_files() -> Iterator[Path]:
    for app in apps():
        yield from (path for path in app.rglob("*.py") if "tests" not in path.parts)


def used_names() -> tuple[set[str], set[str]]:
    """Every word that could be a class name, and the prefixes built with a variable part."""
    words: set[str] = set()
    prefixes: set[str] = set()
    for path in template_files():
        text = path.read_text()
        words.update(WORD.findall(text))
        prefixes.update(TEMPLATE_PREFIX.findall(text))
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words.update(WORD.findall(node.value))
                if WORD.fullmatch(node.value) and node.value.endswith("-"):
                    prefixes.add(node.value)
    return words, prefixes


def selector_classes(selector: str) -> list[str]:
    # A class under :not() need not be on the page for the selector to match.
    return CLASS.findall(NOT.sub("", selector))


def classes_of(css: str) -> set[str]:
    """Every class name any selector of a stylesheet mentions."""
    names: set[str] = set()
    for rule in _rules(tinycss2.parse_stylesheet(css, skip_whitespace=True)):
        names.update(CLASS.findall(tinycss2.serialize(rule.prelude)))
    return names


def _rules(nodes: Iterable[Node]) -> Iterator[QualifiedRule]:
    for node in nodes:
        if isinstance(node, QualifiedRule):
            yield node
        elif isinstance(node, AtRule) and node.content is not None and node.lower_at_keyword != "keyframes":
            yield from _rules(tinycss2.parse_rule_list(node.content, skip_whitespace=True))


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(prelude):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(prelude[start:index])
            start = index + 1
    parts.append(prelude[start:])
    return [part.strip() for part in parts if part.strip()]


class Trimmer:
    def __init__(self, words: set[str], prefixes: set[str]) -> None:
        self.words = words
        self.prefixes = tuple(sorted(prefixes))

    def used(self, name: str) -> bool:
        return name in self.words or name.startswith(self.prefixes)

    def keep_selector(self, selector: str) -> bool:
        if any(never in selector for never in NEVER):
            return False
        return all(self.used(name) for name in selector_classes(selector))

    def trim(self, nodes: Iterable[Node], *, top: bool) -> list[str]:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, Comment) and top and node.value.startswith("!"):
                out.append(f"/*{node.value}*/\n")  # the licence banner
            elif isinstance(node, QualifiedRule):
                kept = [s for s in _split_selectors(tinycss2.serialize(node.prelude)) if self.keep_selector(s)]
                if kept:
                    out.append(f"{','.join(kept)}{{{tinycss2.serialize(node.content).strip()}}}")
            elif isinstance(node, AtRule):
                out.extend(self.trim_at_rule(node))
        return out

    def trim_at_rule(self, node: AtRule) -> list[str]:
        head = f"@{node.at_keyword}{tinycss2.serialize(node.prelude)}"
        if node.content is None:
            return [f"{head};"]
        if node.lower_at_keyword in {"keyframes", "font-face", "page"}:
            return [f"{head}{{{tinycss2.serialize(node.content).strip()}}}"]
        inner = self.trim(tinycss2.parse_rule_list(node.content, skip_whitespace=True), top=False)
        return [f"{head}{{{''.join(inner)}}}"] if inner else []


def drop_unused_keyframes(css: str) -> str:
    """Keyframes no kept rule animates (Bootstrap's spinners, placeholders, stripes) go too."""
    names = re.findall(r"@keyframes ([\w-]+)", css)
    for name in names:
        body = re.sub(r"@keyframes " + re.escape(name) + r"\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
        if not re.search(r"\b" + re.escape(name) + r"\b", body):
            css = body
    return css


def build(source: str, words: set[str], prefixes: set[str]) -> str:
    nodes = tinycss2.parse_stylesheet(source, skip_whitespace=True, skip_comments=False)
    return drop_unused_keyframes("".join(Trimmer(words, prefixes).trim(nodes, top=True))) + "\n"


def main() -> None:
    source = SOURCE.read_text()
    css = build(source, *used_names())
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(css)
    print(f"{TARGET.relative_to(ROOT)}: {len(css):,} bytes from {len(source):,}; "
          f"{len(classes_of(css))} of {len(classes_of(source))} classes")


if __name__ == "__main__":
    main()
