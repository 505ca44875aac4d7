"""The built book in a real browser, as its readers meet it.

Headless Chromium (Debian's package, driven by Playwright) opens every page of
the table of contents from a server on 127.0.0.1, and refuses every request that
would leave the machine, so a page that still needs a CDN fails here.  For each
page: no console errors and no failed requests; every equation typeset (as many
display equations as the source has, no raw TeX left); every image loaded and
described; every widget rendered; on notebook pages, launch buttons to this
notebook on Colab and Binder.  A screenshot of each page is saved under
_build/screenshots/ for a person to look at.

Then the widgets are used (each slider moved, the frame must change), the book
is opened straight from disk with networking off, searched offline, and read
on a 390 px phone screen.  tests/browser.py has the checks;
tests/test_browser_safeguards.py shows that each of them fails a broken page.
"""

import shutil

import pytest

from tests.browser import (
    HTML,
    PHONE,
    PageReport,
    chromium,
    inspect_page,
    is_notebook,
    new_context,
    open_page,
    overflow_problems,
    page_url,
    require_built_book,
    serve,
    slider_problems,
)
from tests.conftest import ROOT, lecture_notebooks, toc_files

SCREENSHOTS = ROOT / "_build" / "screenshots"
ENTRIES = toc_files()
LECTURES = [f"lectures/{path.stem}" for path in lecture_notebooks()]
# Read on a phone: the landing page and the first lecture.
PHONE_ENTRIES = [ENTRIES[0], *LECTURES[:1]]


@pytest.fixture(scope="module")
def book_url():
    require_built_book()
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def desktop(browser):
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture(scope="module")
def report(desktop, book_url):
    """Each page is opened once; its report is shared by the tests below."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    reports = {}

    def of(entry):
        if entry not in reports:
            reports[entry] = inspect_page(desktop, book_url, entry,
                                          screenshot=SCREENSHOTS / f"{entry}.png")
        return reports[entry]

    return of


def test_the_toc_has_lectures_to_look_at():
    assert LECTURES and set(LECTURES) <= set(ENTRIES)


# What each kind of check covers (tests/browser.py has the details).
CHECKS = {
    "load": "no console errors, failed requests or requests that leave the machine",
    "math": "every equation typeset, as many display equations as the source has",
    "figures": "every image loads and has alt text or a caption",
    "widgets": "every widget renders; every lecture has one",
    "launch": "Colab and Binder launch buttons open this page's notebook",
}
PAGE_CHECKS = [(entry, kind) for entry in ENTRIES for kind in CHECKS
               if kind != "launch" or is_notebook(entry)]


@pytest.mark.parametrize(("entry", "kind"), PAGE_CHECKS)
def test_what_a_reader_sees(report, entry, kind):
    page = report(entry)
    assert not page.problems[kind], f"{CHECKS[kind]}:\n{page}"


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_screenshot_of_the_page_is_saved(report, entry):
    from PIL import Image

    report(entry)
    with Image.open(SCREENSHOTS / f"{entry}.png") as shot:
        width, height = shot.size
        colours = shot.convert("L").getextrema()
    assert width == 1280 and height > 300
    assert colours[0] < 100 < colours[1], "the screenshot is blank"


@pytest.mark.parametrize("entry", LECTURES)
def test_moving_a_slider_changes_the_figure(report, desktop, book_url, entry):
    assert report(entry).facts["sliders"] >= 1, "no slider on the lecture page"
    page_report = PageReport(entry)
    page = open_page(desktop, page_url(book_url, entry), page_report)
    try:
        problems = slider_problems(page)
    finally:
        page.close()
    assert not problems, problems
    assert not page_report.problems["load"], str(page_report)


def test_the_book_works_from_disk_with_networking_off(browser):
    # Opened as a file, as a reader would after downloading the built book.
    context = new_context(browser, offline=True)
    try:
        base = HTML.as_uri() + "/"
        for entry in [ENTRIES[0], *LECTURES[:1]]:
            page = inspect_page(context, base, entry)
            for kind in ("load", "math", "figures", "widgets"):
                assert not page.problems[kind], str(page)
        page = open_page(context, page_url(base, LECTURES[0]), PageReport(LECTURES[0]))
        problems = slider_problems(page)
        page.close()
        assert not problems, problems
        assert not context.external, f"the book reached for the network: {context.external}"
    finally:
        context.close()


def test_search_works_offline(browser):
    context = new_context(browser, offline=True)
    try:
        page = context.new_page()
        page.goto(HTML.as_uri() + "/search.html?q=Jacobian")
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(timeout=15000)
        hits = " ".join(results.all_inner_texts())
        assert "Derivatives as linear operators" in hits
    finally:
        context.close()


@pytest.mark.parametrize("entry", PHONE_ENTRIES)
def test_readable_on_a_phone(browser, book_url, entry):
    context = new_context(browser, viewport=PHONE)
    try:
        page_report = PageReport(entry)
        page = open_page(context, page_url(book_url, entry), page_report)
        problems = overflow_problems(page)
        shot = SCREENSHOTS / "phone" / f"{entry}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        page.close()
    finally:
        context.close()
    assert not page_report.problems["load"], str(page_report)
    assert not problems, problems
