"""What the crawl checks on every page and PDF it meets (issue 15): the rules, apart from the walking.

A page is checked at each width for horizontal overflow, axe-core violations of impact moderate or above,
Latin-script words outside an allow-list, words the site does not use, template source in the HTML and assets
that failed to load. A form that shows errors is checked for the keyboard and screen-reader basics. A PDF is
checked with pdffonts (every font embedded) and pdftotext (phone numbers and references in logical order).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from samt.persian import normalize_digits

AXE = Path(__file__).resolve().parent / "assets" / "axe-core" / "axe.min.js"
WIDTHS = (1366, 360)
PHONE = 360
SERIOUS = ("moderate", "serious", "critical")

# Latin words that are Latin by nature where the portal shows them in running Persian text: format and
# protocol names people see on buttons and labels. Identifiers, codes, usernames and URLs are allowed when
# rendered as what they are: in an element laid out left to right (dir="ltr", the .ltr class, <bdo dir=ltr>).
LATIN_ALLOWED = {"PDF", "CSV", "SMS", "QR", "RRN", "TOTP", "IBAN", "UTF-8"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.@/-]*")
LATIN_NUMBER = re.compile(r"[0-9]+")
# One word for a thing across the site (style: «گذرواژه» for password), and no bare Django defaults.
WORDS_NOT_USED = ("رمز عبور", "این فیلد لازم است")
TEMPLATE_SOURCE = re.compile(r"\{#|#\}|\{\{|\}\}|\{%|%\}")
# A phone number printed right-to-left reads "88700000-021": a long group, a dash, then the area code.
REVERSED_PHONE = re.compile(r"(?<![0-9])[0-9]{5,8}-0[0-9]{2,3}(?![0-9])")

# Runs in the page: the visible text that is Latin outside the places where Latin is what the value is.
LATIN_SCAN = """() => {
  const skip = 'script, style, noscript, template, svg';
  const ltr = el => getComputedStyle(el).direction === 'ltr';
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || ltr(el) || !/[A-Za-z0-9]/.test(node.nodeValue)) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    found.push(node.nodeValue.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], input[type=submit]')) {
    if (ltr(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (name === 'value' && el.type !== 'submit') continue;
      const value = el.getAttribute(name);
      if (value && /[A-Za-z0-9]/.test(value)) found.push(value);
    }
  }
  return found;
}"""

OVERFLOW_SCAN = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1) && el.children.length === 0) {
      const text = el.textContent.trim().slice(0, 30);
      culprits.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} "${text}"`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, culprits: culprits.slice(0, 5)};
}"""

# A table the insured person reads on their phone shows every column without scrolling sideways (amounts and
# statuses were cut off at the edge of a scrolling box).
TABLES_SCROLLING = """() => [...document.querySelectorAll('main .table-responsive')]
  .filter(box => box.scrollWidth > box.clientWidth + 1 && box.checkVisibility())
  .map(box => `${box.scrollWidth}px in ${box.clientWidth}px: ` +
       (box.querySelector('caption, th') || box).textContent.trim().slice(0, 40))"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""

# After a form came back with errors: each invalid field names its error through aria-describedby, the errors
# are announced (an alert or live region) and the keyboard focus is on the first invalid field.
FORM_ERRORS_SCAN = """() => {
  const problems = [];
  const invalid = [...document.querySelectorAll('main [aria-invalid=true], main .is-invalid')]
    .filter(el => ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName));
  const alerts = document.querySelectorAll('main [role=alert], main [aria-live]');
  if (!invalid.length && !alerts.length) return problems;
  for (const el of invalid) {
    // A group of radios or checkboxes is described on its fieldset.
    const grouped = el.type === 'radio' || el.type === 'checkbox';
    const holder = grouped ? el.closest('fieldset') || el : el;
    const ids = (holder.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const described = ids.map(id => document.getElementById(id)).filter(Boolean);
    if (!grouped && el.getAttribute('aria-invalid') !== 'true') problems.push(`${el.name}: no aria-invalid`);
    if (!described.some(d => d.matches('.invalid-feedback, .errorlist, [data-error]')))
      problems.push(`${el.name}: its error is not tied to it by aria-describedby`);
  }
  if (invalid.length && !alerts.length) problems.push('the errors are not announced (no role=alert or aria-live)');
  if (invalid.length && document.activeElement !== invalid[0])
    problems.push(`focus is on ${document.activeElement && document.activeElement.tagName}, not the first error`);
  return problems;
}"""


@dataclass
class Findings:
    """Everything the crawl found, one line each, grouped by check for the failure message."""

    lines: dict[str, list[str]] = field(default_factory=dict)
    pages: int = 0
    pdfs: int = 0

    def add(self, check: str, where: str, what: object) -> None:
        line = f"{where}: {what}"
        bucket = self.lines.setdefault(check, [])
        if line not in bucket:
            bucket.append(line)

    def report(self) -> str:
        return "\n".join(f"[{check}] {line}" for check, lines in sorted(self.lines.items()) for line in lines)


def latin_words(texts: list[str], allowed: set[str]) -> set[str]:
    words = set()
    for text in texts:
        for word in LATIN_WORD.findall(text):
            word = word.strip("./-_")
            if word and word not in LATIN_ALLOWED and word not in allowed:
                words.add(word)
    return words


def check_html(html: str, findings: Findings, where: str) -> None:
    for match in TEMPLATE_SOURCE.finditer(html):
        findings.add("template source", where, html[max(0, match.start() - 40):match.end() + 40].strip())
        break


def check_rendered(page, findings: Findings, where: str, *, allowed: set[str], run_axe: bool,
                   tables_fit: bool = False) -> None:
    overflow = page.evaluate(OVERFLOW_SCAN)
    if overflow:
        findings.add("overflow", where, overflow)
    if tables_fit and page.viewport_size["width"] <= PHONE:
        for table in page.evaluate(TABLES_SCROLLING):
            findings.add("table cut off", where, table)
    texts = page.evaluate(LATIN_SCAN)
    words = latin_words(texts, allowed)
    if words:
        findings.add("latin", where, sorted(words))
    # Amounts, dates and counts read in Persian digits; a Latin digit in right-to-left text is one that was not
    # passed through the formatting filters (or an identifier not marked left to right).
    numbers = {number for text in texts for number in LATIN_NUMBER.findall(LATIN_WORD.sub("", text))}
    if numbers:
        findings.add("latin digits", where, sorted(numbers)[:8])
    text = page.inner_text("body")
    for phrase in WORDS_NOT_USED:
        if phrase in text:
            findings.add("wording", where, phrase)
    if run_axe:
        if not page.evaluate("typeof axe !== 'undefined'"):
            # Evaluated, not added as a <script>: the page's Content-Security-Policy refuses inline scripts.
            page.evaluate(AXE.read_text())
        for violation in page.evaluate(AXE_RUN):
            if violation["impact"] in SERIOUS:
                findings.add("axe", where, violation)


def check_form_errors(page, findings: Findings, where: str) -> None:
    for problem in page.evaluate(FORM_ERRORS_SCAN):
        findings.add("form errors", where, problem)


def check_pdf(body: bytes, findings: Findings, where: str, *, references: list[str], phones: list[str]) -> None:
    """Fonts embedded; every phone number and reference that appears, in the order people read it."""
    findings.pdfs += 1
    if not body.startswith(b"%PDF"):
        findings.add("pdf", where, "not a PDF")
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(body)
        pdf.flush()
        fonts = subprocess.run(["pdffonts", pdf.name], capture_output=True, text=True, check=True).stdout
        text = subprocess.run(["pdftotext", pdf.name, "-"], capture_output=True, text=True, check=True).stdout
    for row in fonts.splitlines()[2:]:
        # name, type, encoding, emb, sub, uni, object, ID: a type may hold a space, so count from the end
        if row.split()[-5] != "yes":
            findings.add("pdf fonts", where, f"not embedded: {row.split()[0]}")
    text = normalize_digits(text)
    for reversed_phone in REVERSED_PHONE.findall(text):
        findings.add("pdf order", where, f"phone printed reversed: {reversed_phone}")
    for phone in phones:
        head, _, tail = phone.partition("-")
        if tail and f"{tail}-{head}" in text:
            findings.add("pdf order", where, f"phone printed reversed: {tail}-{head}")
    for reference in references:
        if reference not in text:
            findings.add("pdf order", where, f"reference {reference} is not printed as it reads")


def url_pattern(path: str, query: str) -> str:
    """A page's shape: ids become <id>, query values are dropped, so the crawl visits each shape a bounded
    number of times however many slips or persons the demo holds."""
    parts = ["<id>" if re.search(r"[0-9]", part) or len(part) > 30 else part for part in path.split("/")]
    keys = sorted({pair.split("=")[0] for pair in query.split("&") if pair})
    return "/".join(parts) + ("?" + "&".join(keys) if keys else "")
