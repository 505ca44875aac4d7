"""Look at the built book the way a reader does: in headless Chromium.

Helpers for tests/test_browser.py and tests/test_browser_safeguards.py.
:func:`inspect_page` opens one page, waits until MathJax and the widgets are
done, and returns a :class:`PageReport`: what a reader would see go wrong,
sorted by kind ("load", "math", "figures", "widgets", "launch").  An empty
report is a good page.  What the page *should* hold (the number of display
equations, the launch URLs) comes from the book's sources, so a page that lost
something is caught even when the page itself looks self-consistent.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT, book_config, read_notebook, source_of, toc_files

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium, headless, with nothing that reaches for the network by itself.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
HTML = ROOT / "_build" / "html"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
KINDS = ("load", "math", "figures", "widgets", "launch")
SETTLE_STEPS = 50      # tenths of a second to wait for a moved slider to show its change

# ---------------------------------------------------------------- serving


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output for failures
        pass


@contextlib.contextmanager
def serve(folder):
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def require_built_book():
    import pytest

    if not (HTML / "intro.html").exists():
        pytest.fail("the book is not built: run `make book` first (`make test` does)")


@contextlib.contextmanager
def chromium():
    """Launch headless Chromium under Playwright; yield the browser."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        raise FileNotFoundError(
            f"Chromium is not at {CHROMIUM}: run `make chromium` (make test does), or set "
            "CHROMIUM=/path/to/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser, *, viewport=DESKTOP, offline=False):
    """A fresh browser context whose requests never leave this machine.

    Every request to anything but 127.0.0.1, a file, or the page's own
    data:/blob: URLs is refused, and remembered in ``context.external`` so a
    test can say which page reached for the network.
    """
    context = browser.new_context(viewport=viewport, offline=offline)
    context.external = []

    def route(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "file://", "data:", "blob:")):
            route.continue_()
        else:
            context.external.append(url)
            route.abort()

    context.route("**/*", route)
    return context


# ---------------------------------------------------------------- expectations


def built_pages(folder):
    """The pages this build made: the table of contents and Sphinx's own pages
    (an HTML file left over from an earlier build of a removed page is not one)."""
    folder = Path(folder)
    made = [folder / f"{entry}.html" for entry in toc_files()] + sorted(folder.glob("*.html"))
    return sorted({p for p in made if p.is_file()})


def page_url(base, entry):
    return urllib.parse.urljoin(base, f"{entry}.html")


def launch_urls(entry):
    """The Colab and Binder URLs a page built from a notebook must offer."""
    path = source_of(entry).relative_to(ROOT).as_posix()
    config = book_config()
    repo = config["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    branch = config["repository"].get("branch", "main")
    buttons = config["launch_buttons"]
    colab = f"{buttons['colab_url'].rstrip('/')}/github/{repo}/blob/{branch}/{path}"
    binder = (f"{buttons['binderhub_url'].rstrip('/')}/v2/gh/{repo}/{branch}"
              f"?urlpath=lab/tree/{path}")
    return {"colab": colab, "binder": binder}


@functools.cache
def markdown_parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = book_config()["parse"]["myst_enable_extensions"]
    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)


def display_math_in_markdown(text):
    """How many display equations MyST finds in Markdown text."""
    count = 0
    for token in markdown_parser().parse(text):
        if token.type in ("math_block", "math_block_label", "amsmath"):
            count += 1
        elif token.type == "fence" and token.info.strip() == "{math}":
            count += 1
    return count


# myst-nb shows the first of these a cell output has (its HTML render priority).
_OUTPUT_PRIORITY = ["application/vnd.jupyter.widget-view+json", "application/javascript",
                    "text/html", "image/svg+xml", "image/png", "image/jpeg",
                    "text/markdown", "text/latex", "text/plain"]


def cell_text(value):
    return "".join(value) if isinstance(value, list) else value


def expected_display_math(entry):
    """(count, exact): display equations in a page's source.

    A notebook counts its Markdown cells and the Markdown or LaTeX outputs the
    page shows.  ``exact`` is False for pages that pull in reStructuredText
    (autodoc docstrings may add equations the source cannot show): there the
    page must hold at least this many.
    """
    source = source_of(entry)
    if source.suffix == ".md":
        text = source.read_text()
        return display_math_in_markdown(text), "{eval-rst}" not in text
    count = 0
    for cell in read_notebook(source)["cells"]:
        if cell["cell_type"] == "markdown":
            count += display_math_in_markdown(cell_text(cell["source"]))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            shown = next((mime for mime in _OUTPUT_PRIORITY if mime in data), None)
            if shown == "text/markdown":
                count += display_math_in_markdown(cell_text(data[shown]))
            elif shown == "text/latex":
                count += 1
    return count, True


def is_notebook(entry):
    return source_of(entry).suffix == ".ipynb"


def is_lecture(entry):
    return entry.startswith("lectures/") and is_notebook(entry)


# ---------------------------------------------------------------- looking at a page

# Run in the page once MathJax and the widgets are done: what a reader sees.
_FACTS_JS = r"""
() => {
  const article = document.querySelector('article.bd-article') || document.body;
  // Visible text outside code, scripts and typeset math.
  const clone = article.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight')
       .forEach(e => e.remove());
  const visible = (e) => e.getClientRects().length > 0;
  const images = [...document.images].map(img => {
    const figure = img.closest('figure');
    return {
      src: img.getAttribute('src').slice(0, 120),
      loaded: img.complete && img.naturalWidth > 0,
      alt: (img.getAttribute('alt') || '').trim(),
      caption: figure && figure.querySelector('figcaption')
               ? figure.querySelector('figcaption').textContent.trim() : '',
      inArticle: article.contains(img),
      inWidget: !!img.closest('.jupyter-widgets'),
    };
  });
  const views = [...document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]')];
  const rendered = views.filter(v => {
    const area = v.previousElementSibling;
    return area && area.classList.contains('widget-subarea')
           && area.querySelector('.jupyter-widgets');
  }).length;
  return {
    text: clone.textContent,
    displayMath: document.querySelectorAll('div.math').length,
    displayTypeset: document.querySelectorAll('div.math mjx-container[display="true"]').length,
    // Including any MathJax found outside Sphinx's math blocks (stray $$ in text).
    displayTypesetAll: article.querySelectorAll('mjx-container[display="true"]').length,
    inlineMath: document.querySelectorAll('span.math').length,
    inlineTypeset: document.querySelectorAll('span.math mjx-container').length,
    mathErrors: [...document.querySelectorAll('mjx-merror')]
        .map(e => e.getAttribute('data-mjx-error') || e.textContent),
    // MathJax shows an undefined \macro as red text (read from its MathML copy).
    undefinedMacros: [...document.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]')]
        .map(e => e.textContent).filter(t => /^\\[A-Za-z]+$/.test(t)),
    images: images,
    widgetViews: views.length,
    widgetsRendered: rendered,
    sliders: document.querySelectorAll('.widget-subarea .widget-slider').length,
    launchLinks: [...document.querySelectorAll('.dropdown-launch-buttons a')]
        .map(a => ({href: a.href, text: a.textContent.trim(), visible: visible(a)})),
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
  };
}
"""

# Wait for MathJax's first typesetting pass, and for every widget view to render.
_READY_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const views = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]');
  for (let i = 0; i < 200; i++) {   // up to 20 s on a busy machine
    const done = [...views].every(v => v.previousElementSibling
        && v.previousElementSibling.querySelector('.jupyter-widgets'));
    const images = [...document.images].every(img => img.complete);
    if (done && images) break;
    await new Promise(r => setTimeout(r, 100));
  }
  return true;
}
"""

# Raw TeX a reader should never see: MathJax did not typeset it.
RAW_TEX = re.compile(r"\$\$|\\begin\{|\\end\{|\\\[|\\\(")


@dataclass
class PageReport:
    """What went wrong on one page, by kind; empty lists everywhere is a good page."""

    url: str
    problems: dict = field(default_factory=lambda: {kind: [] for kind in KINDS})
    facts: dict = field(default_factory=dict)

    def add(self, kind, message):
        self.problems[kind].append(message)

    def __str__(self):
        lines = [f"{self.url}:"]
        for kind, messages in self.problems.items():
            lines += [f"  [{kind}] {m}" for m in messages]
        return "\n".join(lines)


def open_page(context, url, report):
    """Open ``url`` in a new tab, recording console errors and failed requests."""
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and report.add(
        "load", f"console error: {msg.text[:300]}"))
    page.on("pageerror", lambda err: report.add("load", f"uncaught error: {str(err)[:300]}"))
    page.on("requestfailed", lambda req: not req.url.startswith(("data:", "blob:")) and (
        req.url not in context.external) and report.add(
            "load", f"request failed: {req.url} ({req.failure})"))
    page.on("response", lambda resp: resp.status >= 400 and report.add(
        "load", f"HTTP {resp.status}: {resp.url}"))
    before = len(context.external)
    page.goto(url, wait_until="load")
    page.evaluate(_READY_JS)
    for external in context.external[before:]:
        report.add("load", f"reached for the network (blocked): {external}")
    return page


def check_math(report, facts, expected, exact):
    if facts["displayTypeset"] != facts["displayMath"]:
        report.add("math", f"{facts['displayMath'] - facts['displayTypeset']} of "
                           f"{facts['displayMath']} display equations were not typeset")
    if facts["inlineTypeset"] != facts["inlineMath"]:
        report.add("math", f"{facts['inlineMath'] - facts['inlineTypeset']} of "
                           f"{facts['inlineMath']} inline equations were not typeset")
    typeset = facts["displayTypesetAll"]
    if exact and typeset != expected:
        report.add("math", f"{typeset} display equations typeset, but the source has {expected}")
    if not exact and typeset < expected:
        report.add("math", f"{typeset} display equations typeset, "
                           f"but the source has at least {expected}")
    for raw in sorted(set(RAW_TEX.findall(facts["text"]))):
        where = facts["text"].find(raw)
        report.add("math", f"raw TeX on the page: {facts['text'][max(0, where - 40):where + 40]!r}")
    for error in facts["mathErrors"]:
        report.add("math", f"MathJax error: {error}")
    for macro in facts["undefinedMacros"]:
        report.add("math", f"undefined TeX macro {macro}")


def check_figures(report, facts):
    for image in facts["images"]:
        if not image["loaded"]:
            report.add("figures", f"image does not load: {image['src']}")
        if image["inArticle"] and not image["inWidget"] and not (image["alt"]
                                                                 or image["caption"]):
            report.add("figures", f"image without alt text or caption: {image['src']}")


def check_launch(report, facts, entry):
    wanted = launch_urls(entry)
    links = {link["href"] for link in facts["launchLinks"]}
    for name, url in wanted.items():
        if url not in links:
            offered = sorted(h for h in links if name in h) or sorted(links)
            report.add("launch", f"no {name} launch link to {url}; the page offers {offered}")
    for link in facts["launchLinks"]:
        if link["href"] in wanted.values() and not link["visible"]:
            report.add("launch", f"launch link {link['href']} is not shown when the menu opens")


def check_widgets(report, facts, entry):
    if facts["widgetViews"] != facts["widgetsRendered"]:
        report.add("widgets", f"{facts['widgetViews'] - facts['widgetsRendered']} of "
                              f"{facts['widgetViews']} widgets did not render")
    if is_lecture(entry) and facts["widgetViews"] == 0:
        report.add("widgets", "a lecture page without a widget (its state was not saved, "
                              "or the widget manager never ran)")


def inspect_page(context, base, entry, *, screenshot=None):
    """Open one page of the book and report everything a reader would see go wrong."""
    url = page_url(base, entry)
    report = PageReport(url)
    page = open_page(context, url, report)
    try:
        if is_notebook(entry):
            # Open the launch menu, as a reader would, before looking at it.
            button = page.locator(".dropdown-launch-buttons button").first
            if button.count():
                button.click()
        facts = page.evaluate(_FACTS_JS)
        report.facts = facts
        expected, exact = expected_display_math(entry)
        check_math(report, facts, expected, exact)
        check_figures(report, facts)
        check_widgets(report, facts, entry)
        if is_notebook(entry):
            check_launch(report, facts, entry)
        if screenshot is not None:
            page.keyboard.press("Escape")
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    return report


# ---------------------------------------------------------------- widgets in use


_FRAME_JS = r"""
(area) => {
  const shown = [...area.querySelectorAll('img')].filter(i => i.getClientRects().length > 0
                                                          && i.naturalWidth > 0);
  const readout = area.querySelector('.widget-readout');
  return {frames: shown.map(i => i.src), readout: readout ? readout.textContent : null};
}
"""


def move_frame_sliders(page):
    """Move each slider of each widget one step by keyboard, as a reader would
    (right, or left from the last value).

    Returns one (before, after) pair of {frames, readout} per slider, where
    ``frames`` lists the images shown in that widget.
    """
    changes = []
    areas = page.locator(".widget-subarea")
    for i in range(areas.count()):
        area = areas.nth(i)
        handles = area.locator(".widget-slider .noUi-handle")
        for j in range(handles.count()):
            handle = handles.nth(j)
            at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute(
                "aria-valuemax")
            before = area.evaluate(_FRAME_JS)
            handle.focus()
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            # Wait for the change to show (a busy machine is slow), but not forever:
            # a slider that changes nothing is what the caller wants to catch.
            after = before
            for _ in range(SETTLE_STEPS):
                page.wait_for_timeout(100)
                after = area.evaluate(_FRAME_JS)
                if after["frames"] != before["frames"] and after["readout"] != before["readout"]:
                    break
            changes.append((before, after))
    return changes


def slider_problems(page):
    """Move every slider once; each must change its readout and the figure shown.

    A slider whose figure stays put on the static page needs a kernel, which a
    reader of the book does not have.
    """
    changes = move_frame_sliders(page)
    problems = [] if changes else ["no slider on the page"]
    for i, (before, after) in enumerate(changes, start=1):
        if len(before["frames"]) != 1 or len(after["frames"]) != 1:
            problems.append(f"slider {i}: {len(before['frames'])} figures shown before moving "
                            f"and {len(after['frames'])} after; one at a time expected")
        elif after["frames"] == before["frames"]:
            problems.append(f"slider {i} moved but the figure did not change")
        if after["readout"] == before["readout"]:
            problems.append(f"slider {i}: the readout did not change")
    return problems


# ---------------------------------------------------------------- small screens

_OVERFLOW_JS = r"""
() => {
  const problems = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide on a `
                  + `${window.innerWidth} px screen`);
  }
  document.querySelectorAll('div.math mjx-container[display="true"]').forEach((c, i) => {
    const box = c.closest('div.math');
    const math = c.querySelector('mjx-math') || c;
    // The equation itself (or its block) must scroll, not the whole page or column.
    const scrolls = [c, box].some(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX));
    if (math.getBoundingClientRect().width > box.clientWidth + 1 && !scrolls) {
      problems.push(`display equation ${i + 1} is wider than the column and does not scroll`);
    }
    if (box.getBoundingClientRect().right > window.innerWidth + 1) {
      problems.push(`display equation ${i + 1} runs past the right edge of the screen`);
    }
  });
  return problems;
}
"""


def overflow_problems(page):
    """What spills sideways on a narrow screen (equations should scroll in place)."""
    return page.evaluate(_OVERFLOW_JS)
