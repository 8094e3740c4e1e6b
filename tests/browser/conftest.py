"""The portal's pages in headless Chromium (Playwright), against the five services as
processes: one system and one browser per test module, a practice and a browser context
of its own per test. Every page a journey reaches is checked with axe-core, and saved as a
phone-size PNG when CHAIRSIDE_SCREENSHOTS names a directory."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e import conftest as e2e
from tests.support.node import package_dir

AXE_VERSION = "4.11.0"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
BLOCKING = ("serious", "critical")

# the e2e world: the services on a movable clock with an SMS outbox, the Garcia family
shared_world = e2e.shared_world
system = e2e.system
family = e2e.family
_world_between_tests = e2e._world_between_tests


@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver for the test run, never stopped: under eventlet's monkey-patching
    (tests/conftest.py) stopping it waits forever for the driver's exit, and a second one
    cannot start in the same process. The driver ends with the test process (its stdin closes)."""
    return sync_playwright().start()


@pytest.fixture(scope="module")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def axe_source():
    return (package_dir("axe-core", AXE_VERSION) / "axe.min.js").read_text()


class Pages:
    """A browser context at a viewport: opens pages, checks each with axe, saves screenshots."""

    def __init__(self, browser, axe_source, viewport, screenshots_at=PHONE):
        """screenshots_at: the viewport whose pages are saved (the portal's phone, the console's desktop)."""
        self.browser, self.axe_source, self.viewport = browser, axe_source, viewport
        self.screenshots_at = screenshots_at
        self.contexts = []
        self.screenshots = Path(os.environ["CHAIRSIDE_SCREENSHOTS"]) if os.environ.get("CHAIRSIDE_SCREENSHOTS") else None

    def new(self):
        context = self.browser.new_context(viewport=self.viewport, accept_downloads=True)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return context.new_page()

    def check(self, page, name=None):
        """No serious or critical axe violation on the page as it is now; its screenshot."""
        # evaluate() runs through the DevTools protocol, which the page's CSP does not govern.
        page.evaluate(self.axe_source)
        results = page.evaluate("""() => axe.run(document, {resultTypes: ["violations"]})""")
        blocking = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in results["violations"]
                    if v["impact"] in BLOCKING]
        assert not blocking, f"axe on {page.url}: {blocking}"
        if name and self.screenshots and self.viewport == self.screenshots_at:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, axe_source):
    opened = Pages(browser, axe_source, PHONE)
    yield opened
    opened.close()


@pytest.fixture
def desktop_pages(browser, axe_source):
    opened = Pages(browser, axe_source, DESKTOP)
    yield opened
    opened.close()


@pytest.fixture
def console_pages(browser, axe_source):
    """The office console is desktop first: its screenshots are desktop-size."""
    opened = Pages(browser, axe_source, DESKTOP, screenshots_at=DESKTOP)
    yield opened
    opened.close()


@pytest.fixture
def tablet_pages(browser, axe_source):
    opened = Pages(browser, axe_source, TABLET, screenshots_at=None)
    yield opened
    opened.close()
